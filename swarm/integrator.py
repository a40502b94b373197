"""The integrator: judge a pull request against main and, when the gates pass, merge it.

Main moves only by compare-and-swap. The gates judge the result of merging the pull request
into main as it is at that moment; if main moves between judging and merging, the swap fails
and the pull request is judged again against the new main.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from swarm import claims, issue_sync, trailers
from swarm.comment_approvals import approvals_from_comments
from swarm.errors import SwarmError
from swarm.forge.base import CheckResult, PullRequest, ServerMerging
from swarm.gates import run_gates
from swarm.gates.model import Actor, Approval, Finding, GateInput, Proposal
from swarm.gitstore import MAIN, Change, DamagedTree, GitStore, RefConflict
from swarm.pulls import HUMAN_STAGE, identity
from swarm.repo import FORGE_DIR, Repo
from swarm.settings import SETTINGS_PATH, Settings, from_bytes
from swarm.snapshots import TreeSnapshot
from swarm.states import ROLE_OF_STAGE, Role

CHECK_NAME = "swarm-gates"
INTEGRATOR = "integrator"
_MERGE_ATTEMPTS = 20
_MERGE_WAIT_S = 60.0


@dataclass(frozen=True)
class Judgement:
    base: str  # main when judged
    head: str  # the pull request's head
    tree: str | None  # main with the pull request merged; None when it conflicts
    findings: tuple[Finding, ...]
    actor: Actor
    proposal: Proposal
    approvals: tuple[Approval, ...] = ()

    @property
    def ok(self) -> bool:
        return self.tree is not None and not any(f.severity == "error" for f in self.findings)


@dataclass(frozen=True)
class MergeOutcome:
    merged: bool
    pr: PullRequest
    judgement: Judgement
    merge_commit: str = ""
    by_another: bool = False  # it was merged already, by another process (see merge)


def base_settings(git: GitStore, base: str) -> Settings | None:
    data = git.read(base, SETTINGS_PATH)
    if data is None:
        return None
    try:
        return from_bytes(data)
    except SwarmError:
        return None


def actor_of(name: str, stage: str | None, settings: Settings | None) -> Actor:
    """People are who swarm.yaml on the base lists; anyone else is an agent whose role is its
    stage's. An agent with no known stage gets the research role, the least it could be."""
    if settings is not None and name in settings.humans:
        return Actor(name, Role.HUMAN)
    return Actor(name, ROLE_OF_STAGE.get(stage or "", Role.RESEARCH))


def proposal_of(git: GitStore, head: str) -> Proposal:
    t = trailers.parse(git.commit_message(head))
    fence = t.get("Swarm-Fence")
    return Proposal(
        task=t.get("Swarm-Task"),
        stage=t.get("Swarm-Stage"),
        fence=int(fence) if fence and fence.isdigit() else None,
    )


def judge(
    git: GitStore,
    base: str,
    head: str,
    author: str,
    approvals: tuple[Approval, ...],
    now: float,
) -> Judgement:
    """Run the gates on `head` merged into `base` (both commit ids)."""
    proposal = proposal_of(git, head)
    actor = actor_of(author, proposal.stage, base_settings(git, base))
    merged = _merged(git, base, head)
    if isinstance(merged, Finding):
        return Judgement(base, head, None, (merged,), actor, proposal, approvals)
    tree, changes = merged
    claim = None
    if proposal.task and proposal.stage and proposal.stage != HUMAN_STAGE:
        claim = claims.read(git, proposal.task, proposal.stage)
    findings = run_gates(
        GateInput(
            base=TreeSnapshot(git, base),
            head=TreeSnapshot(git, tree),
            changes=changes,
            actor=actor,
            proposal=proposal,
            claim=claim,
            approvals=approvals,
            head_commit=head,
            now=now,
        )
    )
    return Judgement(base, head, tree, tuple(findings), actor, proposal, approvals)


def _merged(git: GitStore, base: str, head: str) -> tuple[str, tuple[Change, ...]] | Finding:
    """Main with `head` merged and what that changes, or why it cannot be merged."""
    try:
        ancestor = git.merge_base(base, head)
        tree, conflicts = git.merge_trees(ancestor, base, head) if ancestor else (None, ["(all)"])
        if tree is None:
            message = f"does not merge cleanly into main: {', '.join(conflicts[:5])}"
            return Finding("scope", "error", conflicts[0], message)
        return tree, tuple(git.diff(base, tree))
    except DamagedTree as damage:
        # what the pull request carries cannot be read: its author should hear why, on the
        # pull request, rather than the integrator stopping (damage on main itself shows here
        # too, and `swarm verify` names it)
        return Finding("schema", "error", damage.folder, damage.describe())


