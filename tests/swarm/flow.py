"""Drive a materialized repository by hand, the way agents and people do: claim, propose,
approve, merge. Real git, real local forge, real gates; only the words are scripted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planexe import read_plan
from swarm import claims
from swarm.cli.demo import example_plan_path
from swarm.forge.base import PullRequest, Review
from swarm.integrator import MergeOutcome, merge
from swarm.layout import compliance_path, deliverables_dir, research_path, task_path
from swarm.materialize import materialize
from swarm.pulls import HUMAN_STAGE, Proposal, propose
from swarm.repo import Repo, open_repo
from swarm.states import State
from swarm.task import EvidenceItem, TaskFile, to_yaml

LEASE = 900.0
T0 = 1_800_000_000.0
BRIEF = (
    "Research brief. The task needs a clear scope, the plan's assumptions on budget and timing, "
    "and the risks the plan names for premises and permits. Sources: the plan's documents to "
    "find, the expert criticism on schedule realism, and comparable projects. Open questions: "
    "who signs, by when, and what evidence closes the task.\n"
)
NOTE = (
    "Compliance note. The task touches no regulated activity by itself; the plan's governance "
    "asks for the board's sign-off on any spend above the delegated limit. Risk tier and "
    "approval are set accordingly. No permit applies to this desk work; data protection rules "
    "apply to any personal data collected.\n"
)
DELIVERABLE = (
    "# Deliverable\n\nThe document the task calls for, drafted from the plan's content: the "
    "scope, the figures with their ranges, the decisions needed and who takes them, and the "
    "next steps with dates from the plan's schedule. Each acceptance criterion is met below.\n"
)


class Flow:
    def __init__(
        self, tmp: Path, humans: tuple[str, ...] = ("alice",), plan: Path | None = None
    ) -> None:
        out = tmp / "repo"
        materialize(read_plan(plan or example_plan_path()), out, humans=humans)
        self.repo: Repo = open_repo(out)
        self.now = T0

    def tick(self, seconds: float = 1.0) -> float:
        self.now += seconds
        return self.now

    def task(self, tid: str) -> TaskFile:
        task = self.repo.task(tid)
        assert task is not None, tid
        return task

    def task_change(self, tid: str, **update: Any) -> dict[str, bytes | None]:
        task = self.task(tid).model_copy(update=update)
        return {task_path(task.id, task.title): to_yaml(task).encode()}

    def claim(self, tid: str, stage: str, agent: str) -> claims.Claim:
        return claims.acquire(self.repo.git, tid, stage, agent, LEASE, self.tick())

    def propose(
        self,
        tid: str,
        stage: str,
        agent: str,
        changes: dict[str, bytes | None],
        fence: int | None,
    ) -> PullRequest:
        title = f"{tid} {stage}"
        return propose(
            self.repo, Proposal(tid, stage, agent, title, fence=fence), changes, self.tick()
        )

    def merge(self, pr: PullRequest, at: float | None = None) -> MergeOutcome:
        return merge(self.repo, pr.number, at if at is not None else self.tick())

    def approve(self, pr: PullRequest, who: str = "alice") -> None:
        head = self.repo.forge.get_pull_request(pr.number).head_sha
        self.repo.forge.add_review(Review(pr.number, who, "approved", head))

    # -- legal stages ----------------------------------------------------------------------

    def research_changes(self, tid: str) -> dict[str, bytes | None]:
        return {research_path(tid): BRIEF.encode()} | self.task_change(tid, state=State.RESEARCHED)

    def research(self, tid: str, agent: str = "research-1") -> MergeOutcome:
        c = self.claim(tid, "research", agent)
        return self.merge(self.propose(tid, "research", agent, self.research_changes(tid), c.token))

    def comply_changes(self, tid: str, tier: int, approval: bool) -> dict[str, bytes | None]:
        target = State.NEEDS_HUMAN if tier == 3 else State.CLEARED
        extra = {"escalation": "Tier 3: a person must sign."} if tier == 3 else {}
        return {compliance_path(tid): NOTE.encode()} | self.task_change(
            tid, state=target, risk_tier=tier, approval_required=approval, **extra
        )

    def comply(
        self, tid: str, tier: int = 1, approval: bool = False, agent: str = "compliance-1"
    ) -> MergeOutcome:
        c = self.claim(tid, "compliance", agent)
        return self.merge(
            self.propose(
                tid, "compliance", agent, self.comply_changes(tid, tier, approval), c.token
            )
        )

    def execute_changes(self, tid: str) -> dict[str, bytes | None]:
        evidence = (
            EvidenceItem(
                criterion="the document exists", proof=f"{deliverables_dir(tid)}/result.md"
            ),
        )
        return {f"{deliverables_dir(tid)}/result.md": DELIVERABLE.encode()} | self.task_change(
            tid, state=State.DONE, evidence=evidence
        )

    def execute(
        self, tid: str, agent: str = "executor-1", approver: str | None = None
    ) -> MergeOutcome:
        c = self.claim(tid, "execute", agent)
        pr = self.propose(tid, "execute", agent, self.execute_changes(tid), c.token)
        if approver:
            self.approve(pr, approver)
        return self.merge(pr)

    def human(self, tid: str, who: str, changes: dict[str, bytes | None]) -> MergeOutcome:
        return self.merge(self.propose(tid, HUMAN_STAGE, who, changes, None))

    def to_cleared(self, tid: str, approval: bool = False) -> None:
        assert self.research(tid).merged
        assert self.comply(tid, tier=2 if approval else 1, approval=approval).merged
