"""The plan as the roles read it: its collections (assumptions, risks, documents, criticism…),
each a list of items with a reference and a source path, indexed once for relevance ranking.

Indexing a plan's collections is the expensive part of a stage, so a PlanView is built once per
Plan object and cached (a small LRU keyed by the object's id, holding the plan itself so the id
cannot be reused while the entry lives). Every stage then only scores one query per collection.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from planexe.model import Plan
from swarm import relevance
from swarm.task import TaskFile

CACHE_SIZE = 8
PLAN_JSON = "plan/plan.json"


@dataclass(frozen=True)
class Item:
    """One entry of a plan collection, with where a person finds it in the repository."""

    ref: str  # "R3", "A2", "DF1"…: stable within the plan
    title: str
    text: str  # what the relevance index sees
    source: str  # "plan/risks.md#R3"
    details: tuple[tuple[str, str], ...] = ()  # e.g. (("severity", "High"),)

    def detail(self, key: str) -> str:
        return next((v for k, v in self.details if k == key), "")


@dataclass(frozen=True)
class Ranked:
    item: Item
    score: float


class Collection:
    """Items indexed once; `rank` scores a task's query against all of them."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = tuple(items)
        self._index = relevance.Index([i.text for i in self.items])

    def __len__(self) -> int:
        return len(self.items)

    def rank(self, query: frozenset[str], limit: int, threshold: float) -> list[Ranked]:
        if not self.items:
            return []
        scores = self._index.scores(query)
        top = self._index.top(query, limit, threshold)
        return [Ranked(self.items[i], round(scores[i], 1)) for i in top]

    def by_ref(self) -> dict[str, Item]:
        return {i.ref: i for i in self.items}


@dataclass(frozen=True)
class PlanView:
    plan: Plan
    assumptions: Collection
    risks: Collection
    documents_to_find: Collection
    documents_to_create: Collection
    criticism: Collection
    related: Collection
    team: Collection
    permits: Collection
    standards: Collection
    bodies: Collection
    actions: Collection


_CACHE: OrderedDict[int, PlanView] = OrderedDict()


def view(plan: Plan) -> PlanView:
    """The plan's indexed collections, built on first use and then reused."""
    key = id(plan)
    cached = _CACHE.get(key)
    if cached is not None and cached.plan is plan:
        _CACHE.move_to_end(key)
        return cached
    built = _build(plan)
    _CACHE[key] = built
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return built


def task_query(task: TaskFile) -> frozenset[str]:
    """What a task is about, for ranking: its title, description and subtask title."""
    return relevance.words(f"{task.title} {task.description} {task.subtask.title}")


def _attachment(plan: Plan, name: str, fallback: str) -> str:
    names = {a.logical_name for a in plan.attachments}
    return f"plan/attachments/{name}" if name in names else fallback


def _build(plan: Plan) -> PlanView:
    reg = plan.regulatory
    return PlanView(
        plan=plan,
        assumptions=Collection(_assumptions(plan)),
        risks=Collection(_risks(plan)),
        documents_to_find=Collection(_documents_to_find(plan)),
        documents_to_create=Collection(_documents_to_create(plan)),
        criticism=Collection(_criticism(plan)),
        related=Collection(_related(plan)),
        team=Collection(_team(plan)),
        permits=Collection(_plain(reg.permits_and_licenses, "P", "permits_and_licenses")),
        standards=Collection(_plain(reg.compliance_standards, "S", "compliance_standards")),
        bodies=Collection(_plain(reg.regulatory_bodies, "B", "regulatory_bodies")),
        actions=Collection(_plain(reg.compliance_actions, "CA", "compliance_actions")),
    )


def _assumptions(plan: Plan) -> list[Item]:
    return [
        Item(f"A{n}", a, a, f"plan/assumptions.md#A{n}") for n, a in enumerate(plan.assumptions, 1)
    ]


def _risks(plan: Plan) -> list[Item]:
    out = []
    for n, r in enumerate(plan.risks, 1):
        details = (
            ("area", r.area),
            ("severity", r.severity),
            ("likelihood", r.likelihood),
            ("impact", r.impact),
            ("action", r.action),
        )
        text = f"{r.area} {r.description} {r.impact}"
        out.append(Item(f"R{n}", r.description, text, f"plan/risks.md#R{n}", details))
    return out


def _documents_to_find(plan: Plan) -> list[Item]:
    out = []
    for n, d in enumerate(plan.documents_to_find, 1):
        details = (
            ("responsible", d.responsible_role),
            ("recency", d.recency),
            ("access", d.access_difficulty),
            ("steps", "; ".join(d.steps)),
        )
        text = f"{d.name} {d.description}"
        out.append(Item(f"DF{n}", d.name, text, "plan/documents.md#to-find", details))
    return out


def _documents_to_create(plan: Plan) -> list[Item]:
    out = []
    for n, d in enumerate(plan.documents_to_create, 1):
        details = (
            ("description", d.description),
            ("responsible", d.responsible_role),
            ("approval", d.approval_authorities),
            ("steps", "\n".join(d.steps)),
        )
        text = f"{d.name} {d.description}"
        out.append(Item(f"DC{n}", d.name, text, "plan/documents.md#to-create", details))
    return out


def _criticism(plan: Plan) -> list[Item]:
    source = _attachment(plan, "expert_criticism.md", f"{PLAN_JSON} (criticism)")
    out = []
    for n, c in enumerate(plan.criticism, 1):
        details = (("detail", c.detail), ("mitigation", c.mitigation))
        text = f"{c.title} {c.detail}"
        out.append(Item(f"C{n}", c.title, text, source, details))
    return out


def _related(plan: Plan) -> list[Item]:
    source = _attachment(plan, "related_resources.md", f"{PLAN_JSON} (related_resources)")
    return [
        Item(f"RR{n}", r.name, f"{r.name} {r.detail}", source, (("detail", r.detail),))
        for n, r in enumerate(plan.related_resources, 1)
    ]


def _team(plan: Plan) -> list[Item]:
    out = []
    for n, t in enumerate(plan.team, 1):
        details = (("count", t.count), ("contract", t.contract_type))
        text = f"{t.category} {t.explanation} {t.typical_activities}"
        out.append(Item(f"T{n}", t.category, text, "plan/team.md", details))
    return out


def _plain(texts: Sequence[str], prefix: str, field: str) -> list[Item]:
    return [
        Item(f"{prefix}{n}", t, t, f"{PLAN_JSON} (regulatory.{field}[{n - 1}])")
        for n, t in enumerate(texts, 1)
    ]
