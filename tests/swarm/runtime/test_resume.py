"""Resume: `swarm spawn` killed with SIGKILL at ten random moments, each time started again,
ends exactly where an uninterrupted run ends, and loses and repeats nothing on the way.

Both runs are real `python -m swarm spawn DIR --model offline` processes on the example plan.
A spawn is killed with its whole process group (its luigi scheduler and workers are forks of
it), so a kill can land anywhere: in a stage's work, between a commit and its pull request,
half way through a merge, inside a ref update, while a claim is renewed. The moments are
drawn from the progress of the run (a random number of merges, then a random fraction of a
second), not from the clock, so that they spread over the whole plan on a fast machine and a
slow one alike, and each kill interrupts work under way. The lease is short (10 s, the least
swarm.yaml allows), set by a person's pull request, so the claims of a killed run expire
quickly; a resumed agent with the same slot name (research-1…) gets its own live claim back.
Run it with SWARM_RESUME_SEED=<n> to try other moments.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import agents
from swarm import claims
from swarm.cli import main
from swarm.cli.demo import DEMO_HUMAN
from swarm.gitstore import MAIN
from swarm.human import change_settings
from swarm.integrator import INTEGRATOR, judge
from swarm.layout import ledger_path, task_path
from swarm.llm.ledger import ledger_to_jsonl
from swarm.pulls import Proposal, identity, propose
from swarm.repo import Repo, open_repo
from swarm.runtime.context import StageContext
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions, spawn
from swarm.states import Role
from swarm.task import to_yaml
from swarm.trailers import format_message
from swarm.verify import verify
from tests.swarm.runtime.invariants import (
    check_claims_end,
    check_pull_requests,
    check_quiescent,
    example_repo,
    fsck,
    ledger_lines,
    merges,
)

ROOT = Path(__file__).resolve().parents[3]
KILLS = 10
SEED = int(os.environ.get("SWARM_RESUME_SEED", "20260509"))  # another seed: other moments
SHORT_LEASE = {"lease_seconds": 10, "heartbeat_seconds": 1}


def start_spawn(repo_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "swarm", "spawn", str(repo_dir), "--model", "offline"],
            cwd=repo_dir.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: luigi's forks die with it
        )


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def run_spawn(repo_dir: Path, log: Path) -> int:
    proc = start_spawn(repo_dir, log)
    try:
        return proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            kill_group(proc)


def count_merges(repo_dir: Path) -> int:
    repo = open_repo(repo_dir)
    try:
        return sum(merges(repo).values())
    finally:
        repo.forge.close()


def wait_for_merges(
    repo_dir: Path, proc: subprocess.Popen[bytes], target: int, deadline: float
) -> None:
    """Wait until main holds `target` stage merges (or the spawn ended, or time is up)."""
    while proc.poll() is None and time.monotonic() < deadline:
        if count_merges(repo_dir) >= target:
            return
        time.sleep(0.02)


def final_state(repo: Repo) -> dict[str, tuple[str, int | None, bool | None]]:
    return {t.id: (t.state.value, t.risk_tier, t.approval_required) for t in repo.tasks()}


def stages_in_ledgers(repo: Repo) -> Counter[tuple[str, str]]:
    """Each offline stage writes one ledger line: a stage run twice would show twice."""
    return Counter((line.task, line.stage) for line in ledger_lines(repo))


@pytest.mark.slow
def test_spawn_killed_ten_times_ends_like_an_uninterrupted_run(tmp_path: Path) -> None:
    calm = example_repo(tmp_path / "calm", **SHORT_LEASE)
    killed = example_repo(tmp_path / "killed", **SHORT_LEASE)
    log = tmp_path / "spawn.log"

    assert run_spawn(calm.path, log) == 0, log.read_text()[-3000:]
    calm = open_repo(calm.path)

    # ten moments spread over the whole run: once main holds a random number of merges (at
    # least one more than when this spawn started), plus a random fraction of a second
    total = sum(merges(calm).values())
    rng = random.Random(SEED)
    targets = sorted(rng.sample(range(1, total - KILLS), KILLS))
    kills: list[tuple[int, int]] = []  # (merges on main at its start, when killed)
    for target in targets:
        before = count_merges(killed.path)
        proc = start_spawn(killed.path, log)
        wait_for_merges(killed.path, proc, max(target, before + 1), time.monotonic() + 60)
        time.sleep(rng.uniform(0.0, 0.3))
        assert proc.poll() is None, f"spawn ended before its kill: {log.read_text()[-3000:]}"
        kill_group(proc)
        kills.append((before, count_merges(killed.path)))
    assert run_spawn(killed.path, log) == 0, log.read_text()[-3000:]
    ended = time.time()
    killed = open_repo(killed.path)

    assert all(done > before for before, done in kills), kills  # each killed mid-work

    assert final_state(killed) == final_state(calm)
    assert merges(killed) == merges(calm)  # the same stages, each merged exactly once
    assert set(merges(killed).values()) == {1}
    assert stages_in_ledgers(killed) == stages_in_ledgers(calm)
    assert set(stages_in_ledgers(killed).values()) == {1}
    open_killed = {(p.task_key, p.stage) for p in killed.forge.list_pull_requests("open")}
    open_calm = {(p.task_key, p.stage) for p in calm.forge.list_pull_requests("open")}
    assert open_killed == open_calm
    for repo in (calm, killed):
        check_quiescent(repo)
        check_pull_requests(repo)
        fsck(repo)
        assert main(["verify", str(repo.path)]) == 0
    check_claims_end(killed, ended)


# A writer inside a ref update, as the git store makes one: the ref's guard, then git's lock.
HOLD_MAIN = """
import sys, time
from pathlib import Path
from swarm.gitstore import MAIN, GitStore
store = GitStore.open(Path(sys.argv[1]))
with store._guard(MAIN), store._repo.transaction() as txn:
    txn.lock_ref(MAIN)
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_writer_killed_inside_a_ref_update_does_not_stop_the_next(tmp_path: Path) -> None:
    repo = example_repo(tmp_path / "repo")
    head = repo.git.resolve(MAIN)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_MAIN, str(repo.path)], stdout=subprocess.PIPE, env=env
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    holder.kill()
    holder.wait(timeout=30)
    lock = repo.path / "refs" / "heads" / "main.lock"
    assert lock.exists()  # what SIGKILL leaves behind
    assert repo.git.resolve(MAIN) == head

    lease = repo.settings().model_copy(update={"lease_seconds": 60})
    assert change_settings(repo, DEMO_HUMAN, lease, time.time()).merged
    assert not lock.exists()
    assert repo.settings().lease_seconds == 60
    assert verify(repo.git).ok
    fsck(repo)


