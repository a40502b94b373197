"""`swarm status DIR`: counts per state from main; a clear refusal for anything else."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from planexe import read_plan
from swarm import claims
from swarm.cli.demo import example_plan_path
from swarm.cli.status import gather
from swarm.gitstore import MAIN, Identity
from swarm.layout import task_path
from swarm.materialize import materialize
from swarm.repo import Repo, open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions, spawn
from swarm.states import ORDER, STAGE_OF, State
from swarm.status import per_task, ready, schedule_progress, summarize
from swarm.task import to_yaml
from tests.swarm.cli.cli_helpers import (
    assert_one_error_line,
    call,
    run_swarm,
    snapshot,
    swarm_env,
)

STATES = [s.value for s in ORDER]


def test_status_json_prints_the_documented_keys(example_plan, example_repo):
    ran = run_swarm("status", example_repo, "--json")
    assert ran.code == 0, ran.err
    assert ran.err == ""
    data = json.loads(ran.out)
    assert set(data) == {
        "title",
        "tasks",
        "finished",
        "states",
        "phases",
        "ready",
        "claimed",
        "in_review",
        "cost_usd",
        "schedule",
    }
    assert (data["ready"], data["claimed"], data["in_review"], data["cost_usd"]) == (
        [],
        [],
        [],
        0.0,
    )
    assert set(data["schedule"]) == {"today", "planned_done_by_today", "done", "behind"}
    tasks = len(example_plan.detailed_tasks)
    assert (data["title"], data["tasks"], data["finished"]) == (example_plan.title, tasks, 0)
    assert list(data["states"]) == STATES
    assert data["states"]["todo"] == tasks
    assert [p["code"] for p in data["phases"]] == [p.code for p in example_plan.phases]
    for phase in data["phases"]:
        assert set(phase) == {"code", "title", "states", "tasks"}
        assert sum(phase["states"].values()) == phase["tasks"]
    assert sum(p["tasks"] for p in data["phases"]) == tasks


def test_status_text_shows_progress_and_a_row_per_phase(example_plan, example_repo, capsys):
    ran = call(capsys, "status", example_repo)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    tasks = len(example_plan.detailed_tasks)
    assert lines[0] == f"{example_plan.title}: 0 of {tasks} tasks finished"
    assert lines[1].split() == ["phase", *[s[:10] for s in STATES]]
    assert len(lines) == 2 + len(example_plan.phases) + 1 + 2
    assert lines[-3].split() == ["all", str(tasks)] + ["0"] * (len(STATES) - 1)
    assert lines[-2].startswith("  ready: 0, claimed: 0, in review: 0, cost so far: $0.0000")
    assert lines[-1].startswith("  schedule (")


def test_status_reads_without_changing_the_repository(example_repo, capsys):
    before = snapshot(example_repo)
    assert call(capsys, "status", example_repo).code == 0
    assert call(capsys, "status", example_repo, "--json").code == 0
    assert snapshot(example_repo) == before  # no forge connection (nor -wal/-shm) left open


def test_status_of_a_directory_that_is_not_a_repository(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    ran = call(capsys, "status", tmp_path)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository", "materialize")


def test_status_of_a_plain_bare_git_repository(tmp_path):
    bare = tmp_path / "plain.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    ran = run_swarm("status", bare)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(bare), "not a plan-swarm repository")


def test_status_of_a_missing_directory(tmp_path, capsys):
    ran = call(capsys, "status", tmp_path / "nowhere")
    assert ran.code == 2
    assert_one_error_line(ran.err, "nowhere", "no such directory")


def test_status_with_a_corrupt_forge_store_names_the_file(example_repo, capsys):
    store = example_repo / "plan-swarm" / "forge.sqlite3"
    store.write_bytes(b"this is not a database" * 100)
    ran = call(capsys, "status", example_repo)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(store), "not a plan-swarm forge store")


# --- what status shows is main's task files, however main got there ---------------------------


@pytest.fixture(scope="module")
def run_repo(tmp_path_factory) -> Path:
    """The example plan after a swarm run (shared: tests must not change it)."""
    out = tmp_path_factory.mktemp("status") / "repo"
    materialize(read_plan(example_plan_path()), out, humans=("alice",))
    spawn(out, SpawnOptions(engine_spec("offline")), sleep=lambda _s: None)
    return out


def slow_status(repo: Repo, today: dt.date, now: float) -> dict[str, Any]:
    """What status showed before the task index: every task file parsed, every claim read."""
    tasks = repo.tasks()
    current = {t.id: STAGE_OF.get(t.state) for t in tasks}
    live = {
        c.task: c.agent
        for c in claims.list_claims(repo.git)
        if c.live(now) and current[c.task] == c.stage
    }
    review = {pr.task_key: pr.number for pr in repo.forge.list_pull_requests("open")}
    issues = {i.key: i.number for i in repo.forge.list_issues()}
    return {
        **summarize(tasks),
        "ready": ready(tasks),
        "claimed": sorted(live),
        "in_review": sorted(review),
        "schedule": schedule_progress(tasks, today),
        "task_list": per_task(tasks, live, review, issues),
    }


def test_status_after_a_run_is_what_the_task_files_say(run_repo):
    today, now = dt.date(2031, 1, 1), time.time()
    slow = slow_status(open_repo(run_repo), today, now)
    fast = gather(open_repo(run_repo), today, now)
    assert {k: fast[k] for k in slow} == slow
    # a run that got somewhere, with pull requests whose claims are live
    assert fast["in_review"] and fast["finished"] and fast["claimed"]


def test_status_shows_a_change_made_outside_the_swarm_at_once(example_repo, capsys):
    repo = open_repo(example_repo)
    first = repo.tasks()[0]
    blocked = first.model_copy(update={"state": State.BLOCKED, "blocked_reason": "by hand"})
    base = repo.git.resolve(MAIN)
    assert base is not None
    tree = repo.git.apply(base, {task_path(first.id, first.title): to_yaml(blocked).encode()})
    who = Identity("someone", "someone@example.invalid")
    repo.git.commit(MAIN, tree, "by hand", who, [base], base)
    data = json.loads(call(capsys, "status", example_repo, "--json", "--tasks").out)
    assert data["states"]["blocked"] == 1
    [row] = [t for t in data["task_list"] if t["id"] == first.id]
    assert row["state"] == "blocked" and row["waiting_on"] == "a person to unblock: by hand"


def test_status_shows_who_holds_a_live_claim_on_a_task_s_current_stage(example_repo, capsys):
    repo = open_repo(example_repo)
    first, second = repo.tasks()[:2]
    now = time.time()
    claims.acquire(repo.git, first.id, "research", "research-7", 600, now)
    claims.acquire(repo.git, second.id, "compliance", "compliance-7", 600, now)  # not its stage
    released = claims.acquire(repo.git, repo.tasks()[2].id, "research", "research-8", 600, now)
    claims.release(repo.git, released, "research-8", now)
    data = json.loads(call(capsys, "status", example_repo, "--json", "--tasks").out)
    assert data["claimed"] == [first.id]
    assert [t["claimed_by"] for t in data["task_list"][:3]] == ["research-7", None, None]


def test_status_reads_claims_git_has_packed(example_repo, capsys):
    repo = open_repo(example_repo)
    first = repo.tasks()[0]
    claims.acquire(repo.git, first.id, "research", "research-7", 600, time.time())
    subprocess.run(["git", "pack-refs", "--all"], cwd=example_repo, check=True)
    shutil.rmtree(example_repo / "refs" / "swarm", ignore_errors=True)  # what git left empty
    data = json.loads(call(capsys, "status", example_repo, "--json").out)
    assert data["claimed"] == [first.id]


# --- what the command loads -------------------------------------------------------------------

# Packages and modules `swarm status` has no use for. Each costs tens of milliseconds to import,
# and the whole command has half a second on a 10,000-task plan (status_10k_s, bench/scale.py).
NOT_FOR_STATUS = (
    "agents",
    "github",  # PyGithub
    "jsonschema",
    "litellm",
    "luigi",
    "openapi_core",
    "planexe.model",  # the plan is read at materialize; status reads the repository
    "planexe.reader",
    "pydantic",  # the task files are in the index, and the title is read without the model
    "swarm.gates",
    "swarm.settings",
    "swarm.task",
    "swarm.llm.client",
    "swarm.runtime",
    "swarm.watch",
    "watchdog",
)
LIST_MODULES = """
import sys
from swarm.cli import main
code = main(sys.argv[1:])
print(*sorted(sys.modules), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("flags", [[], ["--json", "--tasks"]], ids=["text", "json-tasks"])
def test_status_loads_none_of_what_it_does_not_need(example_repo, flags):
    done = subprocess.run(
        [sys.executable, "-c", LIST_MODULES, "status", str(example_repo), *flags],
        env=swarm_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.split()
    assert "swarm.cli.status" in loaded
    unwanted = [m for m in loaded if any(m == p or m.startswith(f"{p}.") for p in NOT_FOR_STATUS)]
    assert unwanted == []
