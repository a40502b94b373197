"""File-system changes through watchdog's observer (inotify on Linux): a count of the events
that matter and a debounced wait for the moment they settle.

Waits poll a stop check every tick instead of being woken by the signal handler: a handler
that takes a lock the interrupted main thread may hold would deadlock it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

#: (event type, path) -> whether the event counts; the path is the destination of a move.
Accept = Callable[[str, str], bool]
StopCheck = Callable[[], bool]

TICK_S = 0.1


class Changes(FileSystemEventHandler):
    """Counts the accepted events of the folders it watches; use as a context manager."""

    def __init__(self, accept: Accept) -> None:
        self._accept = accept
        self._cond = threading.Condition()
        self._count = 0
        self._last = 0.0  # time.monotonic() of the last accepted event
        self._observer = Observer()

    def watch(self, folder: Path, *, recursive: bool) -> Changes:
        self._observer.schedule(self, str(folder), recursive=recursive)
        return self

    def __enter__(self) -> Changes:
        self._observer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        path = event.dest_path if event.event_type == "moved" else event.src_path
        if not self._accept(event.event_type, os.fsdecode(path)):
            return
        with self._cond:
            self._count += 1
            self._last = time.monotonic()
            self._cond.notify_all()

    def seen(self) -> int:
        """How many accepted events have arrived so far."""
        with self._cond:
            return self._count

    def last(self) -> float:
        """When the last accepted event arrived (time.monotonic()), 0 before the first."""
        with self._cond:
            return self._last

    def wait_event(self, after: int, timeout: float, should_stop: StopCheck) -> bool:
        """Wait until more than `after` events have arrived; False on timeout or stop."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._count <= after:
                left = deadline - time.monotonic()
                if left <= 0 or should_stop():
                    return False
                self._cond.wait(min(left, TICK_S))
        return True

    def wait_settled(
        self, after: int, quiet: float, should_stop: StopCheck, timeout: float | None = None
    ) -> bool:
        """Wait until more than `after` events have arrived and then `quiet` seconds have passed
        without another (the debounce). False on stop, or when `timeout` runs out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                if self._count > after and now - self._last >= quiet:
                    return True
                if should_stop() or (deadline is not None and now >= deadline):
                    return False
                wait = TICK_S
                if self._count > after:
                    wait = min(wait, self._last + quiet - now)
                if deadline is not None:
                    wait = min(wait, deadline - now)
                self._cond.wait(max(wait, 0.0))
