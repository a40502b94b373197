"""Rules about the task's state change: is it a row of the table, made by the right actor, under
a live claim with the current fencing token, and approved by a person when the plan asks.

- `transition`: base state -> head state is a row of `swarm.states.TRANSITIONS` whose roles
  include the actor's. An agent must advance the task (one pull request, one stage), and work in
  the stage of the base state (STAGE_OF), with the role of that stage. A person may leave the
  state as it is (editing notes) and then touches only that task's files; a person who changes
  the state must be listed in swarm.yaml `humans` of the base.
- `claim`: an agent's pull request carries the fencing token of the live claim it holds on
  exactly (task, stage). People need no claim.
- `approval`: when the row needs APPROVAL and `approval_required` is set on the base or the head,
  a person listed in `humans` (not the actor) approved exactly the head commit.
"""

from __future__ import annotations

from collections.abc import Iterator

from swarm.gates.context import Context, finding
from swarm.gates.model import Approval, Finding
from swarm.states import ROLE_OF_STAGE, STAGE_OF, Need, Role, State, Transition, targets, transition
from swarm.task import TaskFile


def states(ctx: Context) -> tuple[TaskFile, TaskFile] | None:
    """The judged task on base and head, when both parse; the rules that need them stay silent
    otherwise, because schema or scope already reported why they cannot."""
    base, head = ctx.base_task, ctx.head_task
    if base is None or head is None or base.task is None or head.task is None:
        return None
    return base.task, head.task


def legal_row(ctx: Context) -> Transition | None:
    """The row this pull request makes, if it is one the actor may make."""
    pair = states(ctx)
    if pair is None:
        return None
    row = transition(pair[0].state, pair[1].state)
    return row if row is not None and ctx.inp.actor.role in row.roles else None


def _where(ctx: Context) -> str:
    return ctx.task_path or ""


def check_transition(ctx: Context) -> Iterator[Finding]:
    if ctx.task_id is None:
        if ctx.is_agent:
            yield finding("transition", "", "an agent's pull request must advance a task: no task")
        return
    missing = _missing_task(ctx)
    if missing is not None:
        yield missing
        return
    pair = states(ctx)
    if pair is None:
        return
    src, dst = pair[0].state, pair[1].state
    if src == dst:
        yield from _unchanged(ctx, src)
        return
    yield from _row(ctx, src, dst)
    if ctx.is_agent:
        yield from _stage(ctx, src)
    elif ctx.inp.actor.name not in ctx.humans:
        yield finding(
            "transition",
            _where(ctx),
            f"{ctx.inp.actor.name} is not listed in swarm.yaml humans, so may not move "
            f"task {ctx.task_id} as a person",
        )


def _missing_task(ctx: Context) -> Finding | None:
    base = ctx.base_task
    if base is None:
        return finding("transition", "", f"there is no task {ctx.task_id} on main")
    if base.task is None and ctx.is_agent and base.error is not None:
        return finding(
            "transition",
            base.path,
            f"task {ctx.task_id} on main does not parse ({base.error}): a person must repair it",
        )
    return None


def _unchanged(ctx: Context, state: State) -> Iterator[Finding]:
    if ctx.is_agent:
        yield finding(
            "transition",
            _where(ctx),
            f"leaves task {ctx.task_id} {state}: an agent's pull request must advance it "
            "(one pull request, one stage)",
        )
        return
    others = [p for p, owner in ctx.owners.items() if owner != ctx.task_id]
    for path in others:
        yield finding(
            "transition",
            path,
            f"a person's pull request that leaves the state as it is may touch only the files "
            f"of task {ctx.task_id}, not {path}",
        )


def _row(ctx: Context, src: State, dst: State) -> Iterator[Finding]:
    row = transition(src, dst)
    role = ctx.inp.actor.role
    if row is None:
        options = ", ".join(targets(src, role)) or "none"
        yield finding(
            "transition",
            _where(ctx),
            f"{src} -> {dst} is not a transition of the task lifecycle "
            f"(from {src} a {role} may go to: {options})",
        )
    elif role not in row.roles:
        allowed = ", ".join(sorted(row.roles))
        yield finding(
            "transition",
            _where(ctx),
            f"a {role} may not move a task from {src} to {dst} (only: {allowed})",
        )


