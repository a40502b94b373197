"""`swarm status DIR`: counts per state from main; a clear refusal for anything else."""

from __future__ import annotations

import json
import subprocess

from swarm.states import ORDER
from tests.swarm.cli.cli_helpers import assert_one_error_line, call, run_swarm, snapshot

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
