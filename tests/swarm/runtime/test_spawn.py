"""The swarm end to end on real repositories: offline engine, luigi, the local forge."""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest

from planexe import read_plan
from swarm.cli.demo import example_plan_path
from swarm.gitstore import MAIN
from swarm.materialize import materialize
from swarm.repo import open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions, spawn
from swarm.states import State
from swarm.trailers import parse
from swarm.verify import verify
from tests.shared_plans import PLANS, needs_shared_plans, plan_path

QUIET = {State.DONE, State.NEEDS_HUMAN, State.BLOCKED, State.CANCELLED}


def run_to_quiescence(plan, tmp_path, **pools):
    out = tmp_path / "repo"
    materialize(plan, out, humans=("alice",))
    options = SpawnOptions(
        engine_spec("offline"), **({"research": 2, "compliance": 1, "executor": 4} | pools)
    )
    report = spawn(out, options, sleep=lambda s: None)
    return open_repo(out), report


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
    repo, report = run_to_quiescence(read_plan(example_plan_path()), tmp_path)
    check_quiescent(repo, report)
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


@needs_shared_plans
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PLANS))
def test_shared_plan_runs_to_quiescence_offline(name, tmp_path):
    repo, report = run_to_quiescence(read_plan(plan_path(name)), tmp_path)
    check_quiescent(repo, report)
