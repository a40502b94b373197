"""Several `swarm spawn DIR --scheduler-url URL` workers under one real luigid, as
docs/scale-out.md tells a person to run them: they share DIR (the local forge is one machine's),
and luigid shares the role pools among them.

Each run is real processes: a `luigid` on a free loopback port with its state, log and config
in tmp_path, stopped by its pid; three worker processes started together on the example plan.
One run leaves them alone; in the other one worker is SIGKILLed with its process group while
it runs stages under live claims. The lease is short (10 s, the least swarm.yaml allows, set by
a person's pull request), so the killed worker's claims expire within the run and the others
take them over (or, when one of them is given the same agent name, continue them). Both runs
must end as an uninterrupted single `swarm spawn` ends: the same stages merged, each exactly
once, the same final states, `swarm verify` passing, every task done or waiting on a person.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import agents
from swarm import claims
from swarm.cli import main
from swarm.gitstore import MAIN
from swarm.integrator import INTEGRATOR, finish_merged_pulls, judge, merge
from swarm.issue_specs import state_label
from swarm.layout import ledger_path, task_path
from swarm.llm.ledger import ledger_to_jsonl
from swarm.pulls import Proposal, identity, propose
from swarm.repo import Repo, open_repo
from swarm.runtime.context import StageContext
from swarm.runtime.engines import engine_spec
from swarm.runtime.runner import Runner
from swarm.runtime.spawn import SpawnOptions, run_pass, spawn
from swarm.runtime.stage import run_stage
from swarm.states import Role, State
from swarm.task import to_yaml
from swarm.trailers import format_message
from tests.swarm.runtime.central import (
    Luigid,
    forge_disagreements,
    group_members,
    in_group,
    kill_group,
    outcomes_on_main,
    pools,
    running_stages,
    start_worker,
    stop_all,
    wait_all,
)
from tests.swarm.runtime.invariants import (
    check_claims_end,
    check_pull_requests,
    check_quiescent,
    example_repo,
    fsck,
    merges,
)

WORKERS = 3
SHORT_LEASE = {"lease_seconds": 10, "heartbeat_seconds": 1}
KILL_AFTER_MERGES = 15  # well into the run: research and compliance under way on many tasks
RUN_TIMEOUT_S = 300.0


@dataclass
class Run:
    repo: Repo
    codes: list[int | None]
    ended: float
    log: Path
    # stages the killed worker was running under a live claim, with that claim
    orphaned: list[claims.Claim] = field(default_factory=list)
    killed_at: float = 0.0


def final_state(repo: Repo) -> dict[str, tuple[str, int | None, bool | None]]:
    return {t.id: (t.state.value, t.risk_tier, t.approval_required) for t in repo.tasks()}


def count_merges(repo_dir: Path) -> int:
    repo = open_repo(repo_dir)
    try:
        return sum(merges(repo).values())
    finally:
        repo.forge.close()


def live_claims(repo_dir: Path, now: float) -> dict[tuple[str, str], claims.Claim]:
    repo = open_repo(repo_dir)
    try:
        return {(c.task, c.stage): c for c in claims.list_claims(repo.git) if c.live(now)}
    finally:
        repo.forge.close()


def kill_while_claimed(
    run: Run, procs: list[subprocess.Popen[bytes]], luigid: Luigid, deadline: float
) -> None:
    """SIGKILL procs[0] once main holds some merges and it runs a stage under a live claim;
    record those stages' claims as they stood at the kill."""
    victim = procs[0]
    while time.monotonic() < deadline and victim.poll() is None:
        if count_merges(run.repo.path) >= KILL_AFTER_MERGES:
            mine = {(t, s) for t, s, pid in running_stages(luigid.url) if in_group(pid, victim.pid)}
            held = live_claims(run.repo.path, time.time())
            if mine & held.keys():
                kill_group(victim)
                run.killed_at = time.time()
                run.orphaned = [held[k] for k in sorted(mine & held.keys())]
                return
        time.sleep(0.02)
    raise AssertionError(f"worker ended or ran nothing claimed before its kill: {run.log}")


def restart_luigid(run: Run, luigid: Luigid, deadline: float) -> None:
    """SIGKILL luigid once main holds some merges (it loses the stages the workers gave it:
    it saves its state only on a clean stop) and start it again on the same port and state
    file a second later."""
    while time.monotonic() < deadline and count_merges(run.repo.path) < KILL_AFTER_MERGES:
        time.sleep(0.02)
    luigid.kill()
    run.killed_at = time.time()
    time.sleep(1.0)
    luigid.start()


