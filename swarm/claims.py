"""Claims: who works on which (task, stage), for how long, with which fencing token.

A claim lives at `refs/swarm/claims/<task>/<stage>` as a chain of commits (empty trees; the
record is in the trailers). Every change is a new child of the current head, installed by
compare-and-swap, so exactly one of several racing agents wins, on the local forge (a ref
transaction) and on GitHub alike (ref creation answers 422 when it exists, a non-forced update
must be a fast-forward). The fencing token only grows: a new claim or a takeover after the
lease expired gets the next one, and a pull request carrying an older token is rejected.
The chain is kept after release, so `swarm verify` can ask what the claim was at any moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from swarm import trailers
from swarm.errors import SwarmError
from swarm.gitstore import CommitInfo, Identity, RefConflict

PREFIX = "refs/swarm/claims/"
Action = Literal["claim", "heartbeat", "takeover", "release"]


class RefStore(Protocol):
    """What claims need from a store of refs and commits (GitStore; the GitHub forge later)."""

    def resolve_ref(self, ref: str) -> str | None: ...
    def update_ref(self, ref: str, new: str, expected: str | None, reason: str = "") -> None: ...
    def write_commit(
        self, tree: str, message: str, author: Identity, parents: list[str]
    ) -> str: ...
    def commit_info(self, rev: str) -> CommitInfo: ...
    def refs(self, prefix: str) -> dict[str, str]: ...
    def empty_tree(self) -> str: ...


@dataclass(frozen=True)
class Claim:
    task: str
    stage: str
    agent: str
    token: int
    expires: float  # seconds since the epoch
    action: Action
    head: str  # the claim commit this record was read from
    at: int  # when that commit was made

    @property
    def held(self) -> bool:
        return self.action != "release"

    def live(self, now: float) -> bool:
        return self.held and now < self.expires

    def status(self, now: float) -> str:
        if not self.held:
            return "released"
        return "held" if self.live(now) else "expired"


class ClaimTaken(SwarmError):
    """Someone else holds the claim (or won the race for it)."""

    def __init__(self, task: str, stage: str, holder: Claim | None) -> None:
        self.holder = holder
        who = f" by {holder.agent} (token {holder.token})" if holder else ""
        super().__init__(f"claim {task}/{stage} is taken{who}", 1)


class ClaimLost(SwarmError):
    """The claim moved on (taken over or released): its holder must stop."""

    def __init__(self, claim: Claim, current: Claim | None) -> None:
        self.current = current
        now = f"{current.agent} holds token {current.token}" if current else "it is gone"
        super().__init__(
            f"claim {claim.task}/{claim.stage} token {claim.token} of {claim.agent} is lost: {now}",
            1,
        )


def ref_name(task: str, stage: str) -> str:
    return f"{PREFIX}{task}/{stage}"


def read(store: RefStore, task: str, stage: str) -> Claim | None:
    head = store.resolve_ref(ref_name(task, stage))
    return _record(store.commit_info(head)) if head else None


def list_claims(store: RefStore) -> list[Claim]:
    out = [_record(store.commit_info(oid)) for oid in store.refs(PREFIX).values()]
    return sorted(out, key=lambda c: (tuple(int(p) for p in c.task.split(".")), c.stage))


def acquire(store: RefStore, task: str, stage: str, agent: str, lease: float, now: float) -> Claim:
    """Take the claim, or take it over when its lease has expired. The same agent asking again
    for a live claim it holds gets that claim back (a resumed agent keeps its token)."""
    current = read(store, task, stage)
    if current is not None and current.live(now):
        if current.agent == agent:
            return current
        raise ClaimTaken(task, stage, current)
    if current is None:
        action: Action = "claim"
        token = 1
    else:
        action = "takeover" if current.held else "claim"
        token = current.token + 1
    return _append(store, current, task, stage, agent, token, now + lease, action, now)


def heartbeat(store: RefStore, claim: Claim, lease: float, now: float) -> Claim:
    """Renew the lease by compare-and-swap on the claim's own head; ClaimLost if the claim
    moved on, before or during the swap."""
    current = read(store, claim.task, claim.stage)
    if current is None or current.head != claim.head or not current.held:
        raise ClaimLost(claim, current)
    try:
        return _append(
            store,
            current,
            claim.task,
            claim.stage,
            claim.agent,
            claim.token,
            now + lease,
            "heartbeat",
            now,
        )
    except ClaimTaken:  # another writer moved the claim between our read and our swap
        raise ClaimLost(claim, read(store, claim.task, claim.stage)) from None


def release(store: RefStore, claim: Claim, by: str, now: float) -> Claim:
    """End the claim (after its pull request merged, or abandoned). Idempotent for a claim
    already released with the same token, also by a writer that wins the swap against us;
    ClaimLost if the claim moved on otherwise."""
    current = read(store, claim.task, claim.stage)
    if current is None or current.token != claim.token:
        raise ClaimLost(claim, current)
    if not current.held:
        return current
    try:
        return _append(
            store, current, claim.task, claim.stage, by, claim.token, now, "release", now
        )
    except ClaimTaken:  # another writer moved the claim between our read and our swap
        latest = read(store, claim.task, claim.stage)
        if latest is not None and latest.token == claim.token and not latest.held:
            return latest  # someone released it first: released is what was asked
        raise ClaimLost(claim, latest) from None


def force_release(store: RefStore, task: str, stage: str, by: str, now: float) -> Claim | None:
    """A person ends whatever claim is there (recorded with their name); None if none held."""
    current = read(store, task, stage)
    if current is None or not current.held:
        return None
    return _append(store, current, task, stage, by, current.token, now, "release", now)


def history(store: RefStore, task: str, stage: str) -> list[Claim]:
    """Every record of the claim's chain, oldest first."""
    out = []
    head = store.resolve_ref(ref_name(task, stage))
    while head:
        info = store.commit_info(head)
        out.append(_record(info))
        head = info.parents[0] if info.parents else None
    return out[::-1]


