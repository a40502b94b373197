"""Feeding stages to luigi's scheduler: each once, each after what it waits for, never more
than a window unfinished, and a pass that ends when a stage raised instead of waiting for
what can never run. On luigi's own scheduler in this process, with a luigi worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import luigi
import luigi.scheduler
import luigi.worker

from swarm.runtime.feeder import feed, feeder_id
from swarm.runtime.scheduler import configure
from swarm.runtime.stages import Stage

RAN: list[str] = []
FAIL: set[str] = set()


class Step(luigi.Task):
    """A stand-in for a stage: it records that it ran, or raises if asked to."""

    name = luigi.Parameter()

    def run(self) -> None:
        if self.name in FAIL:
            raise RuntimeError(f"{self.name} fails")
        RAN.append(self.name)

    def complete(self) -> bool:
        return self.name in RAN


@dataclass
class Tally:
    added: list[str] = field(default_factory=list)
    unfinished_at_run: list[int] = field(default_factory=list)

    def make(self, stage: Stage) -> Step:
        self.added.append(stage.task)
        return Step(name=stage.task)  # type: ignore[no-untyped-call]


def chain_and_fan(n: int) -> list[Stage]:
    """n tasks: the even ones a chain (t2 after t0, t4 after t2…), the odd ones free."""
    out = []
    for i in range(n):
        after = ((f"t{i - 2}", "execute"),) if i % 2 == 0 and i else ()
        out.append(Stage(f"t{i}", "execute", after))
    return out


def run_feed(stages: list[Stage], window: int, tally: Tally, state_dir: Path) -> None:
    configure({}, state_dir)
    scheduler = luigi.scheduler.Scheduler()  # type: ignore[no-untyped-call]
    me = feeder_id()
    worker = luigi.worker.Worker(  # type: ignore[no-untyped-call]
        scheduler=scheduler, worker_id=me, worker_processes=1, keep_alive=False
    )

    def run() -> None:
        before = len(RAN)
        worker.run()
        # everything added and not run before this round was unfinished when the round began
        tally.unfinished_at_run.append(len(tally.added) - before - _failed(tally))

    with worker:
        feed(scheduler, stages, tally.make, run, window, me)


def _failed(tally: Tally) -> int:
    return sum(1 for name in tally.added if name in FAIL)


def setup_function() -> None:
    RAN.clear()
    FAIL.clear()


def test_every_stage_runs_once_after_what_it_waits_for(tmp_path):
    stages = chain_and_fan(40)
    tally = Tally()
    run_feed(stages, window=1000, tally=tally, state_dir=tmp_path)
    assert sorted(RAN) == sorted(s.task for s in stages)
    position = {name: n for n, name in enumerate(RAN)}
    for s in stages:
        assert all(position[k[0]] < position[s.task] for k in s.after)


def test_never_more_than_a_window_is_unfinished(tmp_path):
    stages = chain_and_fan(50)
    tally = Tally()
    run_feed(stages, window=7, tally=tally, state_dir=tmp_path)
    assert sorted(RAN) == sorted(s.task for s in stages)
    assert tally.unfinished_at_run and max(tally.unfinished_at_run) <= 7
    assert len(tally.unfinished_at_run) >= 50 // 7  # fed a window at a time


def test_a_stage_that_raises_ends_the_pass_without_what_waits_for_it(tmp_path):
    stages = chain_and_fan(10)
    FAIL.add("t4")
    run_feed(stages, window=3, tally=Tally(), state_dir=tmp_path)
    # t4 raised: t6 waits for it, t8 for t6; the rest ran
    assert sorted(RAN) == sorted(f"t{i}" for i in range(10) if i not in (4, 6, 8))


class Restartable:
    """luigi's scheduler, which can be 'killed and started again': a fresh one that knows
    nothing, as luigid is after a SIGKILL (it keeps its state in memory)."""

    def __init__(self) -> None:
        self.current = luigi.scheduler.Scheduler()  # type: ignore[no-untyped-call]
        self.restarts = 0

    def restart(self) -> None:
        self.current = luigi.scheduler.Scheduler()  # type: ignore[no-untyped-call]
        self.restarts += 1

    def __getattr__(self, name: str) -> object:
        return getattr(self.current, name)


def test_stages_luigid_forgot_in_a_restart_are_told_again(tmp_path):
    """Killed mid-pass, luigid forgets the stages it was given; a stage added afterwards would
    wait for ever on a dependency it no longer knows. The feeder notices (its sentinel is no
    longer counted) and tells it again about the stages that have not ended, and as done about
    those they wait for that have."""
    configure({}, tmp_path)
    scheduler = Restartable()
    stages = chain_and_fan(30)
    ran_at_restart: list[int] = []

    def run() -> None:
        worker = luigi.worker.Worker(  # type: ignore[no-untyped-call]
            scheduler=scheduler, worker_processes=1, assistant=True, keep_alive=False
        )
        with worker:
            worker.run()
        if len(RAN) >= 8 and not scheduler.restarts:
            ran_at_restart.append(len(RAN))
            scheduler.restart()

    def ended() -> set[tuple[str, str]]:
        return {(name, "execute") for name in RAN}

    feed(scheduler, stages, Tally().make, run, window=12, ended=ended)
    assert scheduler.restarts == 1 and ran_at_restart[0] < 30
    assert sorted(RAN) == sorted(s.task for s in stages)  # each once, none lost
    position = {name: n for n, name in enumerate(RAN)}
    for s in stages:
        assert all(position[k[0]] < position[s.task] for k in s.after)
