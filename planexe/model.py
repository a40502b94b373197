"""The typed form of a finished PlanExe plan: what `read_plan` returns.

Every model is frozen data with no behaviour beyond navigation helpers, so the rest of
plan-swarm can treat a Plan as a value. Only the WBS is guaranteed; every other section may be
empty, because real runs of different PlanExe versions carry different files.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    # validators are built on first use, not at import: `swarm status` imports Plan (through
    # swarm.repo) but never validates one
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class GoNoGo(StrEnum):
    """PlanExe's pre-project verdict, classified by the prefix of its free text."""

    EXECUTE = "execute_immediately"
    CAUTION = "proceed_with_caution"
    DO_NOT_EXECUTE = "do_not_execute"
    UNKNOWN = "unknown"


class Estimate(_Model):
    """Duration in days. None means PlanExe gave no figure or gave -1 (ongoing / not applicable)."""

    min: int | None = None
    realistic: int | None = None
    max: int | None = None
    ongoing: bool = False
    source: Literal["planexe", "split", "none"] = "none"


class WbsNode(_Model):
    """One node of the work breakdown. depth 0 is the project, 1 a phase, 2 a subtask,
    3 a detailed task (the unit the swarm executes)."""

    id: str
    code: str  # "" for the root, then "1", "1.2", "1.2.3" from child order
    depth: int
    parent_id: str | None
    name: str
    description: str = ""
    resources: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    estimate: Estimate = Estimate()
    delay_risks: str = ""
    mitigation: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


class Dependency(_Model):
    """`dependent` cannot finish before `depends_on` is done (PlanExe ids, usually subtasks)."""

    dependent: str
    depends_on: str
    explanation: str = ""


class Risk(_Model):
    area: str = ""
    description: str
    impact: str = ""
    likelihood: str = ""
    severity: str = ""
    action: str = ""


class TeamRole(_Model):
    id: str
    category: str
    explanation: str = ""
    count: str = ""
    contract_type: str = ""
    typical_activities: str = ""


class DocumentToCreate(_Model):
    id: str = ""
    name: str
    description: str = ""
    responsible_role: str = ""
    steps: tuple[str, ...] = ()
    approval_authorities: str = ""


class DocumentToFind(_Model):
    id: str = ""
    name: str
    description: str = ""
    responsible_role: str = ""
    steps: tuple[str, ...] = ()
    recency: str = ""
    access_difficulty: str = ""


class Criticism(_Model):
    """One point of expert criticism (expert_criticism_{n}_raw.json)."""

    title: str
    detail: str = ""
    mitigation: str = ""
    consequence: str = ""


class RelatedResource(_Model):
    name: str
    detail: str = ""


class Regulatory(_Model):
    """From the project charter's regulatory_and_compliance_requirements."""

    permits_and_licenses: tuple[str, ...] = ()
    compliance_standards: tuple[str, ...] = ()
    regulatory_bodies: tuple[str, ...] = ()
    compliance_actions: tuple[str, ...] = ()


class Assessment(_Model):
    verdict: GoNoGo = GoNoGo.UNKNOWN
    text: str = ""
    summary: str = ""
    feedback: tuple[tuple[str, str], ...] = ()  # (title, description)


class Attachment(_Model):
    """A file of the run carried into the repository verbatim (report, markdown)."""

    logical_name: str
    source_name: str
    size: int
    sha256: str
    content: bytes = Field(default=b"", exclude=True, repr=False)


class PlanWarning(_Model):
    """Something odd in the input that did not stop reading. `code` is stable for tests/tools."""

    code: str
    message: str
    file: str = ""


class SourceInfo(_Model):
    # path and layout describe where this copy was read from; they are left out of a
    # materialized repository (the same plan gives the same tree wherever it lies).
    path: str = ""
    layout: Literal["directory", "flat-zip", "wrapped-zip"] | None = None
    era: Literal["A", "B", "C", "unknown"]
    pipeline_version: int | None = None
    complete_marker: bool = False
    files: tuple[str, ...] = ()  # logical names present
    missing: tuple[str, ...] = ()  # notable logical names absent (optional inputs)
    digest: str = ""  # sha256 over (logical name, bytes) of the files that were read


class Plan(_Model):
    title: str
    prompt: str = ""
    plan_date: dt.date | None = None
    start_date: dt.date | None = None
    topic: str = ""
    purpose: str = ""  # business | personal | other | ""
    purpose_detailed: str = ""
    plan_type: str = ""  # physical | digital | ""
    redline_verdict: str = ""
    final_deliverable: str = ""
    assessment: Assessment = Assessment()
    nodes: tuple[WbsNode, ...]  # pre-order: root first, children in plan order
    dependencies: tuple[Dependency, ...] = ()
    assumptions: tuple[str, ...] = ()
    risks: tuple[Risk, ...] = ()
    team: tuple[TeamRole, ...] = ()
    documents_to_create: tuple[DocumentToCreate, ...] = ()
    documents_to_find: tuple[DocumentToFind, ...] = ()
    criticism: tuple[Criticism, ...] = ()
    related_resources: tuple[RelatedResource, ...] = ()
    regulatory: Regulatory = Regulatory()
    attachments: tuple[Attachment, ...] = ()
    warnings: tuple[PlanWarning, ...] = ()
    source: SourceInfo

    @cached_property
    def by_id(self) -> dict[str, WbsNode]:
        return {n.id: n for n in self.nodes}

    @property
    def root(self) -> WbsNode:
        return self.nodes[0]

    def at_depth(self, depth: int) -> list[WbsNode]:
        return [n for n in self.nodes if n.depth == depth]

    @property
    def phases(self) -> list[WbsNode]:
        return self.at_depth(1)

    @property
    def subtasks(self) -> list[WbsNode]:
        return self.at_depth(2)

    @property
    def detailed_tasks(self) -> list[WbsNode]:
        return self.at_depth(3)

    def ancestors(self, node_id: str) -> list[WbsNode]:
        """Parent first, root last."""
        out: list[WbsNode] = []
        parent = self.by_id[node_id].parent_id
        while parent is not None:
            node = self.by_id[parent]
            out.append(node)
            parent = node.parent_id
        return out
