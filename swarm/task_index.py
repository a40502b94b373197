"""Every task file on main in brief (id, title, state, phase, dependencies, planned end) without
parsing thousands of YAML files each time.

An entry is cached under the git blob id of the task file it was read from. Blob ids name
content, so a cached entry can never be stale: whatever main holds now, each of its task files
is looked up by the id it has now, and a file nobody has seen yet is parsed (and remembered).
Materialize remembers the first version of every task file and the runtime each version it
proposes, so `swarm status` and the start of a pass seldom parse anything. Costs from the
ledgers are cached the same way. The whole listing of `tasks/` and the total of `ledger/` are
also kept under the id of the folder they were read from (the last few only), so a second
status on an unchanged main does not even walk the folders. The store is
`DIR/plan-swarm/task-index.sqlite3`; it is only a cache: deleting it loses nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from swarm.errors import SwarmError
from swarm.gitstore import MAIN, GitStore
from swarm.layout import TASKS_DIR, task_id_of_path
from swarm.repo import FORGE_DIR
from swarm.states import State

if TYPE_CHECKING:  # status reads the index without the task model (pydantic: 0.1 s of imports)
    from swarm.task import TaskFile

STORE = "task-index.sqlite3"
LEDGER_DIR = "ledger"
_CHUNK = 500  # ids per SELECT … IN (…), under SQLite's limit on bound parameters
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (blob TEXT PRIMARY KEY, fields TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledgers (blob TEXT PRIMARY KEY, cost REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS folders (
    tree TEXT NOT NULL, kind TEXT NOT NULL, listing TEXT NOT NULL, PRIMARY KEY (kind, tree)
);
"""
_Values = Callable[[GitStore, dict[str, str]], dict[str, Any]]  # path -> blob id: path -> value
_FOLDERS_KEPT = 4  # listings per kind: status and a pass's start read main's latest


class Node(NamedTuple):
    code: str
    title: str


class Planned(NamedTuple):
    end: dt.date | None


@dataclass(frozen=True, slots=True)
class TaskEntry:
    """What status and the scheduler need of a task file; shaped like TaskFile for them."""

    id: str
    path: str  # tasks/<phase>/<subtask>/<id>-<slug>.yaml on main
    title: str
    state: State
    phase: Node
    subtask: Node
    depends_on: tuple[str, ...]
    planned: Planned
    blocked_reason: str | None


