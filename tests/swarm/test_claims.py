"""Claims on a real bare repository, raced by real processes."""

from __future__ import annotations

import multiprocessing
import subprocess
from pathlib import Path

import pytest

from swarm import claims
from swarm.gitstore import GitStore

LEASE = 60.0
T0 = 1_700_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> GitStore:
    return GitStore.init_bare(tmp_path / "repo.git")


def test_first_claim_gets_token_one_and_a_lease(store):
    c = claims.acquire(store, "1.2.3", "research", "research-1", LEASE, T0)
    assert (c.agent, c.token, c.action, c.expires) == ("research-1", 1, "claim", T0 + LEASE)
    assert claims.read(store, "1.2.3", "research") == c
    assert c.live(T0 + 1) and not c.live(T0 + LEASE)


def test_a_live_claim_cannot_be_taken(store):
    claims.acquire(store, "1.2.3", "research", "a", LEASE, T0)
    with pytest.raises(claims.ClaimTaken, match="taken by a"):
        claims.acquire(store, "1.2.3", "research", "b", LEASE, T0 + LEASE - 1)


def test_the_holder_asking_again_keeps_its_token(store):
    first = claims.acquire(store, "1.2.3", "research", "a", LEASE, T0)
    again = claims.acquire(store, "1.2.3", "research", "a", LEASE, T0 + 5)
    assert again == first


def test_heartbeat_extends_the_lease_by_compare_and_swap(store):
    c = claims.acquire(store, "1.2.3", "research", "a", LEASE, T0)
    renewed = claims.heartbeat(store, c, LEASE, T0 + 50)
    assert renewed.token == 1 and renewed.expires == T0 + 50 + LEASE
    with pytest.raises(claims.ClaimTaken):  # b cannot take it at T0+100: the lease was renewed
        claims.acquire(store, "1.2.3", "research", "b", LEASE, T0 + 100)
    with pytest.raises(claims.ClaimLost):  # a stale record cannot heartbeat again
        claims.heartbeat(store, c, LEASE, T0 + 60)


def test_expired_lease_is_taken_over_with_a_higher_token(store):
    zombie = claims.acquire(store, "1.2.3", "execute", "a", LEASE, T0)
    new = claims.acquire(store, "1.2.3", "execute", "b", LEASE, T0 + LEASE + 1)
    assert (new.agent, new.token, new.action) == ("b", 2, "takeover")
    with pytest.raises(claims.ClaimLost, match="b holds token 2"):
        claims.heartbeat(store, zombie, LEASE, T0 + LEASE + 2)
    with pytest.raises(claims.ClaimLost):
        claims.release(store, zombie, "a", T0 + LEASE + 3)


def test_release_then_a_new_claim_continues_the_token_sequence(store):
    c = claims.acquire(store, "1.2.3", "research", "a", LEASE, T0)
    released = claims.release(store, c, "integrator", T0 + 10)
    assert not released.held and released.status(T0 + 11) == "released"
    assert claims.release(store, c, "integrator", T0 + 12) == released  # idempotent
    nxt = claims.acquire(store, "1.2.3", "research", "b", LEASE, T0 + 20)
    assert (nxt.token, nxt.action) == (2, "claim")
    actions = [(r.action, r.token, r.agent) for r in claims.history(store, "1.2.3", "research")]
    assert actions == [("claim", 1, "a"), ("release", 1, "integrator"), ("claim", 2, "b")]


def test_force_release_by_a_person_is_recorded(store):
    claims.acquire(store, "1.2.3", "compliance", "c", LEASE, T0)
    done = claims.force_release(store, "1.2.3", "compliance", "alice", T0 + 5)
    assert done is not None and done.agent == "alice" and not done.held
    assert claims.force_release(store, "1.2.3", "compliance", "alice", T0 + 6) is None


def test_was_live_reads_history_at_a_moment(store):
    claims.acquire(store, "1.2.3", "execute", "a", LEASE, T0)
    claims.acquire(store, "1.2.3", "execute", "b", LEASE, T0 + LEASE + 1)
    records = claims.history(store, "1.2.3", "execute")
    assert claims.was_live(records, "a", 1, T0 + 10) is None
    assert "expired" in (claims.was_live(records, "a", 1, T0 + LEASE + 0.5) or "")
    assert "taken over" in (claims.was_live(records, "a", 1, T0 + LEASE + 5) or "")
    assert claims.was_live(records, "b", 2, T0 + LEASE + 5) is None
    assert "no claim" in (claims.was_live(records, "c", 2, T0 + LEASE + 5) or "")


