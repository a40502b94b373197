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
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from swarm import yamlio
from swarm.layout import wbs_folder
from swarm.states import State

SCHEMA_VERSION: Literal[1] = 1
SCHEMA_PATH = "schemas/task.schema.json"
TASKS_DIR = "tasks"
TASK_ID_PATTERN = r"^[0-9]+(\.[0-9]+){2}$"
# tasks/<phase>/<phase>.<subtask>/<id>-<slug>.yaml: the WBS as folders. A flat tasks/ of a
# 10,000-task plan is one ~600 KiB tree that every commit touching a task rewrote (and that
# GitHub's file browser cuts off at 1,000 entries); nested, a commit rewrites three small ones.
_FILE_RE = re.compile(
    r"^tasks/(?P<phase>[0-9]+)/(?P<sub>[0-9]+\.[0-9]+)/"
    r"(?P<id>[0-9]+\.[0-9]+\.[0-9]+)(?:-[a-z0-9-]*)?\.yaml$"
)

_NAME_RE = re.compile(r"^([0-9]+\.[0-9]+\.[0-9]+)(?:-[a-z0-9-]*)?\.yaml$")

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


# letters that NFKD does not take apart into an ASCII letter and accents
_SPELLED = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
    }
)


def slugify(title: str, limit: int = 48) -> str:
    spelled = unicodedata.normalize("NFKD", title.translate(_SPELLED))
    ascii_text = spelled.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return slug


def task_dir(task_id: str) -> str:
    """The folder of a task's file: its phase's folder, then its subtask's (see layout)."""
    return f"{TASKS_DIR}/{wbs_folder(task_id)}"


def subtask_dir(code: str) -> str:
    """The folder of a subtask's task files ('1.2' -> 'tasks/1/1.2')."""
    return f"{TASKS_DIR}/{code.split('.', 1)[0]}/{code}"


def task_path(task_id: str, title: str) -> str:
    slug = slugify(title)
    name = f"{task_id}-{slug}.yaml" if slug else f"{task_id}.yaml"
    return f"{task_dir(task_id)}/{name}"


def task_id_of_path(path: str) -> str | None:
    """The task id a task file's path belongs to, or None for any other path (a file named
    like a task file but in another task's folder is no task file)."""
    match = _FILE_RE.match(path)
    if match is None:
        return None
    task_id = match.group("id")
    return task_id if task_dir(task_id) == f"tasks/{match['phase']}/{match['sub']}" else None


def task_id_of_name(name: str) -> str | None:
    """The task id a file name in a task folder belongs to ('1.2.3-slug.yaml' -> '1.2.3')."""
    match = _NAME_RE.match(name)
    return match.group(1) if match else None


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