def blob_id(data: bytes) -> str:
    """The id git gives a blob of these bytes."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def _fields(task: TaskFile) -> str:
    end = task.planned.end.isoformat() if task.planned.end else None
    return json.dumps(
        [
            task.id,
            task.title,
            task.state.value,
            task.phase.code,
            task.phase.title,
            task.subtask.code,
            task.subtask.title,
            list(task.depends_on),
            end,
            task.blocked_reason,
        ],
        ensure_ascii=False,
    )


_STATES = {s.value: s for s in State}


def _entry(path: str, fields: list[Any], nodes: dict[tuple[str, str], Node]) -> TaskEntry:
    tid, title, state, pcode, ptitle, scode, stitle, deps, end, blocked = fields
    return TaskEntry(
        id=tid,
        path=path,
        title=title,
        state=_STATES[state],
        # phases and subtasks are shared by many tasks: one object each
        phase=_node(nodes, pcode, ptitle),
        subtask=_node(nodes, scode, stitle),
        depends_on=tuple(deps),
        planned=Planned(dt.date.fromisoformat(end) if end else None),
        blocked_reason=blocked,
    )


def _node(nodes: dict[tuple[str, str], Node], code: str, title: str) -> Node:
    found = nodes.get((code, title))
    if found is None:
        found = nodes[(code, title)] = Node(code, title)
    return found


def wbs_key(task_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in task_id.split("."))


class TaskIndex:
    """The cache of one repository. Opened lazily; safe to share between processes (SQLite WAL)
    but not across a fork: open one per process."""

    def __init__(self, repo_path: Path) -> None:
        self.path = repo_path / FORGE_DIR / STORE
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            # a cache: a power loss may cost the last entries, which are parsed again
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> TaskIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- remembering ---------------------------------------------------------------------------

    def remember(self, tasks: Iterable[tuple[TaskFile, bytes]]) -> None:
        """Remember task files whose parsed form is at hand (the bytes are the file's)."""
        rows = [(blob_id(data), _fields(task)) for task, data in tasks]
        self._insert("tasks", rows)

    def remember_folder(self, folder: str, tasks: Iterable[tuple[str, TaskFile, bytes]]) -> None:
        """Remember task files (path, parsed form, bytes) that are all of the `tasks/` folder
        with id `folder`, and keep that listing: materialize has them at hand, so the first
        status neither lists nor looks up 10,000 files."""
        rows = [(path, blob_id(data), _fields(task)) for path, task, data in tasks]
        self._insert("tasks", [(blob, fields) for _, blob, fields in rows])
        start = len(TASKS_DIR) + 1
        rows.sort(key=lambda row: wbs_key(task_id_of_path(row[0]) or "0"))
        text = ",".join(
            f"{json.dumps(path[start:], ensure_ascii=False)}:{f}" for path, _, f in rows
        )
        self._keep("tasks", folder, "{" + text + "}")

    def remember_ledger(self, data: bytes, cost: float) -> None:
        self._insert("ledgers", [(blob_id(data), cost)])

    def _insert(self, table: str, rows: Sequence[tuple[str, object]]) -> None:
        if not rows:
            return
        db = self._conn()
        with _transaction(db):
            db.executemany(f"INSERT OR IGNORE INTO {table} VALUES (?, ?)", rows)

    # -- reading -------------------------------------------------------------------------------

    def entries(self, git: GitStore, rev: str = MAIN) -> list[TaskEntry]:
        """Every task file at `rev`, in WBS order. A file that does not parse is an error, as
        for `Repo.tasks`: a broken task file must be loud."""
        folder = git.folder_id(rev, TASKS_DIR)
        if folder is None:
            return []
        listing = self._listing(git, "tasks", folder, self._task_fields)
        nodes: dict[tuple[str, str], Node] = {}
        return [_entry(f"{TASKS_DIR}/{p}", fields, nodes) for p, fields in listing.items()]

    def folder_entries(self, git: GitStore, folder: str, rev: str = MAIN) -> list[TaskEntry]:
        """The task files of one folder under tasks/ (a subtask's) at `rev`, in WBS order,
        parsing only those the index has not seen: after a merge the issue sync lists the
        task's siblings, which on a large plan no cache of parsed files holds for long."""
        start = len(TASKS_DIR) + 1
        files = {path[start:]: blob for path, blob in git.files(rev, folder).items()}
        nodes: dict[tuple[str, str], Node] = {}
        found = self._task_fields(git, files).items()
        entries = [_entry(f"{TASKS_DIR}/{path}", fields, nodes) for path, fields in found]
        return sorted(entries, key=lambda e: wbs_key(e.id))

    def ledger_cost(self, git: GitStore, rev: str = MAIN) -> float:
        """The cost of every ledger line at `rev`."""
        folder = git.folder_id(rev, LEDGER_DIR)
        if folder is None:
            return 0.0
        return math.fsum(self._listing(git, "ledgers", folder, self._ledger_costs).values())

    def _listing(self, git: GitStore, kind: str, folder: str, values: _Values) -> dict[str, Any]:
        """path (under the folder) -> value for each of a folder's files, kept under the
        folder's id. A folder not seen yet is the latest one kept with the files that differ
        between the two looked up: after a pass of a swarm, a few hundred, not 10,000."""
        kept = self._kept(kind, folder)
        if kept is not None:
            return json.loads(kept)  # type: ignore[no-any-return]
        listing: dict[str, Any] = {}
        changed: Mapping[str, str | None] | None = None
        latest = self._latest(kind)
        if latest is not None:
            with contextlib.suppress(SwarmError):  # its tree is gone: read the folder whole
                changed = {c.path: c.after for c in git.diff(latest[0], folder)}
                listing = json.loads(latest[1])
        if changed is None:
            changed = git.files(folder)
        for path in changed:
            listing.pop(path, None)
        listing.update(values(git, {p: b for p, b in changed.items() if b is not None}))
        if kind == "tasks":
            listing = dict(sorted(listing.items(), key=lambda item: wbs_key(item[1][0])))
        self._keep(kind, folder, json.dumps(listing, ensure_ascii=False))
        return listing

    def _task_fields(self, git: GitStore, files: dict[str, str]) -> dict[str, list[Any]]:
        paths = [p for p in files if task_id_of_path(f"{TASKS_DIR}/{p}")]
        known = self._lookup("tasks", [files[p] for p in paths])
        learned: list[tuple[str, str]] = []
        texts: list[str] = []
        for path in paths:
            fields = known.get(files[path])
            if fields is None:
                fields = _fields(_parse(git, files[path], f"{TASKS_DIR}/{path}"))
                learned.append((files[path], fields))
            texts.append(fields)
        self._insert("tasks", learned)
        # one JSON document for all: a tenth of the time of a json.loads per entry
        return dict(zip(paths, json.loads("[" + ",".join(texts) + "]"), strict=True))

    def _ledger_costs(self, git: GitStore, files: dict[str, str]) -> dict[str, float]:
        from swarm.llm.ledger import ledger_total  # only for ledgers nobody has seen

        known = self._lookup("ledgers", list(files.values()))
        learned: list[tuple[str, float]] = []
        out: dict[str, float] = {}
        for path, blob in files.items():
            cost = known.get(blob)
            if cost is None:
                cost = ledger_total(git.blob(blob), f"{LEDGER_DIR}/{path}")
                learned.append((blob, cost))
            out[path] = float(cost)
        self._insert("ledgers", learned)
        return out

    def _kept(self, kind: str, tree: str) -> str | None:
        if not self.path.exists():
            return None
        query = "SELECT listing FROM folders WHERE kind = ? AND tree = ?"
        row = self._conn().execute(query, (kind, tree)).fetchone()
        return None if row is None else str(row[0])

    def _latest(self, kind: str) -> tuple[str, str] | None:
        if not self.path.exists():
            return None
        query = "SELECT tree, listing FROM folders WHERE kind = ? ORDER BY rowid DESC LIMIT 1"
        row = self._conn().execute(query, (kind,)).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def _keep(self, kind: str, tree: str, listing: str) -> None:
        db = self._conn()
        with _transaction(db):
            db.execute("INSERT OR REPLACE INTO folders VALUES (?, ?, ?)", (tree, kind, listing))
            db.execute(
                "DELETE FROM folders WHERE kind = ? AND rowid NOT IN "
                "(SELECT rowid FROM folders WHERE kind = ? ORDER BY rowid DESC LIMIT ?)",
                (kind, kind, _FOLDERS_KEPT),
            )

    def _lookup(self, table: str, blobs: list[str]) -> dict[str, Any]:
        if not blobs or not self.path.exists():
            return {}
        db = self._conn()
        out: dict[str, Any] = {}
        for chunk in _chunks(blobs, _CHUNK):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT * FROM {table} WHERE blob IN ({marks})"
            out.update(db.execute(query, chunk).fetchall())
        return out


def _parse(git: GitStore, blob: str, path: str) -> TaskFile:
    from swarm.task import TaskFileError, from_yaml  # the model, only for files not indexed

    try:
        return from_yaml(git.blob(blob).decode("utf-8"), path)
    except (TaskFileError, UnicodeDecodeError) as exc:
        raise SwarmError(f"{git.path}: {exc}", 1) from None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
