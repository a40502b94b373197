"""`swarm verify`: replay main's first-parent history and prove every change of state legal.

The first commit must be the materialization. After it, a commit that changes anything but the
README must be a merge of a pull request whose gates pass when re-run on exactly what the merge
changed: the actor and the claim's token from the commits' trailers, the claim as its ref's
history says it stood at the moment of the merge, the approvals the merge recorded. Each
commit costs one tree diff (of the folders on the paths it changed) and a few file reads.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from swarm import claims, trailers
from swarm.gates import run_gates
from swarm.gates.model import Approval, Finding, GateInput
from swarm.gitstore import MAIN, Change, CommitInfo, GitStore
from swarm.integrator import actor_of, base_settings, proposal_of
from swarm.layout import task_dir
from swarm.pulls import HUMAN_STAGE
from swarm.snapshots import TreeSnapshot

README = "README.md"  # the integrator refreshes its status table outside pull requests


@dataclass(frozen=True)
class Violation:
    commit: str
    rule: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "commit": self.commit,
            "rule": self.rule,
            "path": self.path,
            "message": self.message,
        }


@dataclass
class Report:
    commits: int = 0
    merges: int = 0
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


class _Claims:
    """Claim histories, read once per (task, stage)."""

    def __init__(self, git: GitStore) -> None:
        self.git = git
        self.available = bool(git.refs(claims.PREFIX))
        self._cache: dict[tuple[str, str], list[claims.Claim]] = {}

    def history(self, task: str, stage: str) -> list[claims.Claim]:
        key = (task, stage)
        if key not in self._cache:
            self._cache[key] = claims.history(self.git, task, stage)
        return self._cache[key]


def verify(git: GitStore, rev: str = MAIN) -> Report:
    chain = git.log_first_parent(rev)[::-1]
    report = Report(commits=len(chain))
    _check_root(git.commit_info(chain[0]), report)
    known = _Claims(git)
    if not known.available:
        report.notes.append(
            "no claim refs here (a plain clone does not fetch refs/swarm/*): claims were not "
            "re-checked; run `git fetch origin '+refs/swarm/*:refs/swarm/*'` to include them"
        )
    for parent, commit in itertools.pairwise(chain):
        info = git.commit_info(commit)
        changes = git.diff(parent, commit)
        if len(info.parents) < 2:
            _check_direct(info, changes, report)
            continue
        report.merges += 1
        for finding in _replay_merge(git, parent, info, changes, known):
            report.violations.append(Violation(commit, finding.rule, finding.path, finding.message))
    return report


def _check_root(info: CommitInfo, report: Report) -> None:
    if info.parents or "Plan-Digest" not in trailers.parse(info.message):
        report.violations.append(
            Violation(info.id, "history", "", "main does not start at a materialization commit")
        )


def _check_direct(info: CommitInfo, changes: list[Change], report: Report) -> None:
    touched = [c.path for c in changes if c.path != README]
    if touched:
        report.violations.append(
            Violation(
                info.id,
                "history",
                touched[0],
                f"changed on main outside any pull request ({len(touched)} file(s))",
            )
        )


def _replay_merge(
    git: GitStore, parent: str, info: CommitInfo, changes: list[Change], known: _Claims
) -> list[Finding]:
    head = info.parents[1]
    recorded = trailers.parse(info.message)
    proposal = proposal_of(git, head)
    author = recorded.get("Swarm-Agent", "")
    actor = actor_of(author, proposal.stage, base_settings(git, parent))
    approvers = [n.strip() for n in recorded.get("Swarm-Approved-By", "").split(",") if n.strip()]
    out: list[Finding] = []
    claim = None
    if proposal.task and proposal.stage and proposal.stage != HUMAN_STAGE:
        claim, problem = _claim_then(
            known, proposal.task, proposal.stage, author, proposal.fence, info.time
        )
        if problem:
            out.append(Finding("claim", "error", _task_label(proposal.task), problem))
    findings = run_gates(
        GateInput(
            base=TreeSnapshot(git, parent),
            head=TreeSnapshot(git, info.id),
            changes=tuple(changes),
            actor=actor,
            proposal=proposal,
            claim=claim,
            approvals=tuple(Approval(name, head) for name in approvers),
            head_commit=head,
            now=float(info.time),
        )
    )
    return out + [f for f in findings if f.severity == "error"]


def _claim_then(
    known: _Claims, task: str, stage: str, agent: str, fence: int | None, when: int
) -> tuple[claims.Claim | None, str | None]:
    """The claim as the gates should see it at merge time, and why it was not live if not.
    When claim refs are absent the claim is taken as live: the note in the report says so."""
    live = claims.Claim(task, stage, agent, fence or 0, math.inf, "claim", "", 0)
    if not known.available:
        return live, None
    if fence is None:
        return None, None  # the gates report the missing token
    problem = claims.was_live(known.history(task, stage), agent, fence, when)
    return live, (f"claim {task}/{stage}: {problem}" if problem else None)


def _task_label(task_id: str) -> str:
    """Where a claim finding points: the task's folder (its file's name is not at hand)."""
    try:
        return task_dir(task_id)
    except ValueError:
        return f"tasks/{task_id}"
