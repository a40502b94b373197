"""Where a task's files live in the repository, one folder per subtask of the WBS.

Each kind of file has its own tree: `research/`, `compliance/` and `ledger/` hold one file per
task, `deliverables/` one folder per task, each under `<phase>/<phase>.<subtask>/` as the task
files are under `tasks/`. Flat, each of those folders held one entry per task of the plan, and
every commit that wrote one task's file rewrote the whole folder: on a 10,000-task plan that
made each stage cost more as the run went on and wrote gigabytes of trees. Nested, a commit
rewrites folders of a few dozen entries whatever the plan's size.
"""

from __future__ import annotations

import re

ID_PATTERN = r"[0-9]+\.[0-9]+\.[0-9]+"
NOTE_KINDS = ("research", "compliance")

_OWNED = re.compile(
    rf"^(?P<kind>research|compliance|deliverables|ledger)/(?P<phase>[0-9]+)/"
    rf"(?P<sub>[0-9]+\.[0-9]+)/(?P<id>{ID_PATTERN})(?P<rest>\.md|\.jsonl|/.+)$"
)
# what may follow the id, by kind: a note or a folder of sources, a folder, a file
_RESTS = {"research": (".md", "/"), "compliance": (".md", "/"), "deliverables": ("/",)}


def wbs_folder(task_id: str) -> str:
    """'2.1.3' -> '2/2.1': the phase's folder, then the subtask's. ValueError for an id that is
    not a task's (three numbers)."""
    phase, sub, _ = task_id.split(".", 2)
    return f"{phase}/{phase}.{sub}"


def note_path(kind: str, task_id: str) -> str:
    """A research brief or compliance note: `research/2/2.1/2.1.3.md`."""
    return f"{kind}/{wbs_folder(task_id)}/{task_id}.md"


def research_path(task_id: str) -> str:
    return note_path("research", task_id)


def compliance_path(task_id: str) -> str:
    return note_path("compliance", task_id)


def deliverables_dir(task_id: str) -> str:
    """The task's deliverables folder, without a trailing slash: `deliverables/2/2.1/2.1.3`."""
    return f"deliverables/{wbs_folder(task_id)}/{task_id}"


def ledger_path(task_id: str) -> str:
    """The task's ledger of model calls: `ledger/2/2.1/2.1.3.jsonl`."""
    return f"ledger/{wbs_folder(task_id)}/{task_id}.jsonl"


def owned_by(path: str) -> str | None:
    """The task whose note, deliverable or ledger `path` is; None for any other path, and for
    a path in another task's folder."""
    match = _OWNED.match(path)
    if match is None:
        return None
    rest, task_id = match["rest"], match["id"]
    fits = rest == ".jsonl" if match["kind"] == "ledger" else rest.startswith(_RESTS[match["kind"]])
    in_place = wbs_folder(task_id) == f"{match['phase']}/{match['sub']}"
    return task_id if fits and in_place else None
