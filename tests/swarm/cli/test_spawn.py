"""`swarm spawn DIR`: the swarm on a materialized repository, offline, until only people can
move things."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from swarm import claims
from swarm.materialize import materialize
from swarm.repo import open_repo
from swarm.runtime.spawn import SpawnReport
from swarm.runtime.summary import final_summary
from tests.swarm.cli.cli_helpers import (
    HUMAN,
    Ran,
    assert_one_error_line,
    call,
    copy_repo,
    main_head,
    prs_json,
    run_swarm,
    swarm_env,
)

OPTIONS = [
    "--model",
    "--research",
    "--compliance",
    "--executor",
    "--until-idle / --one-pass",
    "--scheduler-url",
    "--json",
]


@dataclass(frozen=True)
class Spawned:
    path: Path
    ran: Ran
    summary: dict[str, Any]
    keys: set[str]  # what final_summary returns


@pytest.fixture(scope="module")
def spawned(example_plan, tmp_path_factory) -> Spawned:
    root = tmp_path_factory.mktemp("spawn")
    fresh = root / "fresh"
    materialize(example_plan, fresh, humans=(HUMAN,))
    repo = open_repo(fresh)
    keys = set(final_summary(repo, SpawnReport(run_id="keys"), 0.0))
    out = copy_repo(fresh, root)
    ran = run_swarm("spawn", out, "--model", "offline", "--json")
    summary = json.loads(ran.out) if ran.code == 0 else {}
    return Spawned(out, ran, summary, keys)


def test_spawn_json_has_the_summary_keys(spawned):
    assert spawned.ran.code == 0, spawned.ran.err
    assert spawned.ran.err == ""  # no live display when stderr is not a terminal
    assert set(spawned.summary) == spawned.keys
    s = spawned.summary
    assert s["merged"] > 0
    assert s["failed_stages"] == []
    assert s["luigi_failures"] == 0
    assert s["passes"] >= 1
    assert s["stopped"].startswith("idle")
    assert s["cost_usd"] == 0.0  # the offline engine costs nothing


def test_the_summary_matches_the_repository(spawned, capsys):
    s = spawned.summary
    status = json.loads(call(capsys, "status", spawned.path, "--json").out)
    assert s["states"] == {k: v for k, v in status["states"].items() if v}
    merged = [pr for pr in prs_json(capsys, spawned.path).values() if pr["state"] == "merged"]
    assert len(merged) == s["merged"]
    waiting = status["states"]["needs_human"] + status["states"]["blocked"]
    open_prs = [pr for pr in prs_json(capsys, spawned.path).values() if pr["state"] == "open"]
    assert len(s["people"]) == waiting + len(open_prs)
    assert call(capsys, "verify", spawned.path).code == 0


def test_a_second_spawn_changes_nothing(spawned, tmp_path, capsys):
    repo = copy_repo(spawned.path, tmp_path)
    head = main_head(repo)
    ran = call(capsys, "spawn", repo)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].startswith("Swarm stopped after 1 pass(es), ")
    assert lines[1] == "  pull requests merged: 0, cost $0.0000"
    assert sum(line.startswith("  waiting on people: ") for line in lines) == len(
        spawned.summary["people"]
    )
    assert main_head(repo) == head


def test_a_pull_request_approved_by_a_person_is_merged_by_the_next_spawn(spawned, tmp_path, capsys):
    repo = copy_repo(spawned.path, tmp_path)
    waiting = [pr for pr in prs_json(capsys, repo).values() if pr["state"] == "open"]
    assert waiting, "the example plan leaves pull requests awaiting approval"
    number = waiting[0]["number"]
    assert call(capsys, "approve", repo, number, "--as", HUMAN).code == 0
    ran = call(capsys, "spawn", repo, "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["merged"] >= 1
    assert prs_json(capsys, repo)[number]["state"] == "merged"


def test_spawn_help_lists_the_options(capsys):
    ran = call(capsys, "spawn", "--help")
    assert ran.code == 0
    assert ran.out.startswith("Usage: swarm spawn [OPTIONS] DIR")
    for option in OPTIONS:
        assert option in ran.out, option


def test_a_directory_that_is_not_a_repository_exits_2(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    ran = call(capsys, "spawn", tmp_path, "--model", "offline")
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.md"]
    ran = call(capsys, "spawn", tmp_path / "nowhere")
    assert ran.code == 2
    assert_one_error_line(ran.err, "nowhere", "no such directory")


def test_a_pool_size_must_be_a_number(spawned, capsys):
    ran = call(capsys, "spawn", spawned.path, "--executor", "many")
    assert ran.code == 2
    assert "Invalid value for '--executor'" in ran.err


@pytest.mark.slow
def test_ctrl_c_ends_the_whole_swarm_quietly_and_the_next_spawn_resumes(example_plan, tmp_path):
    """Ctrl-C reaches the whole process group (scheduler and workers too): the swarm ends
    them itself, exits 130 with one line, and leaves a repository that verifies and resumes."""
    out = tmp_path / "repo"
    materialize(example_plan, out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "swarm", "spawn", str(out), "--executor", "1"],
        env=swarm_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job is
        # a shell that runs a job in the background ignores SIGINT for it: undo that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    runs = out / "plan-swarm" / "runs"
    deadline = time.monotonic() + 60
    while not any(p.stat().st_size for p in runs.glob("*.jsonl")):  # a stage has ended
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    assert stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in stderr + stdout and "Process " not in stderr, stderr
    with pytest.raises(ProcessLookupError):  # nothing of the swarm is left running
        os.killpg(proc.pid, 0)
    # the interrupted stages gave their claims up (the lease is 15 minutes): only a pull
    # request waiting for a person keeps one
    repo = open_repo(out)
    waiting = {(pr.task_key, pr.stage) for pr in repo.forge.list_pull_requests("open")}
    held = {(c.task, c.stage) for c in claims.list_claims(repo.git) if c.held}
    assert held <= waiting
    assert run_swarm("verify", out).code == 0
    assert run_swarm("spawn", out).code == 0
    assert run_swarm("verify", out).code == 0
