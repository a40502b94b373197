"""After a pass: can another do anything? The stages ready now, and how long the live claims
of other agents on pending stages still run."""

from __future__ import annotations

from pathlib import Path

from swarm import claims
from swarm.forge.base import PullRequest
from swarm.gitstore import MAIN
from swarm.integrator import approvals_of
from swarm.repo import Repo, open_repo
from swarm.runtime.stages import Key, ready_by_state
from swarm.states import STAGE_OF
from swarm.task_index import TaskIndex


def ready_stages(repo_dir: Path, now: float) -> set[Key]:
    """The stages an agent could start on now: in their task's state with its dependencies
    done, and neither waiting in a pull request for an approval it has not got nor held by a
    live claim of another agent (those wait for their lease, see wait_for_foreign_claims)."""
    repo = open_repo(repo_dir)
    try:
        main = repo.git.resolve(MAIN)
        assert main is not None, "open_repo checked that main exists"
        with TaskIndex(repo_dir) as index:
            candidates = ready_by_state(index.entries(repo.git, main))
        in_review = {(pr.task_key, pr.stage): pr for pr in repo.forge.list_pull_requests("open")}
        return {key for key in candidates if _startable(repo, key, in_review, main, now)}
    finally:
        repo.forge.close()


def _startable(
    repo: Repo, key: Key, in_review: dict[Key, PullRequest], main: str, now: float
) -> bool:
    pr = in_review.get(key)
    if pr is not None:  # it waits for a person: has one approved its head?
        return any(a.commit == pr.head_sha for a in approvals_of(repo, pr, main))
    claim = claims.read(repo.git, *key)
    return claim is None or not claim.live(now)


def wait_for_foreign_claims(repo_dir: Path, now: float) -> float | None:
    """Seconds until the earliest live claim on a pending stage ends, or None when there is
    none (then nothing but people can unblock the swarm). Only the claims of pending stages
    are read: a run leaves three claim refs per task behind, nearly all released."""
    repo = open_repo(repo_dir)
    try:
        in_review = {(pr.task_key, pr.stage) for pr in repo.forge.list_pull_requests("open")}
        with TaskIndex(repo_dir) as index:
            tasks = index.entries(repo.git)
        ends = []
        for t in tasks:
            stage = STAGE_OF.get(t.state)
            if stage is None or (t.id, stage) in in_review:
                continue
            claim = claims.read(repo.git, t.id, stage)
            if claim is not None and claim.live(now):
                ends.append(claim.expires)
    finally:
        repo.forge.close()
    return max(min(ends) - now, 0.0) + 0.05 if ends else None
