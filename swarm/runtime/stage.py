"""One stage of one task: claim, work, propose, merge. The runtime's unit of work.

Every run ends in one of the outcomes below, never silently: merged, waiting for a person's
approval, nothing to do (another agent has it, it is not ready, it is past this stage),
failed (counted; after `max_stage_attempts` failures the task is blocked with the reason),
or blocked (the budget ran out, or the attempts did).
A run that finds an open pull request for its (task, stage) left by a run that died re-proposes
that pull request's own change under a fresh claim instead of redoing the work, so a resumed
stage repeats no model call and opens no second pull request.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from agents.base import Agent, WorkResult
from swarm import claims
from swarm.forge.base import PullRequest
from swarm.integrator import merge
from swarm.layout import ledger_path, task_path
from swarm.llm.api import BudgetExceeded, LedgerLine
from swarm.pulls import Proposal, branch_name, propose
from swarm.repo import Repo
from swarm.runtime import failures
from swarm.runtime.context import StageContext
from swarm.states import STAGE_OF, State
from swarm.task import TaskFile, to_yaml

Outcome = Literal["merged", "awaiting-approval", "skipped", "busy", "waiting", "failed", "blocked"]
SOURCE_STATE = {stage: state for state, stage in STAGE_OF.items()}


@dataclass(frozen=True)
class StageResult:
    task: str
    stage: str
    outcome: Outcome
    detail: str = ""
    pr: int | None = None
    cost_usd: float = 0.0


def run_stage(
    repo: Repo,
    ctx: StageContext,
    task_id: str,
    stage: str,
    agent_name: str,
    make_agent: Callable[[], Agent],
    clock: Callable[[], float],
) -> StageResult:
    task = ctx.task(task_id)
    if task is None:
        return StageResult(task_id, stage, "skipped", "no such task")
    if task.state is not SOURCE_STATE[stage]:
        return StageResult(task_id, stage, "skipped", f"task is {task.state.value}")
    if stage == "execute" and (missing := ctx.unfinished_dependencies(task)):
        return StageResult(task_id, stage, "waiting", f"waiting on {', '.join(missing)}")
    open_pr = _open_pr(repo, task_id, stage)
    if open_pr is not None:
        revived = _revive(repo, ctx, task, open_pr, clock)
        if revived is not None:
            return revived
    try:
        claim = claims.acquire(
            repo.git, task_id, stage, agent_name, ctx.settings.lease_seconds, clock()
        )
    except claims.ClaimTaken as exc:
        return StageResult(task_id, stage, "busy", str(exc))
    with _released_on_error(repo, claim, clock):
        moved = repo.task(task_id)
        if moved is None or moved.state is not SOURCE_STATE[stage]:
            # another agent finished this stage between our read and our claim (its release let
            # us in): working now would only make a pull request the gates must refuse
            with contextlib.suppress(claims.ClaimLost):
                claims.release(repo.git, claim, agent_name, clock())
            state = moved.state.value if moved else "gone"
            return StageResult(task_id, stage, "skipped", f"task is {state}")
        settings = ctx.settings
        with _Heartbeat(repo, claim, settings.lease_seconds, settings.heartbeat_seconds, clock):
            cost = 0.0
            if open_pr is not None:  # a dead run's work: propose it again under this claim
                changes, summary = ctx.changes_of(open_pr), open_pr.title
            else:
                result = _work(repo, ctx, task, stage, claim, make_agent, clock)
                if isinstance(result, StageResult):
                    return result
                changes, summary = _change_set(ctx, task, result), result.summary
                cost = sum(line.cost_usd for line in result.ledger)
            pr = propose(
                repo,
                Proposal(
                    task_id, stage, agent_name, summary or f"{task_id} {stage}", fence=claim.token
                ),
                changes,
                clock(),
            )
        outcome = _merge(repo, ctx, task, pr, claim, clock)
    return dataclasses.replace(outcome, cost_usd=cost)


@contextlib.contextmanager
def _released_on_error(
    repo: Repo, claim: claims.Claim, clock: Callable[[], float]
) -> Iterator[None]:
    """A stage that raises (a bug, git or the forge failing) gives its claim up on the way
    out, so that the swarm does not wait out the lease of a claim nobody works under, retry,
    fail the same way and wait again, without end; so does a stage interrupted (its worker
    ended by the swarm). The error still goes up to luigi."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):  # the error that matters is the one in flight
            current = claims.read(repo.git, claim.task, claim.stage)
            if current is not None and current.held and current.token == claim.token:
                claims.release(repo.git, current, current.agent, clock())
        raise


def _revive(
    repo: Repo, ctx: StageContext, task: TaskFile, pr: PullRequest, clock: Callable[[], float]
) -> StageResult | None:
    """An open pull request whose claim still stands (its token not taken over, not released):
    renew the claim and try to merge it again, without re-proposing, so an approval given to
    its head stays valid. None when its claim is gone and the caller should claim afresh."""
    fence = ctx.fence_of(pr)
    current = claims.read(repo.git, pr.task_key, pr.stage)
    if current is None or not current.held or current.token != fence:
        return None
    try:
        renewed = claims.heartbeat(repo.git, current, ctx.settings.lease_seconds, clock())
    except claims.ClaimLost:
        return None
    return _merge(repo, ctx, task, pr, renewed, clock)


