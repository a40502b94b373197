"""luigi's central scheduler (luigid) for a swarm, and the worker processes that join it.

luigi's local scheduler forks a process per task when it runs several workers; once litellm is
loaded, the parent is ~300 MB and every fork costs 15-20 ms of the parent's time, serially: at a
few hundred stages that was a third of a run. So a swarm runs luigid on loopback (or joins the
one given with --scheduler-url) and N long-lived worker processes (luigi assistants), each
running its stages in-process one after another, forked once from the warm parent and kept for
all the passes of a run. luigid keeps the dependencies and the role pools (resources) across the
workers, as it does across machines; the stages are given to it by swarm.runtime.feeder.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import luigi
import luigi.configuration

from swarm.errors import SwarmError

_STARTUP_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def configure(pools: dict[str, int], state_dir: Path) -> None:
    """luigi settings for the scheduler and the workers of a swarm (set before either runs)."""
    config = luigi.configuration.get_config()  # type: ignore[no-untyped-call]
    for pool, count in pools.items():
        config.set("resources", pool, str(max(count, 0)))
    config.set("scheduler", "state_path", str(state_dir / "luigid-state.pickle"))
    config.set("scheduler", "record_task_history", "false")
    # a dead worker's task goes back to pending quickly, so the others take it on
    config.set("scheduler", "worker_disconnect_delay", "5")
    # a stage that raised (a bug, not an outcome) is given up for the pass at once: luigid
    # moves a failed task back to pending only when it prunes, every 60 s, so retries here
    # held a whole pass for minutes; the next pass (see swarm.runtime.spawn) tries it again
    config.set("scheduler", "retry_count", "1")
    # each stage checks on main whether it can act; see swarm.runtime.graph
    config.set("worker", "check_unfulfilled_deps", "false")
    # a worker waits while others run stages that may unblock more work, but not for ever
    config.set("worker", "keep_alive", "true")
    config.set("worker", "max_keep_alive_idle_duration", "120 seconds")
    # luigi's defaults make an idle worker sleep 1 s plus up to 5 s of jitter before it asks for
    # work again: fine for hour-long batch jobs, ruinous for stages of a fraction of a second
    config.set("worker", "wait_interval", "0.02")
    config.set("worker", "wait_jitter", "0.0")
    config.set("worker", "ping_interval", "1.0")
    config.set("core", "no_lock", "true")


def _end_with(parent: int) -> None:
    """End this forked process when the swarm that forked it is gone (killed on its own, not
    with its process group): a scheduler or workers left behind would go on for ever.

    Ctrl-C reaches the whole process group; it is the swarm's to act on: it ends its scheduler
    and workers itself. Blocked, not ignored: luigid installs a handler of its own for SIGINT,
    which exited from the middle of a request with a traceback."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=orphaned, daemon=True).start()


def _serve(port: int, parent: int) -> None:
    import luigi.server

    _end_with(parent)
    luigi.server.run(api_port=port, address="127.0.0.1")  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def local_luigid(meanwhile: Callable[[], None] = lambda: None) -> Iterator[str]:
    """A luigid on a free loopback port for the duration of the block; yields its URL.
    `meanwhile` runs while luigid starts (forked first, it stays small: it needs no litellm)."""
    _forget_saved_state()
    port = free_port()
    proc = multiprocessing.get_context("fork").Process(
        target=_serve, args=(port, os.getpid()), daemon=True
    )
    proc.start()
    url = f"http://127.0.0.1:{port}"
    try:
        meanwhile()
        wait_until_up(url)
        yield url
    finally:
        end_processes([proc], grace=10)


def _forget_saved_state() -> None:
    """A private scheduler starts empty. The state a killed run's luigid saved lists stages as
    running by workers that are gone; loaded, it held them until luigid gave those workers up
    (a minute of a pass doing nothing). Nothing is lost: the feeder adds every stage again from
    main, the only truth."""
    config = luigi.configuration.get_config()  # type: ignore[no-untyped-call]
    saved = config.get("scheduler", "state_path", "")
    if saved:
        Path(saved).unlink(missing_ok=True)


def wait_until_up(url: str, timeout: float = _STARTUP_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/task_list?data={{}}", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.05)
    raise SwarmError(f"luigi's scheduler at {url} did not answer within {timeout:.0f} s", 1)


def _assist(url: str, parent: int) -> None:
    """A luigi worker that adds nothing and runs whatever the scheduler hands it (luigi's
    assistant), for as long as the swarm runs: the stages are added by the feeder."""
    _end_with(parent)
    signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.suppress(KeyboardInterrupt):
        luigi.build(  # type: ignore[no-untyped-call]
            [], workers=1, scheduler_url=url, assistant=True, log_level="ERROR"
        )


def _interrupt(_signum: int, _frame: object) -> None:
    """The swarm ends a worker (on Ctrl-C, or when its parent is gone) as Ctrl-C would: the
    stage under way unwinds and gives its claim up (stage._released_on_error), so the next
    run takes the stage at once instead of waiting out the lease; luigi lets KeyboardInterrupt
    through. Its log of the interruption is no news to anyone."""
    logging.disable(logging.CRITICAL)
    raise KeyboardInterrupt


@contextlib.contextmanager
def assistants(url: str, count: int) -> Iterator[list[Any]]:
    """`count` assistant processes joined to the scheduler at `url` for the duration of the
    block, forked once from this (warm) process and kept across passes."""
    ctx = multiprocessing.get_context("fork")
    me = os.getpid()
    procs = [ctx.Process(target=_assist, args=(url, me), daemon=True) for _ in range(count)]
    for proc in procs:
        proc.start()
    try:
        yield procs
    finally:
        # between passes nothing runs: no stage is cut short here
        end_processes(procs, grace=10)


def end_processes(procs: Sequence[BaseProcess], grace: float) -> None:
    """SIGTERM each (a worker then gives up the claim of a stage under way, see _interrupt),
    SIGKILL what is still alive `grace` seconds later."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(timeout=grace)
        if proc.is_alive():
            proc.kill()
            proc.join()
