"""One gate run's view of its input: settings, the task at stake, and decoded files, each read once.

A `Context` lives for a single `run_gates` call, so every cache here is per call: nothing the
gates learned about one pull request can leak into the judgement of the next. Settings come from
the base snapshot only, so a pull request cannot loosen the rules that judge it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from swarm.errors import SwarmError
from swarm.gates.model import Finding, GateInput, Severity, Snapshot
from swarm.layout import owned_by, task_dir, task_id_of_path
from swarm.settings import SETTINGS_PATH, Budgets, GateSettings, Settings
from swarm.settings import from_bytes as settings_from_bytes
from swarm.states import AGENT_ROLES
from swarm.task import TaskFile, TaskFileError
from swarm.task import from_yaml as task_from_yaml


def finding(rule: str, path: str, message: str, severity: Severity = "error") -> Finding:
    return Finding(rule, severity, path, message)


def owner_of(path: str) -> str | None:
    """The id of the task that owns `path`, or None when no task does."""
    return task_id_of_path(path) or owned_by(path)


def is_protected(path: str, prefixes: tuple[str, ...]) -> bool:
    """`prefixes` ending in '/' are directories; others name a file or a directory exactly, so
    'swarm.yaml' protects swarm.yaml but not swarm.yaml.bak."""
    for prefix in prefixes:
        if prefix.endswith("/"):
            if path.startswith(prefix):
                return True
        elif path == prefix or path.startswith(prefix + "/"):
            return True
    return False


def substance(text: str) -> int:
    """Non-whitespace characters: padding a note with blank lines does not make it longer."""
    return len("".join(text.split()))


@dataclass(frozen=True)
class Parsed:
    """A task file read from a snapshot: the model, or why there is none."""

    path: str
    task: TaskFile | None
    error: str | None  # None with task None: there is no such file


class Context:
    def __init__(self, inp: GateInput) -> None:
        self.inp = inp
        self._text: dict[tuple[str, str], str | None] = {}
        self._parsed: dict[tuple[str, str], Parsed] = {}
        self._base_folders: dict[str, list[str]] = {}  # a folder of tasks/ -> its paths

    # --- who and what -------------------------------------------------------------------------

    @property
    def is_agent(self) -> bool:
        return self.inp.actor.role in AGENT_ROLES

    @cached_property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted({c.path for c in self.inp.changes}))

    @cached_property
    def owners(self) -> dict[str, str | None]:
        return {p: owner_of(p) for p in self.paths}

    @cached_property
    def owned_ids(self) -> tuple[str, ...]:
        return tuple(sorted({o for o in self.owners.values() if o is not None}))

    @cached_property
    def task_id(self) -> str | None:
        """The task judged: the one the changed files belong to. When they belong to several
        (already a scope error), the one the pull request names, if among them."""
        ids = self.owned_ids
        proposed = self.inp.proposal.task
        if len(ids) == 1:
            return ids[0]
        if not ids:
            return proposed
        return proposed if proposed in ids else ids[0]

    # --- settings (base only) ----------------------------------------------------------------

    @cached_property
    def _settings(self) -> tuple[Settings | None, str | None]:
        data = self.inp.base.read(SETTINGS_PATH)
        if data is None:
            return None, "missing on the base: the gates need the repository's settings"
        try:
            return settings_from_bytes(data), None
        except SwarmError as exc:
            return None, f"is invalid on the base: {exc.message}"

    @property
    def settings(self) -> Settings | None:
        return self._settings[0]

    @property
    def settings_error(self) -> str | None:
        return self._settings[1]

    @property
    def gates(self) -> GateSettings:
        # without valid settings the schema rule already fails the run; defaults keep the other
        # rules judging instead of going silent
        return self.settings.gates if self.settings else GateSettings()

    @property
    def budgets(self) -> Budgets:
        return self.settings.budgets if self.settings else Budgets()

    @property
    def humans(self) -> tuple[str, ...]:
        # fail closed: with no valid settings nobody counts as a person
        return self.settings.humans if self.settings else ()

    # --- task files ---------------------------------------------------------------------------

    def base_task_path(self, task_id: str) -> str | None:
        """The task's file on the base, looked for in its own folder only (a full listing of
        tasks/ per judged proposal would grow with the plan); the first by name if two."""
        try:
            folder = task_dir(task_id)
        except ValueError:
            return None
        if folder not in self._base_folders:
            self._base_folders[folder] = self.inp.base.list(folder)
        found = [p for p in self._base_folders[folder] if task_id_of_path(p) == task_id]
        return min(found) if found else None

    @cached_property
    def task_path(self) -> str | None:
        """The judged task's file: where the base has it (its slug is the base's)."""
        if self.task_id is None:
            return None
        return self.base_task_path(self.task_id)

    def parse(self, snap: Snapshot, side: str, path: str) -> Parsed:
        """The task file at `path` on one side, parsed at most once per run: YAML parsing is
        most of a run's cost."""
        key = (side, path)
        if key not in self._parsed:
            self._parsed[key] = self._parse(snap, side, path)
        return self._parsed[key]

    def _parse(self, snap: Snapshot, side: str, path: str) -> Parsed:
        text = self.text(snap, side, path)
        if text is None:
            data = snap.read(path)
            return Parsed(path, None, None if data is None else "is not UTF-8 text")
        try:
            return Parsed(path, task_from_yaml(text, path), None)
        except TaskFileError as exc:
            return Parsed(path, None, str(exc).removeprefix(f"{path}: "))

    @cached_property
    def base_task(self) -> Parsed | None:
        if self.task_path is None:
            return None
        return self.parse(self.inp.base, "base", self.task_path)

    @cached_property
    def head_task(self) -> Parsed | None:
        if self.task_path is None:
            return None
        return self.parse(self.inp.head, "head", self.task_path)

    def base_task_of(self, task_id: str) -> Parsed | None:
        path = self.base_task_path(task_id)
        return None if path is None else self.parse(self.inp.base, "base", path)

    # --- file text ----------------------------------------------------------------------------

    def text(self, snap: Snapshot, side: str, path: str) -> str | None:
        """The file as UTF-8 text; None when absent or not UTF-8 (binary)."""
        key = (side, path)
        if key not in self._text:
            data = snap.read(path)
            try:
                self._text[key] = None if data is None else data.decode("utf-8")
            except UnicodeDecodeError:
                self._text[key] = None
        return self._text[key]

    def head_text(self, path: str) -> str | None:
        return self.text(self.inp.head, "head", path)

    def base_text(self, path: str) -> str | None:
        return self.text(self.inp.base, "base", path)

    def added_lines(self, path: str, lenient: bool = False) -> list[tuple[int, str]]:
        """(line number in head, line) for each head line that the base's version lacks.
        `lenient` decodes binary files with replacement characters, for scans that must not
        skip a file just because it is not text."""
        head = self.head_text(path)
        base = self.base_text(path)
        if lenient:
            head = head if head is not None else _lenient(self.inp.head.read(path))
            base = base if base is not None else _lenient(self.inp.base.read(path))
        if head is None:
            return []
        old = set(base.splitlines()) if base is not None else set()
        return [(n, line) for n, line in enumerate(head.splitlines(), 1) if line not in old]


def _lenient(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")
