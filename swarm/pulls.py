"""Proposing a change: a commit on the (task, stage) branch and a pull request on the forge.

One pull request, one task, one stage. The branch commit's first parent is main as it is now,
so the pull request's own diff is exactly the proposed change; when the branch already exists
(an earlier attempt), the old head is a second parent, so the branch only ever moves forward
(a fast-forward, as GitHub requires of non-forced updates).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from swarm import trailers
from swarm.forge.base import PullRequest, PullRequestSpec
from swarm.gitstore import MAIN, Identity
from swarm.repo import Repo

HUMAN_STAGE = "human"
REPOSITORY = "repository"  # the branch of a person's change to no task (swarm.yaml, workflows)


def branch_name(task: str, stage: str) -> str:
    return f"swarm/{task or REPOSITORY}/{stage}"


def identity(name: str, now: float) -> Identity:
    return Identity(name, f"{name}@plan-swarm.invalid", int(now))


@dataclass(frozen=True)
class Proposal:
    task: str  # "": a person's change to the repository's own files, which no task owns
    stage: str  # research | compliance | execute | human
    author: str
    title: str
    body: str = ""
    fence: int | None = None  # the claim's fencing token; None for people


def propose(
    repo: Repo, proposal: Proposal, changes: Mapping[str, bytes | None], now: float
) -> PullRequest:
    """Commit `changes` on top of main on the proposal's branch and open (or update) its PR."""
    git = repo.git
    base = git.resolve(MAIN)
    assert base is not None, "a plan-swarm repository always has main"
    ref = "refs/heads/" + branch_name(proposal.task, proposal.stage)
    previous = git.resolve_ref(ref)
    fields: dict[str, str | int | float] = {
        "Swarm-Task": proposal.task,
        "Swarm-Stage": proposal.stage,
        "Swarm-Agent": proposal.author,
    }
    if not proposal.task:
        del fields["Swarm-Task"]  # an empty trailer would make every trailer unreadable
    if proposal.fence is not None:
        fields["Swarm-Fence"] = proposal.fence
    message = trailers.format_message(proposal.title, fields, proposal.body)
    parents = [base] + ([previous] if previous and previous != base else [])
    commit = git.write_commit(
        git.apply(base, changes), message, identity(proposal.author, now), parents
    )
    git.update_ref(ref, commit, previous, f"propose {proposal.task}/{proposal.stage}")
    spec = PullRequestSpec(
        head=branch_name(proposal.task, proposal.stage),
        base="main",
        title=proposal.title,
        body=proposal.body,
        author=proposal.author,
        task_key=proposal.task,
        stage=proposal.stage,
    )
    return repo.forge.open_pull_request(spec, commit)