def swarm_under_luigid(
    base: Path, kill: str = "", workers: int = WORKERS, timeout: float = RUN_TIMEOUT_S
) -> Run:
    """`workers` worker processes under one luigid on the example plan, until each stops by
    itself (or `timeout`); `kill` is "worker" (the first one) or "luigid" or nothing."""
    base.mkdir(parents=True)
    repo = example_repo(base / "repo", **SHORT_LEASE)
    run = Run(repo, [], 0.0, base / "workers.log")
    luigid = Luigid(base / "luigid")
    luigid.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs = [start_worker(repo.path, luigid, run.log) for _ in range(workers)]
        if kill == "worker":
            kill_while_claimed(run, procs, luigid, time.monotonic() + timeout)
        elif kill == "luigid":
            restart_luigid(run, luigid, time.monotonic() + timeout)
        run.codes = wait_all(procs, timeout)
        run.ended = time.time()
    finally:
        stop_all(procs)
        luigid.stop()
    run.repo = open_repo(repo.path)
    return run


@pytest.fixture(scope="module")
def calm(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """The reference: one uninterrupted `swarm spawn` with its own scheduler."""
    repo = example_repo(tmp_path_factory.mktemp("calm") / "repo", **SHORT_LEASE)
    report = spawn(repo.path, SpawnOptions(engine_spec("offline")), sleep=time.sleep)
    assert not report.failed, report.failures
    return open_repo(repo.path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return swarm_under_luigid(tmp_path_factory.mktemp("shared") / "run")


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return swarm_under_luigid(tmp_path_factory.mktemp("killed") / "run", kill="worker")


def check_ends_like(run: Run, calm: Repo) -> None:
    assert all(code is not None for code in run.codes), f"workers still running: {run.log}"
    assert merges(run.repo) == merges(calm)  # the same stages ...
    assert set(merges(run.repo).values()) == {1}  # ... each merged exactly once
    assert outcomes_on_main(run.repo) == outcomes_on_main(calm)
    assert final_state(run.repo) == final_state(calm)
    check_quiescent(run.repo)  # done, or waiting on a person (directly or through a dependency)
    check_pull_requests(run.repo)
    assert main(["verify", str(run.repo.path)]) == 0
    fsck(run.repo)
    check_claims_end(run.repo, run.ended)


@pytest.mark.slow
def test_workers_sharing_one_luigid_merge_each_stage_once(shared: Run, calm: Repo) -> None:
    check_ends_like(shared, calm)


@pytest.mark.slow
def test_a_killed_workers_claims_are_taken_over_by_the_others(killed: Run, calm: Repo) -> None:
    assert killed.codes[0] == -9 and all(c is not None for c in killed.codes[1:])
    check_ends_like(killed, calm)
    assert killed.orphaned, "the kill interrupted no claimed stage"
    merged = merges(killed.repo)
    for claim in killed.orphaned:
        after = [
            r
            for r in claims.history(killed.repo.git, claim.task, claim.stage)
            if r.at >= int(killed.killed_at)
        ]
        # someone went on with it: a takeover once the lease ran out, or the same agent name
        # (the slot lock died with the worker) continuing it; and the stage merged once
        assert after and after[-1].action == "release", (claim, after)
        task = killed.repo.task(claim.task)
        assert task is not None
        waiting = task.approval_required and claim.stage == "execute"
        assert merged[(claim.task, claim.stage)] == 1 or waiting, claim


@pytest.mark.slow
def test_workers_carry_on_when_luigid_is_killed_and_restarted(tmp_path: Path, calm: Repo) -> None:
    """luigid SIGKILLed mid-run forgets every stage the workers gave it (it saves its state
    only on a clean stop); started again on the same port a second later, the workers (whose
    calls retry every second for a minute) must reconnect, tell it again what they wait for,
    and finish the plan. (They used to wait for ever on stages whose dependencies luigid no
    longer knew; swarm.runtime.feeder now notices.) Their exit codes are not checked here:
    see the race below."""
    run = swarm_under_luigid(tmp_path / "run", kill="luigid", workers=2, timeout=120.0)
    check_ends_like(run, calm)


@pytest.mark.slow
def test_a_worker_killed_alone_takes_its_luigi_workers_with_it(tmp_path: Path) -> None:
    """`kill -9 PID` of a worker's own process (not its group: a supervisor or a person may
    do just that) must not leave its forked luigi workers behind: with luigid still up they
    would go on taking stages for ever, and each restart of the worker would add more."""
    repo = example_repo(tmp_path / "repo", **SHORT_LEASE)
    luigid = Luigid(tmp_path / "luigid")
    luigid.start()
    proc = start_worker(repo.path, luigid, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 60
        while len(group_members(proc.pid)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)  # the worker and its three luigi workers (1 + 1 + 1)
        assert len(group_members(proc.pid)) == 4, (tmp_path / "worker.log").read_text()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        time.sleep(3.0)  # luigid's own scheduler in `swarm spawn` watches every 0.5 s
        assert group_members(proc.pid) == []
    finally:
        kill_group(proc)
        luigid.stop()


def test_a_worker_whose_luigid_does_not_answer_says_so(tmp_path: Path) -> None:
    """A wrong URL or a luigid that is down is the user's problem to fix, not a bug: exit 1
    with a message naming the URL, not exit 3 and a crash report."""
    repo = example_repo(tmp_path / "repo")
    luigid = Luigid(tmp_path / "luigid")  # configured, never started: its port is free
    fast = luigid.config.read_text().replace("rpc-retry-attempts=60", "rpc-retry-attempts=2")
    luigid.config.write_text(fast)
    command = [sys.executable, "-m", "swarm", "spawn", str(repo.path), "--model", "offline"]
    answer = subprocess.run(
        [*command, "--scheduler-url", luigid.url],
        env={**luigid.env(), "TMPDIR": str(tmp_path)},  # where a crash report would go
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 1, answer.stderr[-2000:]
    assert luigid.url in answer.stderr


# --- the race several workers on one DIR run into ------------------------------------------
#
# Each `swarm spawn` process adds its own luigi graph (its run id is part of every stage's
# luigi id), so luigid runs the same (task, stage) in several processes at once. Claims keep
# the work single, but a stage that finds an open pull request whose claim still stands
# (swarm.runtime.stage._revive, meant for a dead run's pull request) merges it — while the
# agent that opened it, alive in another process, is merging it too. Whoever comes second
# either fails on a pull request that is no longer open ("pull request #N is merged, not
# open"), or judges it against a main that already holds it, fails the gates and closes it
# (then the first cannot mark it merged: "cannot mark pull request #N merged: it is already
# closed"; main holds the merge, the forge shows it closed). Main stayed right all along.
# Fixed in swarm.integrator.merge: everything from reading the pull request to telling the
# forge happens inside the merge lock, and the second finds it merged (`by_another`).


@pytest.mark.slow
def test_workers_report_no_failure_and_the_forge_agrees_with_main(shared: Run, killed: Run) -> None:
    """Timing decides whether the race is met: most runs with a killed worker met it."""
    for run in (shared, killed):
        assert forge_disagreements(run.repo) == []
        survivors = run.codes[1:] if run is killed else run.codes
        assert set(survivors) == {0}, run.log.read_text()[-3000:]


def proposed(repo: Repo, task_id: str, agent: str, now: float) -> tuple[int, claims.Claim]:
    """A research stage as swarm.runtime.stage runs it, up to its pull request."""
    task = repo.task(task_id)
    assert task is not None
    claim = claims.acquire(repo.git, task_id, "research", agent, 60, now)
    work = agents.build(Role.RESEARCH, offline=True).work(
        StageContext(repo).work_context(task, now)
    )
    changes: dict[str, bytes | None] = {
        **work.files,
        task_path(task.id, task.title): to_yaml(work.task).encode(),
        ledger_path(task.id): ledger_to_jsonl(work.ledger),
    }
    pr = propose(
        repo, Proposal(task_id, "research", agent, work.summary, fence=claim.token), changes, now
    )
    return pr.number, claim


def test_an_agent_merging_after_another_worker_revived_its_pull_request(tmp_path: Path) -> None:
    """Worker A opens its pull request; worker B's process runs the same stage, finds it open
    under a standing claim and merges it (stage._revive); A then merges it, as run_stage does
    right after proposing. A must see it merged, once, not fail."""
    repo = example_repo(tmp_path / "repo")
    now = time.time()
    number, _ = proposed(repo, "1.1.1", "research-1", now)
    other = run_stage(
        repo,
        StageContext(repo),
        "1.1.1",
        "research",
        "research-2",
        lambda: agents.build(Role.RESEARCH, offline=True),
        time.time,
    )
    assert other.outcome == "merged" and other.pr == number  # B merged A's pull request
    outcome = merge(repo, number, time.time())  # today: SwarmError "is merged, not open"
    assert outcome.merged
    assert merges(repo)[("1.1.1", "research")] == 1
    assert forge_disagreements(repo) == []


def merged_on_main_only(repo: Repo, task_id: str) -> tuple[int, str, claims.Claim]:
    """A research pull request as an integrator leaves it when killed right after moving main
    to its merge (swarm.integrator.merge's first half): on main, open on the forge, the claim
    still held. Returns its number, the merge commit and the claim."""
    now = time.time()
    number, claim = proposed(repo, task_id, "research-1", now)
    pr = repo.forge.get_pull_request(number)
    base = repo.git.resolve(MAIN)
    assert base is not None
    verdict = judge(repo.git, base, pr.head_sha, pr.author, (), now)
    assert verdict.ok and verdict.tree is not None
    fields: dict[str, str | int | float] = {"Swarm-PR": number, "Swarm-Task": task_id}
    fields |= {"Swarm-Stage": "research"}
    fields |= {"Swarm-Agent": pr.author, "Swarm-Fence": claim.token}
    message = format_message(f"Merge #{number}: {pr.title}", fields)
    commit = repo.git.write_commit(
        verdict.tree, message, identity(pr.author, now), [base, pr.head_sha],
        committer=identity(INTEGRATOR, now),
    )  # fmt: skip
    repo.git.update_ref(MAIN, commit, base)
    return number, commit, claim


def test_a_second_integrator_finds_the_merge_already_on_main(tmp_path: Path) -> None:
    """Worker A's integrator has moved main to its merge and not yet marked the pull request
    merged (it left the merge lock; swarm.integrator.merge marks it after); worker B merges
    the same pull request now. B must find A's merge and finish it, not judge the pull request
    against a main that already holds it, fail it and (in stage._merge) close it."""
    repo = example_repo(tmp_path / "repo")
    number, commit, _ = merged_on_main_only(repo, "1.1.1")
    outcome = merge(repo, number, time.time())  # B; today: the gates fail it
    assert outcome.merged and outcome.merge_commit == commit
    repo.forge.mark_merged(number, commit)  # A's second half: a no-op now
    assert merges(repo)[("1.1.1", "research")] == 1
    assert forge_disagreements(repo) == []


class RunsNothing(Runner):
    def run_pass(self, *args: object, **kwargs: object) -> None:
        pass


def test_a_merge_whose_integrator_died_is_finished_by_the_next_pass(tmp_path: Path) -> None:
    """The integrator died after moving main; nobody runs the stage again (its task is past
    it). The next pass of any worker, even one between passes that all ended normally (no
    sync of every issue), finishes it: marked merged, claim released, issue in step."""
    repo = example_repo(tmp_path / "repo")
    number, commit, claim = merged_on_main_only(repo, "1.1.1")
    assert repo.forge.get_pull_request(number).state == "open"
    # a later pass (the first of a run syncs every issue); what it runs is not the point here
    run_pass(repo.path, SpawnOptions(engine_spec("offline")), "r1", RunsNothing(None), finish=False)
    pr = repo.forge.get_pull_request(number)
    assert (pr.state, pr.merge_sha) == ("merged", commit)
    after = claims.read(repo.git, "1.1.1", "research")
    assert after is not None and after.token == claim.token and not after.held
    assert forge_disagreements(repo) == []
    assert finish_merged_pulls(repo, time.time()) == []  # nothing left to finish


def test_finishing_half_done_merges_finds_them_all_and_only_them(tmp_path: Path) -> None:
    """Two half-done merges (the second on top of the first) among open pull requests, one
    of them proposed before both and never merged: one walk finds exactly the two, and
    brings their issues in step."""
    repo = example_repo(tmp_path / "repo")
    first, second, waiting = (t.id for t in repo.tasks()[:3])
    unmerged, _ = proposed(repo, waiting, "research-2", time.time())
    done = [merged_on_main_only(repo, task)[0] for task in (first, second)]
    issue = repo.forge.issue_by_key(first)
    assert issue is not None and state_label(State.TODO) in issue.labels
    assert sorted(finish_merged_pulls(repo, time.time())) == sorted(done)
    assert repo.forge.get_pull_request(unmerged).state == "open"
    for task in (first, second):
        issue = repo.forge.issue_by_key(task)
        assert issue is not None and state_label(State.RESEARCHED) in issue.labels
    assert forge_disagreements(repo) == []


def test_luigid_takes_its_pools_from_the_config_and_saves_its_state(tmp_path: Path) -> None:
    """luigid reads the pools from LUIGI_CONFIG_PATH (without it each pool would be 1 stage at
    a time for the whole swarm, whatever the workers' --research/--executor say), and a clean
    stop by its pid saves its state file, which a restart on the same port reads back."""
    luigid = Luigid(tmp_path / "luigid", pools={"research": 3, "compliance": 1, "executor": 5})
    luigid.start()
    try:
        assert pools(luigid.url) == {"research": 3, "compliance": 1, "executor": 5}
        assert running_stages(luigid.url) == []
    finally:
        luigid.stop()
    assert luigid.proc is not None and luigid.proc.returncode is not None
    assert luigid.state.exists()
    luigid.start()  # the same port and state file
    try:
        assert pools(luigid.url)["executor"] == 5
    finally:
        luigid.stop()
