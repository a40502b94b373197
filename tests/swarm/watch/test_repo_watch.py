"""The repository watcher in-process on a settled swarm: people approve (one right after a
run's last pass, one while it waits), it runs exactly when that can move things, never for its
own writes, and stops when asked."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from swarm.cli import main
from swarm.cli.demo import DEMO_HUMAN
from swarm.repo import open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions
from swarm.states import State
from swarm.watch.repo_watch import Run, _matters, watch_repo
from swarm.watch.stop import StopSignals

OFFLINE = SpawnOptions(engine_spec("offline"))
QUIET_S = 2.0  # how long the watcher is watched doing nothing after the last run


def approve(repo_dir: Path, number: int) -> None:
    assert main(["approve", str(repo_dir), str(number), "--as", DEMO_HUMAN]) == 0


def test_people_move_things_and_the_watcher_runs_only_then(settled_repo: Path) -> None:
    repo = open_repo(settled_repo)
    with repo.forge as forge:
        first, second = sorted(forge.list_pull_requests("open"), key=lambda p: p.number)
    stop = StopSignals()  # not installed: the test asks for the stop itself
    runs: list[Run] = []
    ran = threading.Event()

    def on_run(run: Run) -> None:
        runs.append(run)
        if run.number == 1:
            # right after the run's last pass, before the watcher looks again: a watcher that
            # took the fingerprint now as "settled" would never see this approval
            approve(settled_repo, first.number)
        ran.set()

    def person() -> None:
        try:
            for wanted in (2, 3):
                deadline = time.monotonic() + 90
                while len(runs) < wanted and time.monotonic() < deadline:
                    ran.wait(0.5)
                    ran.clear()
                if wanted == 2:
                    time.sleep(1.0)  # the watcher has settled and waits
                    approve(settled_repo, second.number)
            time.sleep(QUIET_S)
        finally:
            stop.count += 1

    helper = threading.Thread(target=person)
    helper.start()
    try:
        count = watch_repo(settled_repo, OFFLINE, stop, on_run, debounce=0.3)
    finally:
        stop.count += 1
        helper.join(timeout=120)
    told = [(r.number, r.trigger, r.report.outcomes) for r in runs]
    assert count == len(runs) == 3, told  # none for the swarm's own writes
    assert [r.trigger for r in runs[:2]] == ["start", "a change during the last pass"], told
    assert runs[2].trigger in ("a change", "a change during the last pass"), told
    assert not runs[0].report.outcomes["merged"]  # the swarm had settled before
    assert runs[1].report.outcomes["merged"] >= 1 and runs[2].report.outcomes["merged"] >= 1
    repo = open_repo(settled_repo)
    with repo.forge as forge:
        assert forge.get_pull_request(first.number).state == "merged"
        assert forge.get_pull_request(second.number).state == "merged"
    for pr in (first, second):
        task = repo.task(pr.task_key)
        assert task is not None and task.state is State.DONE


def test_a_stop_before_the_first_pass_runs_nothing(settled_repo: Path) -> None:
    stop = StopSignals()
    stop.count = 1
    assert watch_repo(settled_repo, OFFLINE, stop) == 0


@pytest.mark.parametrize(
    ("path", "kind", "matters"),
    [
        ("refs/heads/swarm/1.2.3/human", "moved", True),
        ("refs/heads/swarm/1.2.3/human", "created", True),
        ("refs/heads/swarm/1.2.3/human.lock", "created", False),
        ("refs/swarm/claims/1.2.3/execute", "deleted", True),
        ("refs/heads/main", "closed", False),
        ("packed-refs", "moved", True),
        ("packed-refs.lock", "created", False),
        ("HEAD", "modified", False),
        ("config", "modified", False),
        ("plan-swarm/forge.sqlite3-wal", "modified", True),
        ("plan-swarm/forge.sqlite3", "modified", True),
        ("plan-swarm/forge.sqlite3-wal", "created", False),  # a reader opening the store
        ("plan-swarm/forge.sqlite3-wal", "deleted", False),  # the last reader closing it
        ("plan-swarm/forge.sqlite3-shm", "modified", False),
        ("plan-swarm/llm-cache.sqlite3-wal", "modified", False),
        ("plan-swarm/runs/x.jsonl", "modified", False),
    ],
)
def test_what_wakes_the_watcher(tmp_path: Path, path: str, kind: str, matters: bool) -> None:
    assert _matters(tmp_path, kind, tmp_path / path) is matters
