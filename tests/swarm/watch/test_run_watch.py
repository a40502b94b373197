"""Waiting for a PlanExe run to finish, built piece by piece in a real folder while a real
observer watches it, then materializing it exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from planexe import read_plan
from swarm.errors import EXIT_BAD_INPUT, EXIT_FAILED_CHECK, SwarmError
from swarm.gitstore import MAIN
from swarm.materialize import materialize
from swarm.repo import open_repo
from swarm.watch.run_watch import Finished, check_paths, materialize_once, wait_until_finished
from tests.swarm.cli.cli_helpers import snapshot
from tests.swarm.watch.helpers import (
    MARKER,
    REPORTS,
    example_files,
    is_wbs,
    split,
    write_files,
    write_slowly,
)

FULL = "wbs_project_level1_and_level2_and_level3.json"
SETTLE = 0.4
TASKS = 35  # detailed tasks of the example plan


@contextmanager
def writing(target: Callable[[], None]) -> Iterator[list[float]]:
    """Run the writer in a thread; yields a list that holds when it finished writing."""
    done: list[float] = []

    def run() -> None:
        target()
        done.append(time.monotonic())

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield done
    finally:
        thread.join(timeout=30)


def wait(run: Path, timeout: float = 30, say: Callable[[str], None] = lambda _m: None) -> Finished:
    finished = wait_until_finished(run, SETTLE, timeout, lambda: False, say)
    assert finished is not None
    return finished


def test_the_marker_written_last_finishes_the_run(tmp_path: Path) -> None:
    files = example_files()
    wbs = [n for n in files if is_wbs(n)]
    pieces = split(files, REPORTS, wbs, [MARKER])
    pieces.pop(1)  # no report: only the marker can finish this run
    run = tmp_path / "run"
    run.mkdir()
    said: list[str] = []

    def writer() -> None:
        for piece in pieces:
            time.sleep(SETTLE * 2)  # each piece alone would be quiet long enough
            write_files(run, piece)

    with writing(writer) as done:
        finished = wait(run, say=said.append)
        assert done, "read before the writer had finished"
    assert finished.reason == "completion marker"
    assert len(finished.plan.detailed_tasks) == TASKS
    assert finished.plan.source.digest == read_plan(run).source.digest
    assert any("no plan files yet" in m for m in said)
    assert any("no completion marker" in m for m in said)


def test_a_wbs_written_last_and_slowly_is_read_only_when_complete(tmp_path: Path) -> None:
    """No marker (as in curated runs): a report and a WBS finish the run, but a WBS file
    still being written must be waited for, not read half-written."""
    files = example_files()
    del files[MARKER]
    wbs = [FULL, *sorted(n for n in files if is_wbs(n) and n != FULL)]
    first, _ = split(files, wbs)
    run = tmp_path / "run"
    run.mkdir()
    write_files(run, first)  # the report is there from the start

    def writer() -> None:
        # the WBS the reader reads first, in parts half a settle window apart: while it is
        # invalid JSON the run already looks finished (a report and a WBS)
        write_slowly(run / FULL, files[FULL], parts=4, pause=SETTLE / 2)
        for name in wbs[1:]:
            time.sleep(SETTLE / 8)
            write_files(run, {name: files[name]})

    with writing(writer) as done:
        finished = wait(run)
        assert done, "read before the writer had finished"
    assert finished.reason == "report and work breakdown"
    assert len(finished.plan.detailed_tasks) == TASKS
    assert finished.plan.source.digest == read_plan(run).source.digest


def test_a_finished_run_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    files = example_files()
    files[FULL] = files[FULL][:100]  # cut off for good
    run = tmp_path / "run"
    run.mkdir()
    write_files(run, files)
    before = snapshot(tmp_path)
    with pytest.raises(SwarmError) as caught:
        wait(run)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    message = caught.value.message
    assert str(run / FULL) in message
    assert "finished, by its completion marker, but cannot be read" in message
    assert snapshot(tmp_path) == before


def test_a_folder_of_other_files_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a plan\n")
    started = time.monotonic()
    with pytest.raises(SwarmError, match="not a PlanExe run folder"):
        wait(tmp_path)
    assert time.monotonic() - started < SETTLE


def test_a_run_that_never_finishes_times_out(tmp_path: Path) -> None:
    write_files(tmp_path, {"plan.txt": example_files()["plan.txt"]})
    with pytest.raises(SwarmError) as caught:
        wait(tmp_path, timeout=0.5)
    assert caught.value.exit_code == EXIT_FAILED_CHECK
    assert "not finished after 0.5 s" in caught.value.message
    assert "no completion marker" in caught.value.message


def test_a_stop_ends_the_wait(tmp_path: Path) -> None:
    assert wait_until_finished(tmp_path, SETTLE, None, lambda: True) is None


def test_materialize_once_does_nothing_the_second_time(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    write_files(run, example_files())
    plan = read_plan(run)
    out = tmp_path / "repo"
    result = materialize_once(plan, out, ("alice",))
    assert result is not None and result.fresh
    before = snapshot(out)
    assert materialize_once(read_plan(run), out, ("alice",)) is None
    assert snapshot(out) == before
    repo = open_repo(out)
    repo.forge.close()
    assert repo.git.resolve(MAIN) == result.commit
    # the same commit `swarm materialize` makes of the example plan's own folder
    reference = materialize(read_plan(run), tmp_path / "reference", ("alice",))
    assert reference.commit == result.commit


def test_materialize_once_refuses_another_plan(tmp_path: Path) -> None:
    files = example_files()
    run = tmp_path / "run"
    run.mkdir()
    write_files(run, files)
    out = tmp_path / "repo"
    assert materialize_once(read_plan(run), out) is not None
    (run / "plan.txt").write_bytes(files["plan.txt"] + b"\nOne more line.\n")
    with pytest.raises(SwarmError, match="holds another version of this plan"):
        materialize_once(read_plan(run), out)


@pytest.mark.parametrize(
    ("make", "out", "fragment"),
    [
        (lambda t: t / "missing", "out", "does not exist"),
        (lambda t: (t / "f.zip").write_bytes(b"PK") and t / "f.zip", "out", "is not a folder"),
        (lambda t: t, "run-sub", "--out must lie outside the run folder"),
        (lambda t: t / "run", "full", "is not empty and is not a plan-swarm repository"),
        (lambda t: t / "run", "no/such/out", "no such directory"),
    ],
)
def test_check_paths_refuses_what_could_never_work(
    tmp_path: Path, make: Callable[[Path], Path], out: str, fragment: str
) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    run = make(tmp_path)
    target = run / "sub" if out == "run-sub" else tmp_path / out
    with pytest.raises(SwarmError, match=fragment):
        check_paths(run, target)
