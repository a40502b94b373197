"""Small realistic repositories in memory, and pull requests against them, for the gate tests.

The base is main of a café fit-out plan: two finished survey tasks and the lease task under
test (2.1.1), which depends on both. `legal_pr(row)` builds a pull request that makes the row's
transition the way the engine would: the right actor, a live claim with the current fencing
token, and every precondition of the row present. Adversarial tests start from it and break one
thing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from swarm import settings as settings_mod
from swarm import task as task_mod
from swarm.claims import Claim
from swarm.gates import run_gates
from swarm.gates.model import Actor, Approval, Finding, GateInput, MemorySnapshot, Proposal
from swarm.gitstore import Change
from swarm.layout import compliance_path, deliverables_dir, ledger_path, research_path, task_path
from swarm.settings import PlanRef, Settings
from swarm.states import ROLE_OF_STAGE, STAGE_OF, Role, State, Transition, transition
from swarm.task import EvidenceItem, NodeRef, TaskFile

Files = dict[str, bytes]

TASK = "2.1.1"
DEPS = ("1.1.1", "1.1.2")
HUMAN = "alice"
AGENT = "exec-7"
NOW = 1_750_000_000.0
HEAD_COMMIT = "d" * 40
FENCE = 3

NOTE = (
    "The landlord's draft lease for unit 4 runs ten years with a break clause after five. "
    "Comparable leases on Karl-Heine-Straße run between 12 and 15 EUR per square metre. "
    "Open points: the fit-out allowance, who pays for the grease trap, and the signage rights."
)
DELIVERABLE = (
    "# Signed lease\n\nThe lease for unit 4 was signed on 2 June, with the break clause after "
    "five years and a fit-out allowance of 3 months' rent. The signed copy is in the shared "
    "drive; the landlord's acknowledgement is attached as lease-ack.pdf. Keys are handed over on "
    "1 July, when the fit-out may start.\n"
)
COMPLIANCE = (
    "Risk tier 2: the lease is a binding commitment of about 90,000 EUR over five years, "
    "reversible only through the break clause. A person approves the signature. No licence is "
    "needed to sign; the change-of-use permit is task 2.2.1 and does not block this one."
)


def settings(**changes: Any) -> Settings:
    base = Settings(
        plan_swarm_version="0.1.0",
        plan=PlanRef(planexe_id="plan-cafe", title="Café in Leipzig", digest="sha256:00"),
        humans=(HUMAN, "bob"),
    )
    return base.model_copy(update=changes)


def settings_bytes(s: Settings | None = None) -> bytes:
    return settings_mod.to_yaml(s or settings()).encode()


def make_task(task_id: str, title: str, **fields: Any) -> TaskFile:
    return TaskFile(
        id=task_id,
        planexe_id=f"pe-{task_id}",
        title=title,
        description=f"{title}, as the plan describes it.",
        phase=NodeRef(code=task_id.split(".")[0], title="Premises", planexe_id="pe-phase"),
        subtask=NodeRef(code=".".join(task_id.split(".")[:2]), title="Lease", planexe_id="pe-s"),
        **fields,
    )


TITLES = {"1.1.1": "Survey the site", "1.1.2": "Draft the budget", TASK: "Sign the lease"}


def path_of(task_id: str) -> str:
    return task_path(task_id, TITLES[task_id])


def task_bytes(task: TaskFile) -> bytes:
    return task_mod.to_yaml(task).encode()


def read_task(files: Mapping[str, bytes], task_id: str) -> TaskFile:
    return task_mod.from_yaml(files[path_of(task_id)].decode())


def put_task(files: Files, task: TaskFile) -> None:
    files[path_of(task.id)] = task_bytes(task)


def update_task(files: Files, task_id: str, **changes: Any) -> None:
    put_task(files, read_task(files, task_id).model_copy(update=changes))


# What a task carries once it has passed each state, so a base in any state is realistic.
CLEARED_FIELDS: dict[str, Any] = {"risk_tier": 2, "approval_required": True}
EVIDENCE = (
    EvidenceItem(criterion="lease signed", proof=f"{deliverables_dir(TASK)}/lease.md"),
    EvidenceItem(criterion="landlord acknowledged", proof="email of 2 June, filed in the drive"),
)


def base_repo(state: State = State.TODO, **fields: Any) -> Files:
    """Main with the lease task in `state` and the notes earlier stages would have left."""
    files: Files = {
        "swarm.yaml": settings_bytes(),
        "README.md": b"# Cafe in Leipzig\n",
        ".github/workflows/swarm-gates.yml": b"on: pull_request\n",
        "plan/plan.md": b"# Plan\n",
        "schemas/task.schema.json": b"{}\n",
    }
    for dep in DEPS:
        put_task(files, make_task(dep, TITLES[dep], state=State.DONE, evidence=EVIDENCE[:1]))
        files[research_path(dep)] = NOTE.encode()
    past_research = state not in (State.TODO,)
    past_compliance = state not in (State.TODO, State.RESEARCHED)
    if past_research:
        files[research_path(TASK)] = NOTE.encode()
    if past_compliance:
        files[compliance_path(TASK)] = COMPLIANCE.encode()
        fields = {**CLEARED_FIELDS, **fields}
    put_task(files, make_task(TASK, TITLES[TASK], depends_on=DEPS, state=state, **fields))
    return files


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def diff(base: Mapping[str, bytes], head: Mapping[str, bytes]) -> tuple[Change, ...]:
    """The changes between two trees, as the git store reports them (sorted by path)."""
    out = []
    for path in sorted(set(base) | set(head)):
        before, after = base.get(path), head.get(path)
        if before != after:
            out.append(
                Change(
                    path,
                    None if before is None else blob_id(before),
                    None if after is None else blob_id(after),
                )
            )
    return tuple(out)


@dataclass
class PR:
    """A pull request as the gates see it; tests mutate `head` and the rest, then `.input()`."""

    base: Files
    head: Files
    actor: Actor
    proposal: Proposal = field(default_factory=Proposal)
    claim: Claim | None = None
    approvals: tuple[Approval, ...] = ()
    head_commit: str = HEAD_COMMIT
    now: float = NOW
    extra: dict[str, object] = field(default_factory=dict)

    def input(self) -> GateInput:
        return GateInput(
            base=MemorySnapshot(dict(self.base)),
            head=MemorySnapshot(dict(self.head)),
            changes=diff(self.base, self.head),
            actor=self.actor,
            proposal=self.proposal,
            claim=self.claim,
            approvals=self.approvals,
            head_commit=self.head_commit,
            now=self.now,
        )


def claim_for(
    stage: str, agent: str = AGENT, token: int = FENCE, expires: float = NOW + 600
) -> Claim:
    return Claim(TASK, stage, agent, token, expires, "claim", "c" * 40, int(NOW) - 60)


def agent_pr(base: Files, stage: str, agent: str = AGENT) -> PR:
    return PR(
        base=base,
        head=dict(base),
        actor=Actor(agent, ROLE_OF_STAGE[stage]),
        proposal=Proposal(TASK, stage, FENCE),
        claim=claim_for(stage, agent),
    )


def human_pr(base: Files, name: str = HUMAN) -> PR:
    return PR(base=base, head=dict(base), actor=Actor(name, Role.HUMAN), proposal=Proposal(TASK))


def row(source: State, target: State) -> Transition:
    found = transition(source, target)
    assert found is not None, f"{source} -> {target} is not in the table"
    return found


def legal(source: State, target: State) -> PR:
    """`legal_pr` of the row from `source` to `target`."""
    return legal_pr(row(source, target))


def legal_pr(row: Transition) -> PR:
    """A pull request making `row` that every gate should accept."""
    src, dst = row.source, row.target
    base_fields: dict[str, Any] = {}
    if src is State.BLOCKED:
        base_fields["blocked_reason"] = "the landlord stopped answering"
    if src is State.NEEDS_HUMAN:
        base_fields = {"risk_tier": 3, "approval_required": True, "escalation": "sign in person"}
    base = base_repo(src, **base_fields)
    pr = human_pr(base) if Role.HUMAN in row.roles else agent_pr(base, STAGE_OF[src])
    _do_work(pr, src, dst)
    return pr


def _do_work(pr: PR, src: State, dst: State) -> None:
    """What the stage's worker writes for this transition."""
    head = pr.head
    changes: dict[str, Any] = {"state": dst}
    if src is State.TODO and dst is State.RESEARCHED:
        head[research_path(TASK)] = NOTE.encode()
        head[ledger_path(TASK)] = b'{"model": "offline", "cost_usd": 0.0}\n'
    elif src is State.RESEARCHED and dst in (State.CLEARED, State.NEEDS_HUMAN):
        head[compliance_path(TASK)] = COMPLIANCE.encode()
        tier = 3 if dst is State.NEEDS_HUMAN else 2
        changes.update(risk_tier=tier, approval_required=True)
    elif src is State.CLEARED and dst is State.DONE:
        head[f"{deliverables_dir(TASK)}/lease.md"] = DELIVERABLE.encode()
        head[ledger_path(TASK)] = b'{"model": "gpt-x", "cost_usd": 0.12}\n'
        changes["evidence"] = EVIDENCE
        pr.approvals = (Approval(HUMAN, HEAD_COMMIT),)
    elif src is State.CLEARED and dst is State.NEEDS_HUMAN:
        changes["escalation"] = "the landlord wants a wet-ink signature in person"
    elif src is State.NEEDS_HUMAN and dst is State.DONE:
        changes["evidence"] = EVIDENCE
    elif dst is State.BLOCKED:
        changes["blocked_reason"] = "the landlord has not answered for three weeks"
    update_task(head, TASK, **changes)


def with_proposal(pr: PR, **changes: Any) -> PR:
    return replace(pr, proposal=replace(pr.proposal, **changes))


def judge(pr: PR) -> list[Finding]:
    return run_gates(pr.input())


def errors_of(findings: list[Finding], rule: str | None = None) -> list[Finding]:
    return [f for f in findings if f.severity == "error" and rule in (None, f.rule)]


def error_rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if f.severity == "error"}
