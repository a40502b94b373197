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
import unicodedata

SETTINGS_PATH = "swarm.yaml"  # the repository's settings (swarm/settings.py)
ID_PATTERN = r"[0-9]+\.[0-9]+\.[0-9]+"
NOTE_KINDS = ("research", "compliance")

_OWNED = re.compile(
    rf"^(?P<kind>research|compliance|deliverables|ledger)/(?P<phase>[0-9]+)/"
    rf"(?P<sub>[0-9]+\.[0-9]+)/(?P<id>{ID_PATTERN})(?P<rest>\.md|\.jsonl|/.+)$"
)
# what may follow the id, by kind: a note or a folder of sources, a folder, a file
_RESTS = {"research": (".md", "/"), "compliance": (".md", "/"), "deliverables": ("/",)}


TASKS_DIR = "tasks"
# tasks/<phase>/<phase>.<subtask>/<id>-<slug>.yaml: the WBS as folders. A flat tasks/ of a
# 10,000-task plan is one ~600 KiB tree that every commit touching a task rewrote (and that
# GitHub's file browser cuts off at 1,000 entries); nested, a commit rewrites three small ones.
_FILE_RE = re.compile(
    r"^tasks/(?P<phase>[0-9]+)/(?P<sub>[0-9]+\.[0-9]+)/"
    r"(?P<id>[0-9]+\.[0-9]+\.[0-9]+)(?:-[a-z0-9-]*)?\.yaml$"
)

_NAME_RE = re.compile(r"^([0-9]+\.[0-9]+\.[0-9]+)(?:-[a-z0-9-]*)?\.yaml$")


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
