"""Who runs a pass's stages: luigid's assistants (the swarm's own or those of every machine
sharing the scheduler), or, for a single agent, a luigi worker in this process on luigi's
local scheduler."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any, cast

import luigi.rpc
import luigi.scheduler
import luigi.worker

from swarm.errors import SwarmError
from swarm.runtime.feeder import SchedulerApi, feed, feeder_id, outstanding
from swarm.runtime.stages import Key, Stage

_POLL_S = 0.05  # how often the feeder looks at how many stages have ended


class Runner:
    """Runs the stages a pass feeds: this process (one agent) or luigid's assistants."""

    def __init__(self, url: str | None) -> None:
        self.url = url

    def run_pass(
        self,
        stages: list[Stage],
        make: Callable[[Stage], Any],
        window: int,
        ended: Callable[[], Collection[Key]],
    ) -> None:
        if self.url is not None:
            # the parent only feeds and waits: the assistants run the stages
            remote = cast(SchedulerApi, luigi.rpc.RemoteScheduler(self.url))  # type: ignore[no-untyped-call]
            try:
                feed(remote, stages, make, lambda: time.sleep(_POLL_S), window, ended=ended)
            except luigi.rpc.RPCError as exc:  # luigi retried for as long as it is set to
                message = f"luigi's scheduler at {self.url} stopped answering: {exc}"
                raise SwarmError(message, 1) from None
            return
        local = cast(SchedulerApi, luigi.scheduler.Scheduler())  # type: ignore[no-untyped-call]
        me = feeder_id()
        worker = luigi.worker.Worker(  # type: ignore[no-untyped-call]
            scheduler=local, worker_id=me, worker_processes=1, keep_alive=False
        )
        stalled = _Stall(local, me)
        with worker:
            feed(local, stages, make, lambda: stalled.check(worker.run()), window, me)  # type: ignore[no-untyped-call]


class _Stall:
    """In this process, a round that runs nothing while stages are left unfinished would be
    repeated for ever; it cannot happen (a stage waits on one that runs or failed) but must
    not hang the swarm if it did."""

    def __init__(self, scheduler: SchedulerApi, worker: str) -> None:
        self.scheduler, self.worker, self.last = scheduler, worker, -1

    def check(self, _ran: object) -> None:
        left = outstanding(self.scheduler, self.worker)
        if left and left == self.last:
            raise SwarmError(f"luigi's scheduler holds {left} stages it will not run", 3)
        self.last = left
