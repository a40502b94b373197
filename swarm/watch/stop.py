"""SIGINT and SIGTERM ask a watcher to stop. The watcher checks `requested` where it can stop
safely (between passes, while it waits); a second signal while a pass runs abandons it
(KeyboardInterrupt), which is safe because claims are leased and a killed pass is resumable.

The handlers stay installed while a pass forks luigi's workers and scheduler, which inherit
them; in those processes the handler does what the signal did before (terminate, or raise
KeyboardInterrupt), so `Process.terminate()` still ends them.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Install with `with StopSignals() as stop:`; the previous handlers come back on exit."""

    def __init__(self) -> None:
        self.count = 0
        self._pid = os.getpid()
        self._abandonable = False
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.count > 0

    def __enter__(self) -> StopSignals:
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if os.getpid() == self._pid:
            for signum, previous in self._previous.items():
                signal.signal(signum, previous)

    @contextlib.contextmanager
    def abandonable(self) -> Iterator[None]:
        """While the block runs, a second signal raises KeyboardInterrupt in it."""
        self._abandonable = True
        try:
            yield
        finally:
            self._abandonable = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self._pid:
            self._as_before(signum, frame)
            return
        self.count += 1
        # os.write, not print: the signal may have interrupted a write to the same stream
        if self._abandonable and self.count > 1:
            os.write(2, b"watch: abandoning the pass under way (its claims are leased)\n")
            raise KeyboardInterrupt
        if self._abandonable:
            os.write(2, b"watch: stopping after the pass under way (signal again to abandon)\n")

    def _as_before(self, signum: int, frame: FrameType | None) -> None:
        previous = self._previous.get(signum, signal.SIG_DFL)
        if callable(previous):
            previous(signum, frame)
            return
        if previous == signal.SIG_IGN:
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
