"""The task file: one YAML file per detailed task, its schema, and its text form.

A task file is the only place a task's state lives (on main). It carries everything an agent
or a person needs to act on the task without opening the plan: what it is, where it sits in the
WBS, what it waits for, how long the plan thinks it takes, and the plan's risks and assumptions
that concern it. The fields after `state` are filled by later stages.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from swarm import yamlio
from swarm.states import State

SCHEMA_VERSION: Literal[1] = 1
SCHEMA_PATH = "schemas/task.schema.json"
TASK_ID_PATTERN = r"^[0-9]+(\.[0-9]+){2}$"

TaskId = Annotated[str, StringConstraints(pattern=TASK_ID_PATTERN)]
NodeCode = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeRef(_Model):
    """A phase or subtask the task belongs to."""

    code: NodeCode
    title: str
    planexe_id: str


class DependencyNote(_Model):
    """Why this task waits: PlanExe's dependency between subtasks (or phases), with its text."""

    on: NodeCode = Field(description="WBS code of the subtask or phase depended on")
    explanation: str = ""


class Estimate(_Model):
    min: int | None = None
    realistic: int | None = None
    max: int | None = None
    ongoing: bool = Field(False, description="PlanExe gave -1: ongoing or not applicable")
    source: Literal["planexe", "split", "none"] = Field(
        "none", description="'split': the subtask's days shared out as PlanExe's scheduler does"
    )


class Planned(_Model):
    start: dt.date | None = None
    end: dt.date | None = None


class LinkedRisk(_Model):
    ref: str = Field(description="R<n>: the n-th risk of plan/risks.md")
    area: str = ""
    summary: str
    likelihood: str = ""
    severity: str = ""


class ClaimRecord(_Model):
    """The claim under which the last stage of this task was merged."""

    agent: str
    stage: str
    token: int


class EvidenceItem(_Model):
    criterion: str
    proof: str = Field(description="a path in this repository, a URL, or a short statement")


class TaskFile(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    id: TaskId
    planexe_id: str
    title: str
    description: str = ""
    resources: tuple[str, ...] = ()
    phase: NodeRef
    subtask: NodeRef
    depends_on: tuple[TaskId, ...] = ()
    dependency_notes: tuple[DependencyNote, ...] = ()
    estimate_days: Estimate = Estimate()
    planned: Planned = Planned()
    delay_risks: str = ""
    mitigation: str = ""
    risks: tuple[LinkedRisk, ...] = ()
    assumptions: tuple[str, ...] = ()
    state: State = State.TODO
    risk_tier: Literal[1, 2, 3] | None = None
    approval_required: bool | None = None
    assignee: str | None = None
    claim: ClaimRecord | None = None
    evidence: tuple[EvidenceItem, ...] = ()
    blocked_reason: str | None = None
    escalation: str | None = None


class TaskFileError(ValueError):
    """A task file that does not parse or validate; the message names the file and the field."""


def to_yaml(task: TaskFile) -> str:
    # relative to the file's folder, tasks/<phase>/<subtask>/
    header = f"# yaml-language-server: $schema=../../../{SCHEMA_PATH}\n"
    return header + yamlio.dump(task.model_dump(mode="json"))


def from_yaml(text: str, path: str = "") -> TaskFile:
    return _parse(text, path)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, path: str) -> TaskFile:
    # a task file's version is read again and again (a merge's head is the next one's base);
    # TaskFile is frozen, so sharing the parsed value is safe
    where = path or "task file"
    try:
        data = yamlio.load(text)
    except yamlio.YamlError as exc:
        raise TaskFileError(f"{where}: {exc}") from None
    if not isinstance(data, dict):
        raise TaskFileError(f"{where}: expected a mapping of fields, got {type(data).__name__}")
    try:
        return TaskFile.model_validate(data)
    except ValidationError as exc:
        raise TaskFileError(f"{where}: {_first_errors(exc)}") from None


def _first_errors(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    # unknown fields first: they are the likeliest typo and the most useful hint
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    for err in errors[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "(top)"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def json_schema() -> dict[str, Any]:
    schema = TaskFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "plan-swarm task file"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