def approvals_of(repo: Repo, pr: PullRequest, base: str) -> tuple[Approval, ...]:
    """Reviews that approve, and people's `/approve` comments the swarm recorded; read only
    when the task asks for approval, so the other merges cost no extra request."""
    if not _asks_approval(repo, pr, base):
        return ()
    found = [
        Approval(r.reviewer, r.commit_sha)
        for r in repo.forge.list_reviews(pr.number)
        if r.state == "approved"
    ]
    issue = repo.forge.issue_by_key(pr.task_key) if pr.task_key else None
    if issue is not None:
        found += approvals_from_comments(repo.forge.list_comments(issue.number), pr.number)
    return tuple(found)


def _asks_approval(repo: Repo, pr: PullRequest, base: str) -> bool:
    if not pr.task_key:
        return True  # a person's change to the repository: let the gates see everything
    for rev in (base, pr.head_sha):
        try:
            task = repo.task(pr.task_key, rev)
        except SwarmError:
            return True  # a broken task file: the gates will say so, with everything at hand
        if task is None or task.approval_required:
            return True
    return False


def merge(repo: Repo, number: int, now: float) -> MergeOutcome:
    """Judge and merge pull request `number`; record the check on it either way.

    Everything from reading the pull request to telling the forge happens inside the merge
    lock, so two processes that both set out to merge it (an agent and a run that revives its
    pull request) cannot both merge it, and the second finds it merged (`by_another`)."""
    for _ in range(_MERGE_ATTEMPTS):
        with _one_merge_at_a_time(repo):
            pr = repo.forge.get_pull_request(number)
            base = repo.git.resolve(MAIN)
            assert base is not None
            settled = _settled(repo, pr, base, now)
            if settled is not None:
                return settled
            approvals = approvals_of(repo, pr, base)
            verdict = judge(repo.git, base, pr.head_sha, pr.author, approvals, now)
            _record_check(repo, pr, verdict)
            if not verdict.ok or verdict.tree is None:
                return MergeOutcome(False, pr, verdict)
            commit = _land(repo, pr, verdict, base, now)
            if commit is None:
                continue  # main moved while we judged: judge again against the new main
            return MergeOutcome(
                True, _finish(repo, pr, verdict.proposal, commit, now), verdict, commit
            )
    raise SwarmError(
        f"main kept moving: gave up merging #{number} after {_MERGE_ATTEMPTS} tries", 1
    )


def _settled(repo: Repo, pr: PullRequest, main: str, now: float) -> MergeOutcome | None:
    """The outcome when someone merged `pr` before us (finished here if they died half way);
    an error when it is closed; None when it is open and not merged: ours to judge."""
    merged_sha = pr.merge_sha if pr.state == "merged" else None
    if merged_sha is None:
        merged_sha = _merge_commits(repo.git, main, [pr]).get(pr.number)
    if merged_sha is None:
        if pr.state != "open":
            raise SwarmError(f"pull request #{pr.number} is {pr.state}, not open")
        return None
    proposal = proposal_of(repo.git, pr.head_sha)
    verdict = Judgement(main, pr.head_sha, None, (), actor_of(pr.author, pr.stage, None), proposal)
    if pr.state == "open":
        pr = _finish(repo, pr, proposal, merged_sha, now)
    return MergeOutcome(True, pr, verdict, merged_sha, by_another=True)


def _finish(
    repo: Repo, pr: PullRequest, proposal: Proposal, commit: str, now: float
) -> PullRequest:
    """Release the claim, bring the task's issue up to date, then mark the pull request merged:
    last, so that whoever is killed half way leaves it open with its head on main, which is
    what `finish_merged_pulls` looks for."""
    # a merge made on the forge's side bears its own time, which the release must not precede
    _release_claim(repo, proposal, max(now, repo.git.commit_info(commit).time))
    if pr.task_key:
        issue_sync.sync_task(repo, pr.task_key)
    return repo.forge.mark_merged(pr.number, commit)


def _land(repo: Repo, pr: PullRequest, verdict: Judgement, base: str, now: float) -> str | None:
    """Move main to the judged merge; the merge commit, or None when main moved first."""
    message = _merge_message(pr, verdict)
    forge = repo.forge
    if isinstance(forge, ServerMerging) and forge.merges_on_server:
        try:
            commit = forge.merge_on_server(pr.number, pr.head_sha, message)
        except SwarmError:
            repo.git.fetch([MAIN])
            if repo.git.resolve(MAIN) == base:
                raise  # main did not move: GitHub refused for another reason
            return None
        repo.git.fetch([MAIN])
        return commit
    assert verdict.tree is not None
    commit = repo.git.write_commit(
        verdict.tree,
        message,
        identity(pr.author, now),
        [base, pr.head_sha],
        committer=identity(INTEGRATOR, now),
    )
    try:
        repo.git.update_ref(MAIN, commit, base, f"merge #{pr.number}")
    except RefConflict:
        return None
    return commit


