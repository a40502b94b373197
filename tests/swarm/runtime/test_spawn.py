"""The swarm end to end on real repositories: offline engine, luigi, the local forge."""

from __future__ import annotations

import subprocess
import time
from collections import Counter

import pytest

from planexe import read_plan
from swarm.cli.demo import example_plan_path
from swarm.forge.base import Review
from swarm.gitstore import MAIN
from swarm.materialize import materialize
from swarm.repo import open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.readiness import ready_stages
from swarm.runtime.spawn import SpawnOptions, spawn
from swarm.states import State
from swarm.trailers import parse
from swarm.verify import verify
from tests.shared_plans import PLANS, needs_shared_plans, plan_path

QUIET = {State.DONE, State.NEEDS_HUMAN, State.BLOCKED, State.CANCELLED}


def run_to_quiescence(plan, tmp_path, name="repo", **options):
    out = tmp_path / name
    materialize(plan, out, humans=("alice",))
    chosen = SpawnOptions(
        engine_spec("offline"), **({"research": 2, "compliance": 1, "executor": 4} | options)
    )
    report = spawn(out, chosen, sleep=lambda s: None)
    return open_repo(out), report


def git_lines(repo_dir, *args):
    done = subprocess.run(["git", "--git-dir", str(repo_dir), *args], capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode().splitlines()


def final_states(repo):
    return {t.id: (t.state, t.risk_tier, t.approval_required) for t in repo.tasks()}


def check_quiescent(repo, report) -> None:
    tasks = repo.tasks()
    open_prs = {pr.task_key for pr in repo.forge.list_pull_requests("open")}
    for t in tasks:
        waiting_for_approval = t.state is State.CLEARED and t.id in open_prs
        waiting_on_dep = t.state is State.CLEARED and any(
            d.state is not State.DONE for d in tasks if d.id in t.depends_on
        )
        assert t.state in QUIET or waiting_for_approval or waiting_on_dep, (t.id, t.state)
        assert t.state not in (State.TODO, State.RESEARCHED), t.id
    assert not report.luigi_failures
    assert verify(repo.git).ok
    # every (task, stage) was merged exactly once, each merge authored by its agent
    merges = Counter()
    for commit in repo.git.log_first_parent(MAIN):
        info = repo.git.commit_info(commit)
        if len(info.parents) == 2:
            t = parse(info.message)
            merges[(t["Swarm-Task"], t["Swarm-Stage"])] += 1
            assert info.author == t["Swarm-Agent"]
    assert merges and max(merges.values()) == 1
    for t in tasks:
        if t.state is State.NEEDS_HUMAN:
            issue = repo.forge.issue_by_key(t.id)
            assert issue is not None and "needs-human" in issue.labels
            assert "## Handoff" in issue.body


def test_example_plan_runs_to_quiescence_offline(tmp_path):
    # packing from the first loose object on: check_quiescent verifies a packed history
    repo, report = run_to_quiescence(read_plan(example_plan_path()), tmp_path, pack_at=1)
    check_quiescent(repo, report)
    assert report.packed is not None and report.packed.objects > 1000, report.packed
    # what stays loose is what no ref reaches (nothing the history needs)
    unreachable = git_lines(repo.path, "fsck", "--strict", "--unreachable", "--no-reflogs")
    assert report.packed.loose_after <= len(unreachable)
    # the pass moved all it could: nothing was ready after it, so no pass came to confirm that
    assert report.passes == 1, report.passes
    assert report.stopped.startswith("idle")
    assert ready_stages(repo.path, time.time()) == set()
    states = Counter(t.state for t in repo.tasks())
    assert states[State.DONE] > 0 and states[State.NEEDS_HUMAN] > 0
    log = subprocess.run(
        ["git", "-C", str(repo.path), "log", "--first-parent", "--format=%an", MAIN],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "research-1" in log and "executor-1" in log


def test_a_second_spawn_changes_nothing(tmp_path):
    repo, _ = run_to_quiescence(read_plan(example_plan_path()), tmp_path)
    head = repo.git.resolve(MAIN)
    again = spawn(repo.path, SpawnOptions(engine_spec("offline")), sleep=lambda s: None)
    assert repo.git.resolve(MAIN) == head
    assert not any(r["outcome"] == "merged" for r in again.results)


def test_one_agent_and_a_small_window_end_where_seven_agents_end(tmp_path):
    """One agent runs its stages in this process on luigi's local scheduler; seven run them in
    luigid's assistants; a window of 4 feeds luigid a few stages at a time. The same plan must
    end the same way in all three: the same states, each stage merged once."""
    plan = read_plan(example_plan_path())
    seven, _ = run_to_quiescence(plan, tmp_path, "seven")
    one, report_one = run_to_quiescence(plan, tmp_path, "one", workers=1)
    small, report_small = run_to_quiescence(plan, tmp_path, "small", window=4)
    for repo, report in ((one, report_one), (small, report_small)):
        check_quiescent(repo, report)
        assert final_states(repo) == final_states(seven)
    assert report_one.passes == report_small.passes == 1


def test_an_approval_makes_its_stage_ready_and_the_next_run_merges_it(tmp_path):
    repo, _ = run_to_quiescence(read_plan(example_plan_path()), tmp_path)
    waiting = repo.forge.list_pull_requests("open")
    assert waiting and ready_stages(repo.path, time.time()) == set()
    pr = waiting[0]
    repo.forge.add_review(Review(pr.number, "alice", "approved", pr.head_sha, ""))
    assert ready_stages(repo.path, time.time()) == {(pr.task_key, pr.stage)}
    report = spawn(repo.path, SpawnOptions(engine_spec("offline")), sleep=lambda s: None)
    merged = [r for r in report.results if r["outcome"] == "merged"]
    assert (pr.task_key, "execute") in {(r["task"], r["stage"]) for r in merged}
    assert repo.forge.get_pull_request(pr.number).state == "merged"


@needs_shared_plans
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PLANS))
def test_shared_plan_runs_to_quiescence_offline(name, tmp_path):
    repo, report = run_to_quiescence(read_plan(plan_path(name)), tmp_path)
    check_quiescent(repo, report)