def test_claim_chain_is_a_valid_git_history(store):
    c = claims.acquire(store, "1.2.3", "research", "a", LEASE, T0)
    claims.heartbeat(store, c, LEASE, T0 + 1)
    ref = claims.ref_name("1.2.3", "research")
    log = subprocess.run(
        ["git", "-C", str(store.path), "log", "--format=%an %s", ref],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log.splitlines() == ["a heartbeat 1.2.3/research by a", "a claim 1.2.3/research by a"]
    subprocess.run(
        ["git", "-C", str(store.path), "fsck", "--strict"], check=True, capture_output=True
    )


def _racer(path: str, agent: str, rounds: int, barrier, results) -> None:
    store = GitStore.open(Path(path))
    won = []
    for r in range(rounds):
        barrier.wait()
        try:
            claims.acquire(store, f"9.9.{r}", "research", agent, LEASE, T0)
            won.append(r)
        except claims.ClaimTaken:
            pass
    results.put((agent, won))


@pytest.mark.slow
def test_racing_processes_get_exactly_one_winner_per_round(store):
    procs, rounds = 8, 50
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(procs), ctx.Queue()
    workers = [
        ctx.Process(target=_racer, args=(str(store.path), f"agent-{i}", rounds, barrier, results))
        for i in range(procs)
    ]
    for w in workers:
        w.start()
    outcome = dict(results.get(timeout=120) for _ in workers)
    for w in workers:
        w.join(timeout=30)
    winners_per_round = [sum(r in won for won in outcome.values()) for r in range(rounds)]
    assert winners_per_round == [1] * rounds
    for r in range(rounds):
        chain = claims.history(store, f"9.9.{r}", "research")
        assert len(chain) == 1 and outcome[chain[0].agent].count(r) == 1


def _heartbeater(path: str, task: str, beats: int, results) -> None:
    store = GitStore.open(Path(path))
    c = claims.acquire(store, task, "execute", f"agent-{task}", LEASE, T0)
    for i in range(beats):
        c = claims.heartbeat(store, c, LEASE, T0 + i + 1)
    results.put(c.expires)


@pytest.mark.slow
def test_concurrent_heartbeats_on_many_claims_lose_nothing(store):
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    tasks = [f"1.1.{i}" for i in range(6)]
    workers = [
        ctx.Process(target=_heartbeater, args=(str(store.path), t, 40, results)) for t in tasks
    ]
    for w in workers:
        w.start()
    expiries = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert expiries == [T0 + 40 + LEASE] * len(tasks)
    for t in tasks:
        assert len(claims.history(store, t, "execute")) == 41


def _renew_or_end(path: str, action: str, rounds: int, barrier, results) -> None:
    """Round r: the holder's heartbeat and the integrator's release race on one claim."""
    store = GitStore.open(Path(path))
    raised = []
    for r in range(rounds):
        held = claims.read(store, f"9.8.{r}", "execute")
        assert held is not None
        barrier.wait()
        try:
            if action == "heartbeat":
                claims.heartbeat(store, held, LEASE, T0 + 1)
            else:
                claims.release(store, held, "integrator", T0 + 1)
        except claims.ClaimLost:
            pass  # the claim moved on under it: what a caller is told to expect
        except Exception as exc:  # which one is the point
            raised.append(f"{action} {r}: {type(exc).__name__}: {exc}")
    results.put(raised)


@pytest.mark.slow
def test_a_heartbeat_and_a_release_racing_lose_with_claim_lost(store):
    """A heartbeat (or release) that loses the compare-and-swap to another writer must say
    the claim moved on (ClaimLost, which the heartbeat thread and stage._revive handle), not
    ClaimTaken, which they do not: the swarm's stages raised it when two workers met on one
    claim (bench/chaos.py)."""
    rounds = 60
    for r in range(rounds):
        claims.acquire(store, f"9.8.{r}", "execute", "executor-1", LEASE, T0)
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_renew_or_end, args=(str(store.path), a, rounds, barrier, results))
        for a in ("heartbeat", "release")
    ]
    for w in workers:
        w.start()
    raised = [line for _ in workers for line in results.get(timeout=120)]
    for w in workers:
        w.join(timeout=30)
    assert raised == []
    for r in range(rounds):  # whoever won, the chain is whole and ends released or renewed
        chain = claims.history(store, f"9.8.{r}", "execute")
        assert [c.token for c in chain] == [1] * len(chain)