def was_live(records: list[Claim], agent: str, token: int, when: float) -> str | None:
    """Why `agent` did not hold a live claim with `token` at `when`, or None if it did.
    Commit times are whole seconds: a release or takeover in the same second as `when` is
    taken to come after it (releases follow merges)."""
    mine = [r for r in records if r.token == token and r.at <= when]
    if not any(r.action in ("claim", "takeover") and r.agent == agent for r in mine):
        return f"no claim with token {token} by {agent} before then"
    if any(r.token > token and r.at < when for r in records):
        return f"token {token} had been taken over by then"
    if any(r.action == "release" and r.at < when for r in mine):
        return f"token {token} had been released by then"
    if max(r.expires for r in mine if r.action != "release") < when:
        return f"the lease of token {token} had expired by then"
    return None


def _append(
    store: RefStore,
    current: Claim | None,
    task: str,
    stage: str,
    agent: str,
    token: int,
    expires: float,
    action: Action,
    now: float,
) -> Claim:
    message = trailers.format_message(
        f"{action} {task}/{stage} by {agent}",
        {
            "Swarm-Action": action,
            "Swarm-Task": task,
            "Swarm-Stage": stage,
            "Swarm-Agent": agent,
            "Swarm-Fence": token,
            "Swarm-Lease-Expires": f"{expires:.3f}",
        },
    )
    who = Identity(agent, f"{agent}@plan-swarm.invalid", int(now))
    parents = [current.head] if current else []
    oid = store.write_commit(store.empty_tree(), message, who, parents)
    try:
        store.update_ref(ref_name(task, stage), oid, current.head if current else None, message)
    except RefConflict:
        raise ClaimTaken(task, stage, read(store, task, stage)) from None
    return Claim(task, stage, agent, token, expires, action, oid, int(now))


def _record(info: CommitInfo) -> Claim:
    t = trailers.parse(info.message)
    try:
        return Claim(
            task=t["Swarm-Task"],
            stage=t["Swarm-Stage"],
            agent=t["Swarm-Agent"],
            token=int(t["Swarm-Fence"]),
            expires=float(t["Swarm-Lease-Expires"]),
            action=t["Swarm-Action"],  # type: ignore[arg-type]
            head=info.id,
            at=info.time,
        )
    except (KeyError, ValueError):
        raise SwarmError(
            f"claim commit {info.id[:12]} is not a plan-swarm claim record", 1
        ) from None
