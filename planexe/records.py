"""Plan-level lists worth carrying into the repository: assumptions, risks, team, documents,
expert criticism, related resources and regulatory requirements. All optional."""

from __future__ import annotations

from typing import Any

from planexe import coerce
from planexe.catalog import Catalog
from planexe.diagnostics import Diagnostics
from planexe.model import (
    Criticism,
    DocumentToCreate,
    DocumentToFind,
    Regulatory,
    RelatedResource,
    Risk,
    TeamRole,
)

#: Richest first; all have the same shape, later enrichments add fields.
TEAM_FILES = (
    "enrich_team_members_environment_info.json",
    "enrich_team_members_background_story.json",
    "enrich_team_members_contract_type.json",
    "find_team_members.json",
)
DOCS_TO_CREATE = (
    "identified_documents_to_create.json",
    "filter_documents_to_create_clean.json",
    "draft_documents_to_create.json",
)
DOCS_TO_FIND = (
    "identified_documents_to_find.json",
    "filter_documents_to_find_clean.json",
    "draft_documents_to_find.json",
)


def _items(
    cat: Catalog, logicals: tuple[str, ...], key: str | None, diag: Diagnostics
) -> list[dict[str, Any]]:
    """The dict items of the first present file (its top-level list, or the list under `key`)."""
    logical = next((name for name in logicals if cat.has(name)), None)
    if logical is None:
        return []
    found = cat.load(logical)
    assert found is not None
    name, data = found
    value = data if key is None else coerce.mapping(data).get(key)
    if not isinstance(value, list):
        where = "a list" if key is None else f"a {key!r} list"
        diag.warn("unexpected-shape", f"is not {where}; ignored", name.basename)
        return []
    return coerce.records(value)


def read_assumptions(cat: Catalog) -> tuple[str, ...]:
    """The distilled one-line assumptions (distill_assumptions_raw.json)."""
    found = cat.load("distill_assumptions_raw.json")
    return coerce.texts(coerce.mapping(found[1] if found else None).get("assumption_list"))


def read_risks(cat: Catalog, diag: Diagnostics) -> tuple[Risk, ...]:
    risks = (
        Risk(
            area=coerce.text(r.get("risk_area")),
            description=coerce.text(r.get("risk_description")),
            impact=coerce.text(r.get("potential_impact")),
            likelihood=coerce.text(r.get("likelihood")),
            severity=coerce.text(r.get("severity")),
            action=coerce.text(r.get("action")),
        )
        for r in _items(cat, ("identify_risks_raw.json",), "risks", diag)
    )
    return tuple(r for r in risks if r.description)


def read_team(cat: Catalog, diag: Diagnostics) -> tuple[TeamRole, ...]:
    roles = (
        TeamRole(
            id=coerce.identifier(r.get("id")) or str(i),
            category=coerce.text(r.get("category")),
            explanation=coerce.text(r.get("explanation")),
            count=coerce.text(r.get("count")),
            contract_type=coerce.text(r.get("contract_type")),
            typical_activities=coerce.text(r.get("typical_job_activities")),
        )
        for i, r in enumerate(_items(cat, TEAM_FILES, None, diag), start=1)
    )
    return tuple(r for r in roles if r.category)


def read_documents_to_create(cat: Catalog, diag: Diagnostics) -> tuple[DocumentToCreate, ...]:
    docs = (
        DocumentToCreate(
            id=coerce.identifier(d.get("id")),
            name=coerce.text(d.get("document_name")),
            description=coerce.text(d.get("description")),
            responsible_role=coerce.text(d.get("responsible_role_type")),
            steps=coerce.texts(d.get("steps_to_create")),
            approval_authorities=coerce.text(d.get("approval_authorities")),
        )
        for d in _items(cat, DOCS_TO_CREATE, None, diag)
    )
    return tuple(d for d in docs if d.name)


def read_documents_to_find(cat: Catalog, diag: Diagnostics) -> tuple[DocumentToFind, ...]:
    docs = (
        DocumentToFind(
            id=coerce.identifier(d.get("id")),
            name=coerce.text(d.get("document_name")),
            description=coerce.text(d.get("description")),
            responsible_role=coerce.text(d.get("responsible_role_type")),
            steps=coerce.texts(d.get("steps_to_find")),
            recency=coerce.text(d.get("recency_requirement")),
            access_difficulty=coerce.text(d.get("access_difficulty")),
        )
        for d in _items(cat, DOCS_TO_FIND, None, diag)
    )
    return tuple(d for d in docs if d.name)


def read_criticism(cat: Catalog) -> tuple[Criticism, ...]:
    """Every expert's negative feedback, experts in chunk order."""
    out: list[Criticism] = []
    for name in cat.files("expert_criticism_raw.json"):
        for f in coerce.records(coerce.mapping(cat.json(name)).get("negative_feedback_list")):
            item = Criticism(
                title=coerce.text(f.get("feedback_title")),
                detail=coerce.text(f.get("feedback_verbose")),
                mitigation=coerce.text(f.get("feedback_mitigation")),
                consequence=coerce.text(f.get("feedback_consequence")),
            )
            if item.title:
                out.append(item)
    return tuple(out)


def read_related_resources(cat: Catalog, diag: Diagnostics) -> tuple[RelatedResource, ...]:
    items = (
        RelatedResource(
            name=coerce.text(s.get("project_name")),
            detail=coerce.text(s.get("project_description")),
        )
        for s in _items(cat, ("related_resources_raw.json",), "suggestion_list", diag)
    )
    return tuple(i for i in items if i.name)


def read_regulatory(cat: Catalog) -> Regulatory:
    """The charter's regulatory_and_compliance_requirements (project_plan_raw.json)."""
    found = cat.load("project_plan_raw.json")
    if found is None:
        return Regulatory()
    reqs = coerce.mapping(coerce.mapping(found[1]).get("regulatory_and_compliance_requirements"))
    return Regulatory(
        permits_and_licenses=coerce.texts(reqs.get("permits_and_licenses")),
        compliance_standards=coerce.texts(reqs.get("compliance_standards")),
        regulatory_bodies=coerce.texts(reqs.get("regulatory_bodies")),
        compliance_actions=coerce.texts(reqs.get("compliance_actions")),
    )
