"""A materialized repository on disk: its git store, its forge, and typed reads of main."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from swarm.errors import SwarmError
from swarm.forge import github_target
from swarm.forge.base import Forge
from swarm.forge.local import LocalForge
from swarm.gitstore import MAIN, GitStore, RemoteLink
from swarm.layout import (
    SETTINGS_PATH,
    TASKS_DIR,
    subtask_dir,
    task_dir,
    task_id_of_name,
    task_id_of_path,
)

if TYPE_CHECKING:  # the models (pydantic, the plan's) are imports `swarm status` never needs
    from planexe.model import Plan
    from swarm.settings import Settings
    from swarm.task import TaskFile
    from swarm.task_index import TaskIndex

FORGE_DIR = "plan-swarm"


@dataclass
class Repo:
    path: Path
    git: GitStore
    forge: Forge

    mirror: str = ""  # on a GitHub mirror, its own name (github_target.GitHubTarget.mirror)

    @cached_property
    def index(self) -> TaskIndex:
        """This process's task index (swarm.task_index), opened on first use."""
        from swarm.task_index import TaskIndex  # it imports this module

        return TaskIndex(self.path)

    def agent_name(self, role_slot: str) -> str:
        """An agent's name as the claims know it: on a mirror of a shared repository, with
        the mirror's own name, so agents of two machines never pass for one."""
        return f"{role_slot}@{self.mirror}" if self.mirror else role_slot

    def settings(self, rev: str = MAIN) -> Settings:
        from swarm.settings import from_bytes

        data = self.git.read(rev, SETTINGS_PATH)
        if data is None:
            raise SwarmError(f"{self.path}: {SETTINGS_PATH} is missing on {rev}")
        return from_bytes(data, f"{SETTINGS_PATH} at {rev}")

    def plan_title(self, rev: str = MAIN) -> str:
        """The plan's title from swarm.yaml, read without the settings' model: status shows
        nothing else of the settings, and the model's imports are a fifth of its time."""
        from swarm import yamlio

        data = self.git.read(rev, SETTINGS_PATH) or b""
        try:
            title = yamlio.load(data.decode("utf-8"))["plan"]["title"]
        except (yamlio.YamlError, UnicodeDecodeError, TypeError, KeyError):
            title = None
        if not isinstance(title, str):
            return self.settings(rev).plan.title  # says what is wrong with swarm.yaml
        return title

    def plan(self, rev: str = MAIN) -> Plan:
        from planexe.model import Plan
        from swarm.plan_docs import PLAN_JSON

        data = self.git.read(rev, PLAN_JSON)
        if data is None:
            raise SwarmError(f"{self.path}: {PLAN_JSON} is missing on {rev}")
        return Plan.model_validate_json(data)

    def tasks(self, rev: str = MAIN, subtask: str = "") -> list[TaskFile]:
        """Every task file at `rev` (only a subtask's when its code is given, e.g. '1.2'), in
        WBS order. A file that does not parse is an error: a broken task file must be loud."""
        return read_tasks(self.git, rev, subtask)

    def task(self, task_id: str, rev: str = MAIN) -> TaskFile | None:
        path = self.task_path(task_id, rev)
        return _parse(self.git, rev, path) if path else None

    def task_path(self, task_id: str, rev: str = MAIN) -> str | None:
        """Where one task's file is, found in its own folder (a few dozen names, not the whole
        plan); None when there is no such task."""
        try:
            folder = task_dir(task_id)
        except ValueError:  # not a task's id (a subtask's, or no WBS code at all)
            return None
        for name in sorted(self.git.names(rev, folder)):
            if task_id_of_name(name) == task_id:
                return f"{folder}/{name}"
        return None


def is_plan_swarm_repo(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / FORGE_DIR).is_dir()


def open_repo(path: Path, sync: bool = True) -> Repo:
    """The repository at `path`. A GitHub mirror is brought up to date first unless `sync` is
    False (readers that poll, like the progress line, must not fetch each time)."""
    if not path.exists():
        raise SwarmError(f"{path}: no such directory")
    if not is_plan_swarm_repo(path):
        raise SwarmError(
            f"{path}: not a plan-swarm repository "
            "(make one with `swarm materialize PLAN --out DIR`)"
        )
    git = GitStore.open(path)
    target = github_target.load(path / FORGE_DIR)
    forge = _linked_forge(target, git, sync) if target else None
    if git.resolve(MAIN) is None:
        raise SwarmError(f"{path}: the repository has no main branch")
    if any(name.endswith(".yaml") for name in git.names(MAIN, TASKS_DIR)):
        raise SwarmError(
            f"{path}: task files lie flat in {TASKS_DIR}/ (the layout of plan-swarm before "
            f"0.2); this version keeps them in {TASKS_DIR}/<phase>/<subtask>/: materialize the "
            "plan again into a new directory"
        )
    return Repo(path, git, forge or LocalForge(path), target.mirror if target else "")


def _linked_forge(target: github_target.GitHubTarget, git: GitStore, sync: bool) -> Forge:
    """A mirror of a GitHub repository: link it and bring it up to date."""
    from swarm.forge.github import GitHubForge  # PyGithub only when the forge is GitHub

    token = github_target.token()
    git.link(RemoteLink(target.clone_url(), token))
    if sync:
        git.fetch()
    return GitHubForge(target, token)


def read_tasks(git: GitStore, rev: str = MAIN, subtask: str = "") -> list[TaskFile]:
    """The task files at `rev` of any git store (see Repo.tasks)."""
    folder = subtask_dir(subtask) if subtask else TASKS_DIR
    out = [_parse(git, rev, p) for p in git.paths(rev, folder) if task_id_of_path(p) is not None]
    out.sort(key=lambda t: tuple(int(p) for p in t.id.split(".")))
    return out


def _parse(git: GitStore, rev: str, path: str) -> TaskFile:
    from swarm.task import TaskFileError, from_yaml

    try:
        return from_yaml((git.read(rev, path) or b"").decode("utf-8"), path)
    except (TaskFileError, UnicodeDecodeError) as exc:
        raise SwarmError(f"{git.path}: {exc}", 1) from None
