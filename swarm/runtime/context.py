"""What a stage run reads from the repository, loaded once per process and kept current with
main: the plan, the settings, the task files, the ledgers.

A task file is found by its id in its subtask's folder (tasks/<phase>/<subtask>/), so a lookup
lists a few dozen names on any plan, never the whole of tasks/.
"""

from __future__ import annotations

from functools import cached_property

from agents.base import WorkContext
from planexe.model import Plan
from swarm.errors import SwarmError
from swarm.forge.base import PullRequest
from swarm.gitstore import MAIN
from swarm.integrator import proposal_of
from swarm.layout import ledger_path
from swarm.llm.api import LedgerLine
from swarm.llm.ledger import ledger_from_jsonl, ledger_to_jsonl, ledger_total
from swarm.repo import Repo
from swarm.settings import Settings
from swarm.states import State
from swarm.task import TaskFile, TaskFileError, from_yaml
from swarm.task_index import TaskIndex


class StageContext:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    def task_path(self, task_id: str) -> str | None:
        """Where the task's file is on main; None when there is no such task."""
        return self.repo.task_path(task_id)

    def task(self, task_id: str) -> TaskFile | None:
        """The task's file as it is on main now."""
        path = self.task_path(task_id)
        data = self.read(path) if path else None
        if path is None or data is None:
            return None
        try:
            return from_yaml(data.decode("utf-8"), path)
        except (TaskFileError, UnicodeDecodeError) as exc:
            raise SwarmError(f"{self.repo.path}: {exc}", 1) from None

    @cached_property
    def plan(self) -> Plan:
        return self.repo.plan()

    @property
    def settings(self) -> Settings:
        return self.repo.settings()

    def read(self, path: str) -> bytes | None:
        return self.repo.git.read(MAIN, path)

    def task_blob(self, task_id: str) -> str:
        """The id of the task file's current version on main (changes with every transition)."""
        path = self.task_path(task_id)
        return (self.repo.git.blob_id(MAIN, path) or "") if path else ""

    def dependencies(self, task: TaskFile) -> list[TaskFile]:
        found = [self.task(dep) for dep in task.depends_on]
        return [t for t in found if t is not None]

    def unfinished_dependencies(self, task: TaskFile) -> list[str]:
        done = {t.id for t in self.dependencies(task) if t.state is State.DONE}
        return [d for d in task.depends_on if d not in done]

    def work_context(self, task: TaskFile, now: float) -> WorkContext:
        return WorkContext(
            task=task,
            plan=self.plan,
            settings=self.settings,
            read=self.read,
            dependencies=tuple(self.dependencies(task)),
            now=now,
        )

    def ledger(self, task_id: str) -> list[LedgerLine]:
        data = self.read(ledger_path(task_id))
        return ledger_from_jsonl(data) if data else []

    def spent(self, task_id: str) -> float:
        return sum(line.cost_usd for line in self.ledger(task_id))

    def ledger_with(self, task_id: str, lines: tuple[LedgerLine, ...]) -> bytes:
        """The task's ledger on main with these lines added (remembered in the task index with
        its cost, so that status need not read it back)."""
        every = [*self.ledger(task_id), *lines]
        data = ledger_to_jsonl(every)
        self.index.remember_ledger(data, ledger_total(every))
        return data

    @property
    def index(self) -> TaskIndex:
        return self.repo.index

    def remember(self, task: TaskFile, data: bytes) -> None:
        """A task file this process proposes: its index entry is known without parsing it."""
        self.index.remember([(task, data)])

    def changes_of(self, pr: PullRequest) -> dict[str, bytes | None]:
        """The change an open pull request proposes, as files (None: deleted)."""
        git = self.repo.git
        # a proposal's first parent is main as it was when proposed: the diff is the change
        first_parent = git.commit_info(pr.head_sha).parents[0]
        out: dict[str, bytes | None] = {}
        for change in git.diff(first_parent, pr.head_sha):
            out[change.path] = git.blob(change.after) if change.after else None
        return out

    def fence_of(self, pr: PullRequest) -> int | None:
        return proposal_of(self.repo.git, pr.head_sha).fence