def test_a_merge_cut_short_after_main_moved_is_finished_by_the_next_spawn(tmp_path: Path) -> None:
    """The one moment a kill can split a merge: main has moved, the forge still shows the pull
    request open, the claim is held and the issue shows the old state. The stage is past, so
    no stage run would look at that pull request again; the next spawn must finish it."""
    repo = example_repo(tmp_path / "repo")
    now = time.time()
    task = repo.task("1.1.1")
    assert task is not None
    # the research stage as the runtime runs it: claim, the offline agent's work, a proposal
    claim = claims.acquire(repo.git, task.id, "research", "research-1", 60, now)
    work = agents.build(Role.RESEARCH, offline=True).work(
        StageContext(repo).work_context(task, now)
    )
    changes: dict[str, bytes | None] = {
        **work.files,
        task_path(task.id, task.title): to_yaml(work.task).encode(),
        ledger_path(task.id): ledger_to_jsonl(work.ledger),
    }
    proposal = Proposal(task.id, "research", "research-1", work.summary, fence=claim.token)
    pr = propose(repo, proposal, changes, now)
    # the integrator's first half: judge, write the merge, move main; then it is killed
    base = repo.git.resolve(MAIN)
    assert base is not None
    verdict = judge(repo.git, base, pr.head_sha, pr.author, (), now)
    assert verdict.ok and verdict.tree is not None
    fields = {"Swarm-PR": pr.number, "Swarm-Task": task.id, "Swarm-Stage": "research"}
    fields |= {"Swarm-Agent": pr.author, "Swarm-Fence": claim.token}
    message = format_message(f"Merge #{pr.number}: {pr.title}", fields)
    merge_commit = repo.git.write_commit(
        verdict.tree,
        message,
        identity(pr.author, now),
        [base, pr.head_sha],
        committer=identity(INTEGRATOR, now),
    )
    repo.git.update_ref(MAIN, merge_commit, base)
    assert repo.forge.get_pull_request(pr.number).state == "open"
    issue = repo.forge.issue_by_key(task.id)
    assert issue is not None and "state:todo" in issue.labels

    report = spawn(repo.path, SpawnOptions(engine_spec("offline")), sleep=lambda _s: None)
    repo = open_repo(repo.path)
    finished = repo.forge.get_pull_request(pr.number)
    assert (finished.state, finished.merge_sha) == ("merged", merge_commit)
    assert merges(repo)[(task.id, "research")] == 1
    assert not any((r["task"], r["stage"]) == (task.id, "research") for r in report.results)
    record = claims.read(repo.git, task.id, "research")
    assert record is not None and not record.held
    issue = repo.forge.issue_by_key(task.id)
    assert issue is not None and "state:researched" not in issue.labels  # synced, and moved on
    check_quiescent(repo, report)
    check_pull_requests(repo)
