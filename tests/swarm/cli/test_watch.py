"""`swarm watch`: a PlanExe run folder materialized once it has finished, and a repository
watched while a person acts, as real processes; and the refusals, each one line and exit 2."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from planexe import read_plan
from swarm.cli.demo import DEMO_HUMAN, example_plan_path
from swarm.gitstore import MAIN
from swarm.materialize import materialize
from swarm.repo import open_repo
from swarm.states import State
from tests.swarm.cli.cli_helpers import (
    BAD_INPUTS,
    assert_one_error_line,
    call,
    main_head,
    run_swarm,
    snapshot,
)
from tests.swarm.runtime.invariants import merges
from tests.swarm.watch.helpers import MARKER, REPORTS, example_files, is_wbs, split, watcher

SETTLE = "0.3"
#: the bad inputs that are folders: finished (they hold the marker) and unreadable
FOLDER_CASES = [
    "folder-symlink",
    "wbs-missing",
    "wbs-malformed",
    "wbs-duplicate-ids",
    "dependency-cycle",
    "non-utf8",
    "file-over-limit",
]


# --------------------------------------------------------------------------- a PlanExe run


def test_a_run_is_materialized_once_it_has_finished_and_only_once(tmp_path: Path) -> None:
    files = example_files()
    pieces = split(files, REPORTS, [n for n in files if is_wbs(n)], [MARKER])
    del pieces[1]  # no report: the marker, written last, is what finishes this run
    run, out = tmp_path / "run", tmp_path / "repo"
    run.mkdir()
    with watcher(run, "--out", out, "--settle", SETTLE, "--timeout", "120") as watching:
        watching.wait_for("waiting for .* to finish: it holds no plan files yet", 60)
        for piece in pieces:
            time.sleep(1.0)  # over three settle windows: each piece alone looks quiet
            assert not out.exists(), watching.output
            assert watching.running(), watching.output
            for name, data in piece.items():
                (run / name).write_bytes(data)
        assert watching.wait(60) == 0, watching.output
    assert "has finished (completion marker)" in watching.output
    assert "Materialized 'Leipzig Bike Workshop'" in watching.output
    # what `swarm materialize` makes of the finished folder: the very same commit
    reference = materialize(read_plan(run), tmp_path / "reference")
    assert main_head(out) == reference.commit

    # restarted (by a supervisor, after a crash): it finds the repository made and does nothing
    before = snapshot(out)
    again = run_swarm("watch", run, "--out", out, "--settle", SETTLE)
    assert again.code == 0, again.err
    assert "already holds 'Leipzig Bike Workshop' from this run: nothing to do" in again.out
    assert snapshot(out) == before


@pytest.mark.parametrize("case", FOLDER_CASES)
def test_a_finished_run_that_cannot_be_read_is_refused(
    case: str, bad_inputs: dict[str, Path], tmp_path: Path, capsys
) -> None:
    plan = bad_inputs[case]
    out = tmp_path / "out"
    before, plan_before = snapshot(tmp_path), snapshot(plan, content=False)
    ran = call(capsys, "watch", plan, "--out", out, "--settle", "0.05", "--timeout", "30")
    assert ran.code == 2, ran.err
    assert ran.out == ""
    error = ran.err.splitlines()[-1] + "\n"  # after the waiting notes
    assert_one_error_line(error, *BAD_INPUTS[case][1], "the run has finished")
    assert snapshot(tmp_path) == before
    assert snapshot(plan, content=False) == plan_before


def _not_a_run(root: Path) -> Path:
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("not a plan\n")
    return root / "notes"


def _empty_run(root: Path) -> Path:
    (root / "run").mkdir()
    return root / "run"


def _a_file(root: Path) -> Path:
    (root / "plan.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    return root / "plan.zip"


@pytest.mark.parametrize(
    ("make", "out", "fragments"),
    [
        (lambda r: r / "missing", "out", ("missing", "does not exist")),
        (_a_file, "out", ("plan.zip", "is not a folder", "swarm materialize")),
        (_not_a_run, "out", ("notes", "not a PlanExe run folder", "none of its 1 files")),
        (lambda r: r, "inside", ("--out must lie outside the run folder",)),
        (_empty_run, "taken", ("taken", "is not a plan-swarm repository")),
    ],
    ids=["missing", "a-file", "not-a-run", "out-inside", "out-taken"],
)
def test_what_could_never_work_is_refused_at_once(make, out, fragments, tmp_path, capsys):
    root = tmp_path / "work"
    root.mkdir()
    (root / "taken").mkdir()
    (root / "taken" / "x").write_text("x")
    run = make(root)
    target = run / "repo" if out == "inside" else root / out
    before = snapshot(tmp_path)
    started = time.monotonic()
    ran = call(capsys, "watch", run, "--out", target)
    assert ran.code == 2
    assert_one_error_line(ran.err, *fragments)
    assert time.monotonic() - started < 2  # no waiting first (the default settle is 2 s)
    assert snapshot(tmp_path) == before


def test_a_run_that_never_finishes_times_out(tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "plan.txt").write_bytes(example_files()["plan.txt"])
    ran = call(capsys, "watch", run, "--out", tmp_path / "out", "--timeout", "0.5")
    assert ran.code == 1
    error = ran.err.splitlines()[-1] + "\n"
    assert_one_error_line(error, str(run), "not finished after 0.5 s", "nothing was materialized")
    assert not (tmp_path / "out").exists()


def test_a_signal_while_waiting_exits_130_with_nothing_made(tmp_path: Path) -> None:
    run, out = tmp_path / "run", tmp_path / "out"
    run.mkdir()
    with watcher(run, "--out", out) as watching:
        watching.wait_for("waiting for", 60)
        assert watching.stop(signal.SIGTERM) == 130
    assert "stopped waiting" in watching.output and "Traceback" not in watching.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--out", "OUT", "--research", "1"], "--research cannot be used with --out"),
        (["--out", "OUT", "--debounce", "1"], "--debounce cannot be used with --out"),
        (["--settle", "1"], "--settle cannot be used without --out"),
        (["--human", "alice", "--timeout", "3"], "--human, --timeout cannot be used without"),
        (["--out", "OUT", "--poll", "1"], "--poll cannot be used with --out"),
        (["--repo", "acme/bike"], "--repo cannot be used without --out"),
        (["--out", "OUT", "--forge", "github"], "--forge github needs --repo OWNER/NAME"),
        (["--out", "OUT", "--repo", "acme/bike"], "--repo goes with --forge github"),
        (["--out", "OUT", "--forge", "gitlab"], "'gitlab' is not one of 'local', 'github'"),
    ],
)
def test_options_of_the_other_form_are_usage_errors(args, fragment, tmp_path, capsys) -> None:
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    ran = call(capsys, "watch", tmp_path, *argv)
    assert ran.code == 2
    assert fragment in ran.err, ran.err
    assert not (tmp_path / "out").exists()


def test_github_without_a_token_is_refused_before_any_waiting(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    (tmp_path / "run").mkdir()  # a run that has not even started: no waiting for it
    out = tmp_path / "out"
    github = ("--forge", "github", "--repo", "a/b")
    ran = call(capsys, "watch", tmp_path / "run", "--out", out, *github)
    assert ran.code == 2
    assert_one_error_line(ran.err, "needs a token", "GITHUB_TOKEN")
    assert not out.exists()


def test_polling_a_local_repository_is_refused(tmp_path: Path, capsys) -> None:
    repo_dir = tmp_path / "repo"
    materialize(read_plan(example_plan_path()), repo_dir)
    before = snapshot(repo_dir)
    ran = call(capsys, "watch", repo_dir, "--poll", "5")
    assert ran.code == 2
    assert "--poll is for a mirror of a GitHub repository" in ran.err, ran.err
    assert "Watching" not in ran.out
    assert snapshot(repo_dir) == before


def test_a_run_folder_without_out_is_pointed_to_the_right_form(tmp_path: Path, capsys) -> None:
    (tmp_path / "plan.txt").write_bytes(example_files()["plan.txt"])
    ran = call(capsys, "watch", tmp_path)
    assert ran.code == 2
    assert_one_error_line(ran.err, "a PlanExe run folder", "swarm watch RUN --out DIR")


def test_a_folder_that_is_no_repository_is_refused(tmp_path: Path, capsys) -> None:
    ran = call(capsys, "watch", tmp_path)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository")


# --------------------------------------------------------------------------- a repository


@pytest.mark.slow
def test_the_watcher_runs_the_swarm_when_a_person_acts(tmp_path: Path) -> None:
    repo_dir = tmp_path / "repo"
    made = run_swarm("materialize", example_plan_path(), "--out", repo_dir, "--human", DEMO_HUMAN)
    assert made.code == 0, made.err
    evidence = tmp_path / "minutes.txt"
    evidence.write_text("The founding meeting's minutes, signed.\n")
    person = ("1.2.2", "1.2.3")  # phase 1's tasks for a person
    unblocked = {"2.1.1", "4.1.1", "4.1.2"}  # the agents' tasks that wait on them
    with watcher(repo_dir) as watching:
        # the first run carries the plan as far as agents can, then the watcher waits
        watching.wait_for(r"run 1 \(start\):.* merged.*idle", 180)
        states = {t.id: t.state for t in open_repo_tasks(repo_dir)}
        assert all(states[t] is State.NEEDS_HUMAN for t in person), states
        assert all(states[t] is State.CLEARED for t in unblocked), states
        assert not unblocked & executed(repo_dir)
        # the run's own writes woke the watcher: none of them starts another run
        watching.wait_quiet(2.0, 60)
        assert "run 2" not in watching.output, watching.output

        head = main_head(repo_dir)
        for task in person:
            done = run_swarm(
                "human", "done", repo_dir, task, "--evidence", evidence, "--as", DEMO_HUMAN
            )
            assert done.code == 0, done.err
        watching.wait_for(r"run \d+ \(a change\):", 120)
        deadline = time.monotonic() + 120
        while not unblocked & executed(repo_dir) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert unblocked & executed(repo_dir), watching.output  # a dependent task went on
        assert main_head(repo_dir) != head
        assert watching.stop(signal.SIGTERM) == 0, watching.output
    assert "Stopped watching" in watching.output
    assert "Traceback" not in watching.output
    verified = run_swarm("verify", repo_dir)
    assert verified.code == 0, verified.out + verified.err


def open_repo_tasks(repo_dir: Path):
    repo = open_repo(repo_dir)
    repo.forge.close()
    return repo.tasks(MAIN)


def merges_of(repo_dir: Path, stage: str) -> list[tuple[str, str]]:
    repo = open_repo(repo_dir)
    repo.forge.close()
    return [key for key in merges(repo) if key[1] == stage]


def executed(repo_dir: Path) -> set[str]:
    return {task for task, _ in merges_of(repo_dir, "execute")}
