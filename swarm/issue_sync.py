"""Keep the forge's issues in step with the task files on main (all at once, or one task)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from swarm import issue_specs
from swarm.forge.base import Forge
from swarm.layout import subtask_dir
from swarm.repo import Repo
from swarm.task import TaskFile


@dataclass(frozen=True)
class SyncCounts:
    created: int = 0
    updated: int = 0


def sync_issues(forge: Forge, tasks: Sequence[TaskFile]) -> SyncCounts:
    """Make the forge show these tasks: labels, milestones, task issues, subtask issues."""
    phases = list(dict.fromkeys(t.phase.code for t in tasks))
    forge.ensure_labels(issue_specs.labels(phases))
    forge.ensure_milestones(issue_specs.milestones(tasks))
    before = _counts(forge)
    issues = forge.upsert_issues([issue_specs.task_issue(t) for t in tasks])
    numbers = {i.key: i.number for i in issues}
    forge.upsert_issues(issue_specs.subtask_issues(tasks, numbers))
    after = _counts(forge)
    return SyncCounts(after[0] - before[0], after[1] - before[1])


def sync_task(repo: Repo, task_id: str) -> None:
    """After a merge: the task's issue and its subtask's parent issue."""
    task = repo.task(task_id)
    if task is None:
        return
    siblings = repo.index.folder_entries(repo.git, subtask_dir(task.subtask.code))
    numbers = {t.id: i.number for t in siblings if (i := repo.forge.issue_by_key(t.id))}
    repo.forge.upsert_issues([issue_specs.task_issue(task)])
    repo.forge.upsert_issues(issue_specs.subtask_issues(siblings, numbers))


def _counts(forge: Forge) -> tuple[int, int]:
    stats = getattr(forge, "write_counts", None)
    return stats() if callable(stats) else (0, 0)
