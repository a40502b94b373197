"""Failed attempts at a stage, counted durably as comments on the task's issue.

The count is per (task, stage, version of the task file on main): a person's hand-back gives
the task a new version and so a fresh set of attempts. Comments are visible to people, shared
by every process, and survive restarts, which a counter in memory would not.
"""

from __future__ import annotations

import re

from swarm.llm.errors import redact
from swarm.repo import Repo
from swarm.task import TaskFile

AUTHOR = "plan-swarm"
_MARK = "<!-- plan-swarm:failure stage={stage} version={version} -->"


def record(repo: Repo, task: TaskFile, stage: str, reason: str, version: str) -> int:
    """Add a failure comment and return how many failures this stage has at this version."""
    issue = repo.forge.issue_by_key(task.id)
    if issue is None:
        return 1
    mark = _MARK.format(stage=stage, version=version)
    body = f"{mark}\nStage `{stage}` failed: {_clean(reason)}"
    repo.forge.add_comment(issue.number, AUTHOR, body)
    return count(repo, task.id, stage, version)


def count(repo: Repo, task_id: str, stage: str, version: str) -> int:
    issue = repo.forge.issue_by_key(task_id)
    if issue is None:
        return 0
    mark = _MARK.format(stage=stage, version=version)
    return sum(1 for c in repo.forge.list_comments(issue.number) if c.body.startswith(mark))


def _clean(reason: str) -> str:
    return redact(re.sub(r"\s+", " ", reason).strip())[:600]