def _work(
    repo: Repo,
    ctx: StageContext,
    task: TaskFile,
    stage: str,
    claim: claims.Claim,
    make_agent: Callable[[], Agent],
    clock: Callable[[], float],
) -> WorkResult | StageResult:
    try:
        return make_agent().work(ctx.work_context(task, clock()))
    except BudgetExceeded as exc:
        return block(repo, ctx, task, claim, f"budget: {exc.message}", clock)
    except Exception as exc:  # an agent's failure is counted, never fatal to the swarm
        reason = f"{type(exc).__name__}: {exc}"
        count = failures.record(repo, task, stage, reason, ctx.task_blob(task.id))
        if count >= ctx.settings.max_stage_attempts:
            return block(repo, ctx, task, claim, f"{stage} failed {count} times: {reason}", clock)
        claims.release(repo.git, claim, claim.agent, clock())
        return StageResult(task.id, stage, "failed", reason)


def _change_set(ctx: StageContext, task: TaskFile, result: WorkResult) -> dict[str, bytes | None]:
    changes: dict[str, bytes | None] = dict(result.files)
    changes[task_path(task.id, task.title)] = _task_file(ctx, result.task)
    if result.ledger:
        changes[ledger_path(task.id)] = ctx.ledger_with(task.id, result.ledger)
    return changes


def _task_file(ctx: StageContext, task: TaskFile) -> bytes:
    data = to_yaml(task).encode()
    ctx.remember(task, data)
    return data


def block(
    repo: Repo,
    ctx: StageContext,
    task: TaskFile,
    claim: claims.Claim,
    reason: str,
    clock: Callable[[], float],
    ledger: tuple[LedgerLine, ...] = (),
) -> StageResult:
    """The claimant moves the task to blocked with the reason, through the same gates."""
    blocked = task.model_copy(update={"state": State.BLOCKED, "blocked_reason": reason[:500]})
    changes: dict[str, bytes | None] = {task_path(task.id, task.title): _task_file(ctx, blocked)}
    if ledger:
        changes[ledger_path(task.id)] = ctx.ledger_with(task.id, ledger)
    pr = propose(
        repo,
        Proposal(
            task.id, claim.stage, claim.agent, f"{task.id}: blocked", body=reason, fence=claim.token
        ),
        changes,
        clock(),
    )
    outcome = merge(repo, pr.number, clock())
    if not outcome.merged:
        errors = [f.message for f in outcome.judgement.findings if f.severity == "error"]
        return StageResult(
            task.id, claim.stage, "failed", f"could not block: {errors[:1]}", pr.number
        )
    return StageResult(task.id, claim.stage, "blocked", reason, pr.number)


def _merge(
    repo: Repo,
    ctx: StageContext,
    task: TaskFile,
    pr: PullRequest,
    claim: claims.Claim,
    clock: Callable[[], float],
) -> StageResult:
    outcome = merge(repo, pr.number, clock())
    if outcome.merged:
        return StageResult(pr.task_key, pr.stage, "merged", pr.title, pr.number)
    errors = [f for f in outcome.judgement.findings if f.severity == "error"]
    if {f.rule for f in errors} == {"approval"}:
        return StageResult(
            pr.task_key,
            pr.stage,
            "awaiting-approval",
            "waiting for a listed person to approve",
            pr.number,
        )
    # the gates said no: close this attempt so the next one starts from fresh work
    reason = f"[{errors[0].rule}] {errors[0].message}"
    repo.forge.close_pull_request(pr.number)
    count = failures.record(repo, task, pr.stage, reason, ctx.task_blob(task.id))
    current = claims.read(repo.git, pr.task_key, pr.stage)
    live = current is not None and current.held and current.token == claim.token
    if live and count >= ctx.settings.max_stage_attempts:
        return block(
            repo, ctx, task, current or claim, f"{pr.stage} failed {count} times: {reason}", clock
        )
    if live and current is not None:
        claims.release(repo.git, current, current.agent, clock())
    return StageResult(pr.task_key, pr.stage, "failed", reason, pr.number)


def _open_pr(repo: Repo, task_id: str, stage: str) -> PullRequest | None:
    pr = repo.forge.open_pull_for(branch_name(task_id, stage))
    return pr if pr is not None and pr.task_key == task_id and pr.stage == stage else None


class _Heartbeat:
    """Renews the claim in the background while the agent works; stops when the work does."""

    def __init__(
        self,
        repo: Repo,
        claim: claims.Claim,
        lease: float,
        every: float,
        clock: Callable[[], float],
    ) -> None:
        self.claim, self.lease, self.every, self.clock = claim, lease, every, clock
        self.path = repo.path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Heartbeat:
        if self.every < self.lease:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        from swarm.gitstore import GitStore  # its own handle: pygit2 objects stay per thread

        git = GitStore.open(self.path)
        while not self._stop.wait(self.every):
            try:
                self.claim = claims.heartbeat(git, self.claim, self.lease, self.clock())
            except claims.ClaimLost:
                return  # the gates will reject the stale token; nothing more to do here
