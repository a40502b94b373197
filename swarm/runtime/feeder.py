"""Handing a pass's stages to luigi's scheduler, a window at a time, and waiting for them.

luigi's own way in is `luigi.build(roots)`: a worker walks the graph from each root, checks each
task's completeness and tells the scheduler about it. It walks the whole upstream graph again for
every root (its record of what it has seen is per root), so on a plan whose later tasks depend
on whole earlier phases it told luigid about the same stages many times, one HTTP request each,
and the worker doing it ran no stage meanwhile. And luigid looks at every pending task on every
request for work, so a graph of all the stages of a large plan makes each request slower as the
plan grows.

So the swarm tells the scheduler itself, with the call a luigi worker makes (`add_task` with
the task's id, family, module, parameters, resources and dependencies), once per stage, in an
order where each stage comes after what it waits for, and never more than `window` stages
unfinished at once: luigid's work per request stays bounded and a pass costs in proportion to
its stages. Luigi workers (the assistants, see swarm.runtime.scheduler) run the stages.

luigid keeps what it is told in memory. Killed and started again, it has forgotten the pass's
stages, and a stage added afterwards would wait for ever on a dependency luigid no longer
knows. A sentinel tells: a task that can never run, held by a worker of its own, which luigid
counts as pending for as long as it remembers. When it stops counting it, the feeder tells
luigid again about the stages that have not ended (and, as done, those they wait for).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

import luigi

from swarm.runtime.stages import Key, Stage

DEFAULT_WINDOW = 600  # stages unfinished at once: work for 8 agents, a small graph for luigid
_CHECK_S = 1.0  # how often luigid is asked what it remembers; each worker also pings then
# (luigid forgets a worker silent for worker_disconnect_delay, 5 s, and drops its tasks)


class SchedulerApi(Protocol):
    """The calls of luigi's scheduler used here: luigi.scheduler.Scheduler in this process, or
    luigi.rpc.RemoteScheduler for luigid."""

    def add_task(self, **kwargs: Any) -> Any: ...
    def count_pending(self, worker: str) -> Any: ...
    def ping(self, **kwargs: Any) -> Any: ...


def feeder_id() -> str:
    return f"plan-swarm-feeder-{uuid.uuid4().hex[:12]}"


def add(
    scheduler: SchedulerApi,
    worker: str,
    task: luigi.Task,
    deps: Sequence[str],
    priority: int = 0,
    status: str = "PENDING",
) -> None:
    """Tell the scheduler about one task, as a luigi worker's own scheduling does. luigid hands
    out the highest priority first, and among equals the one added first."""
    scheduler.add_task(
        worker=worker,
        task_id=task.task_id,
        status=status,
        deps=list(deps),
        runnable=status == "PENDING",
        priority=priority,
        resources=task.process_resources(),  # type: ignore[no-untyped-call]
        params=task.to_str_params(),  # type: ignore[no-untyped-call]
        family=task.task_family,
        module=task.task_module,
        batchable=False,
        retry_policy_dict={},
        accepts_messages=False,
    )


def outstanding(scheduler: SchedulerApi, worker: str) -> int:
    """The worker's stages not finished yet: pending (less those behind a failed one, which
    will not run in this pass) and running."""
    reply = scheduler.count_pending(worker=worker)
    return int(reply["n_pending_tasks"]) + len(reply["running_tasks"])


class Sentinel:
    """A task luigid never runs (it waits on a task nobody adds), held by a worker of its own:
    counted as pending for as long as luigid remembers what it was told."""

    def __init__(self, scheduler: SchedulerApi) -> None:
        self.scheduler = scheduler
        self.worker = f"{feeder_id()}-sentinel"
        task_id = f"PlanSwarmSentinel_{uuid.uuid4().hex[:12]}"
        scheduler.add_task(
            worker=self.worker,
            task_id=task_id,
            status="PENDING",
            deps=[f"{task_id}_never"],
            runnable=True,
            family="PlanSwarmSentinel",
        )

    def remembered(self) -> bool:
        self.scheduler.ping(worker=self.worker)
        return outstanding(self.scheduler, self.worker) > 0


class Feeder:
    def __init__(
        self,
        scheduler: SchedulerApi,
        stages: Sequence[Stage],
        make: Callable[[Stage], luigi.Task],
        window: int = DEFAULT_WINDOW,
        worker: str | None = None,
    ) -> None:
        self.scheduler, self.stages, self.make, self.window = scheduler, stages, make, window
        self.worker = worker or feeder_id()
        self.tasks: dict[Key, luigi.Task] = {}
        self.fed = 0

    def feed(self, run: Callable[[], None], ended: Callable[[], Collection[Key]] | None) -> None:
        """Add the stages keeping at most `window` unfinished, calling `run` between rounds,
        until all were added and none is left unfinished. `run` runs stages (a local worker)
        or waits a moment while others do (luigid's assistants).

        `ended` (for luigid) gives the stages of this feed that have ended, each of which
        writes a line when it does: then luigid is not asked after every round. Stages fed
        and not ended bound those unfinished from above, which is enough to keep the window.
        luigid is asked once a second whether it still remembers the pass (see Sentinel) and,
        once all have been fed, whether any is left (a stage behind one that raised never
        runs, a worker that died reports nothing). Without `ended` (a scheduler in this
        process), luigi's count is read after every round."""
        sentinel = Sentinel(self.scheduler) if ended is not None else None
        checked = time.monotonic()
        while True:
            done = len(ended()) if ended else self.fed - outstanding(self.scheduler, self.worker)
            while self.fed < len(self.stages) and self.fed - done < self.window:
                self._add(self.stages[self.fed])
                self.fed += 1
            if self.fed == len(self.stages) and done >= self.fed:
                return
            if sentinel is not None and ended is not None and time.monotonic() - checked > _CHECK_S:
                checked = time.monotonic()
                self.scheduler.ping(worker=self.worker)
                if not sentinel.remembered():
                    sentinel = Sentinel(self.scheduler)
                    self._tell_again(set(ended()))
                elif self.fed == len(self.stages) and not outstanding(self.scheduler, self.worker):
                    return
            run()

    def _add(self, stage: Stage) -> None:
        task = self.make(stage)
        self.tasks[stage.key] = task
        deps = [self.tasks[k].task_id for k in stage.after]
        # a stage's chain is longer than those of the stages waiting on it, so luigid never
        # raises the priority of what it waits for (which it would do, recursively)
        add(self.scheduler, self.worker, task, deps, stage.chain)

    def _tell_again(self, ended: set[Key]) -> None:
        """luigid was restarted and forgot: the stages fed that have not ended, again, and as
        done the ones they wait for that have. A stage that was running when luigid died may
        be handed out again; its claim keeps the work single."""
        told: set[Key] = set()
        for stage in self.stages[: self.fed]:
            if stage.key in ended:
                continue
            for key in stage.after:
                if key in ended and key not in told:
                    add(self.scheduler, self.worker, self.tasks[key], [], status="DONE")
                    told.add(key)
            self._add(stage)


def feed(
    scheduler: SchedulerApi,
    stages: Sequence[Stage],
    make: Callable[[Stage], luigi.Task],
    run: Callable[[], None],
    window: int = DEFAULT_WINDOW,
    worker: str | None = None,
    ended: Callable[[], Collection[Key]] | None = None,
) -> None:
    Feeder(scheduler, stages, make, window, worker).feed(run, ended)