@contextlib.contextmanager
def _one_merge_at_a_time(repo: Repo) -> Iterator[None]:
    """Merges on this machine judge and swap main in turn. Racing, each judged main as it was,
    all but one lost the swap and judged again, and under load one could lose twenty times
    in a row and give up. Other machines still race through the swap, as before. The lock
    dies with its holder; one that hangs is waited for `_MERGE_WAIT_S` at most."""
    fd = os.open(repo.path / FORGE_DIR / "merge.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC)
    try:
        deadline, locked = time.monotonic() + _MERGE_WAIT_S, False
        while not locked and time.monotonic() < deadline:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
            except BlockingIOError:
                time.sleep(0.002)
        try:
            yield
        finally:
            if locked:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _merge_message(pr: PullRequest, verdict: Judgement) -> str:
    fields: dict[str, str | int | float] = {
        "Swarm-PR": pr.number,
        "Swarm-Task": pr.task_key,
        "Swarm-Stage": pr.stage,
        "Swarm-Agent": pr.author,
    }
    if not pr.task_key:
        del fields["Swarm-Task"]  # a person's change to no task (see swarm.pulls)
    if verdict.proposal.fence is not None:
        fields["Swarm-Fence"] = verdict.proposal.fence
    approvers = sorted({a.reviewer for a in verdict.approvals if a.commit == pr.head_sha})
    if approvers:
        # recorded in git so that `swarm verify` on a plain clone can re-check approvals
        fields["Swarm-Approved-By"] = ", ".join(approvers)
    return trailers.format_message(f"Merge #{pr.number}: {pr.title}", fields)


def finish_merges(repo: Repo, now: float) -> list[int]:
    """`finish_merged_pulls`, then a sync of every issue with its task's state on main (for
    integrators killed before `issue_sync` of older versions, and issues changed by hand).
    Returns the numbers of the pull requests finished."""
    finished = finish_merged_pulls(repo, now)
    issue_sync.sync_issues(repo.forge, repo.tasks())
    return finished


def finish_merged_pulls(repo: Repo, now: float) -> list[int]:
    """Finish the merges an integrator killed half way left undone: a pull request whose merge
    is on main but that the forge still shows open (`_finish` marks it merged last). It is
    done as `merge` would have: claim released, issue synced, marked merged; nothing else
    would ever look at it again, since its stage is past. Cheap enough for every pass's
    start: one walk down main's first parents to the oldest open pull request's base."""
    finished: list[int] = []
    with _one_merge_at_a_time(repo):  # not while a live integrator is finishing its own
        main = repo.git.resolve(MAIN)
        pulls = repo.forge.list_pull_requests("open")
        found = _merge_commits(repo.git, main, pulls) if main else {}
        for pr in pulls:
            commit = found.get(pr.number)
            if commit is not None:
                _finish(repo, pr, proposal_of(repo.git, pr.head_sha), commit, now)
                finished.append(pr.number)
    return finished


def _merge_commits(git: GitStore, main: str, pulls: Sequence[PullRequest]) -> dict[int, str]:
    """Pull request number -> the commit of main's first parents that merged it, for those
    merged. The walk goes no further back than the oldest head's parent: a merge of a head
    cannot be older than the commit it was made on."""
    heads = {(pr.head_sha, str(pr.number)): pr.number for pr in pulls}
    shas = {pr.head_sha for pr in pulls}
    stops = {parent for pr in pulls for parent in git.commit_info(pr.head_sha).parents[:1]}
    found: dict[int, str] = {}
    commit: str | None = main
    while commit is not None and stops and len(found) < len(heads):
        stops.discard(commit)
        info = git.commit_info(commit)
        if len(info.parents) == 2 and info.parents[1] in shas:
            number = trailers.parse(info.message).get("Swarm-PR", "")
            key = (info.parents[1], number)
            if key in heads:
                found[heads[key]] = commit
        commit = info.parents[0] if info.parents else None
    return found


def _release_claim(repo: Repo, p: Proposal, now: float) -> None:
    if not (p.task and p.stage) or p.stage == HUMAN_STAGE:
        return
    claim = claims.read(repo.git, p.task, p.stage)
    if claim is not None and claim.held and claim.token == p.fence:
        # if someone else moved the claim on meanwhile, the merge still stands
        with contextlib.suppress(claims.ClaimLost, claims.ClaimTaken):
            claims.release(repo.git, claim, INTEGRATOR, now)


def _record_check(repo: Repo, pr: PullRequest, verdict: Judgement) -> None:
    errors = [f for f in verdict.findings if f.severity == "error"]
    summary = "gates passed" if verdict.ok else f"{len(errors)} error(s): {errors[0].message}"
    repo.forge.record_check(
        CheckResult(
            pr_number=pr.number,
            name=CHECK_NAME,
            commit_sha=pr.head_sha,
            conclusion="success" if verdict.ok else "failure",
            summary=summary,
            details={"findings": [f.as_dict() for f in verdict.findings], "base": verdict.base},
        )
    )