def _stage(ctx: Context, src: State) -> Iterator[Finding]:
    expected = STAGE_OF.get(src)
    stage = ctx.inp.proposal.stage
    if expected is None:
        return  # no agent stage works in this state; _row has said so
    if stage != expected:
        yield finding(
            "transition",
            _where(ctx),
            f"stage {stage or '(none)'} does not match the task's state {src}, "
            f"which is worked in stage {expected}",
        )
    elif ROLE_OF_STAGE[expected] != ctx.inp.actor.role:
        yield finding(
            "transition",
            _where(ctx),
            f"stage {expected} is worked by a {ROLE_OF_STAGE[expected]} agent, "
            f"not a {ctx.inp.actor.role} agent",
        )


def check_claim(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_agent:
        return
    where = _where(ctx)
    p, claim, name = ctx.inp.proposal, ctx.inp.claim, ctx.inp.actor.name
    if claim is None:
        yield finding(
            "claim",
            where,
            f"no claim on {p.task or '(no task)'}/{p.stage or '(no stage)'}: claim it first",
        )
        return
    label = f"claim {claim.task}/{claim.stage}"
    if not claim.held:
        yield finding("claim", where, f"{label} was released: claim it again")
    elif not claim.live(ctx.inp.now):
        ago = ctx.inp.now - claim.expires
        yield finding("claim", where, f"the lease of {label} expired {ago:.0f} s ago")
    if claim.agent != name:
        yield finding("claim", where, f"{label} is held by {claim.agent}, not {name}")
    if (claim.task, claim.stage) != (p.task, p.stage):
        yield finding(
            "claim",
            where,
            f"{label} is not for the pull request's {p.task or '(no task)'}/"
            f"{p.stage or '(no stage)'}",
        )
    yield from _fence(ctx, where, claim.token)


def _fence(ctx: Context, where: str, token: int) -> Iterator[Finding]:
    fence = ctx.inp.proposal.fence
    if fence is None:
        yield finding("claim", where, "the pull request carries no fencing token (Swarm-Fence)")
    elif fence < token:
        yield finding("claim", where, f"stale fencing token {fence}, the claim is at {token}")
    elif fence != token:
        yield finding("claim", where, f"fencing token {fence} is not the claim's, {token}")


def check_approval(ctx: Context) -> Iterator[Finding]:
    row = legal_row(ctx)
    pair = states(ctx)
    if row is None or pair is None or Need.APPROVAL not in row.needs:
        return
    if not (pair[0].approval_required or pair[1].approval_required):
        return
    reasons = [_void(ctx, a) for a in ctx.inp.approvals]
    if any(r is None for r in reasons):
        return
    where = _where(ctx)
    head = _short(ctx.inp.head_commit) or "(unknown)"
    if not reasons:
        yield finding(
            "approval",
            where,
            f"task {ctx.task_id} requires a person's approval of the head commit {head}: "
            "there is none",
        )
    for reason in sorted({r for r in reasons if r is not None}):
        yield finding("approval", where, f"task {ctx.task_id} requires approval: {reason}")


def _void(ctx: Context, approval: Approval) -> str | None:
    """Why this approval does not count, or None when it does."""
    who = approval.reviewer
    if who == ctx.inp.actor.name and ctx.inp.actor.role is not Role.HUMAN:
        return f"approval by {who} does not count: an agent never approves its own work"
    if who == ctx.inp.actor.name:
        return f"approval by {who} does not count: the author cannot approve their own change"
    if who not in ctx.humans:
        return (
            f"approval by {who} does not count: only people listed in swarm.yaml humans may approve"
        )
    if not ctx.inp.head_commit or approval.commit != ctx.inp.head_commit:
        return (
            f"approval by {who} is for commit {_short(approval.commit) or '(none)'}, "
            f"not the head {_short(ctx.inp.head_commit) or '(unknown)'}: "
            "a new commit voids it"
        )
    return None


def _short(commit: str) -> str:
    return commit[:12] + "…" if len(commit) > 12 else commit
