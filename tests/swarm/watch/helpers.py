"""What the watch tests share: the example plan's files in the order a run writes them, and
`swarm watch` as a real process whose output lines can be waited for."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from swarm.cli.demo import example_plan_path
from tests.swarm.cli.cli_helpers import swarm_env

MARKER = "pipeline_complete.txt"
REPORTS = ("report.html", "report.md")


def example_files() -> dict[str, bytes]:
    """The example plan's run folder, file name -> bytes (its Python package files left out)."""
    root = example_plan_path()
    return {
        p.name: p.read_bytes()
        for p in sorted(root.iterdir())
        if p.is_file() and not p.name.endswith((".py", ".pyc"))
    }


def is_wbs(name: str) -> bool:
    return name.startswith("wbs_")


def split(files: dict[str, bytes], *groups: Iterable[str]) -> list[dict[str, bytes]]:
    """The files in pieces: first everything not named in `groups`, then each group."""
    named = {n for g in groups for n in g}
    pieces = [{n: d for n, d in files.items() if n not in named}]
    pieces += [{n: files[n] for n in g} for g in groups]
    return pieces


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)


def write_slowly(path: Path, data: bytes, parts: int, pause: float) -> None:
    """Write `data` in `parts` chunks with a pause after each but the last, as a slow writer
    (or a PlanExe step streaming its output) does: the file is half-written in between."""
    size = -(-len(data) // parts)
    with path.open("wb") as out:
        for i in range(parts):
            out.write(data[i * size : (i + 1) * size])
            out.flush()
            if i < parts - 1:
                time.sleep(pause)


class Watcher:
    """`python -m swarm watch ARGS` in its own process group, its output collected line by
    line (stdout and stderr together)."""

    def __init__(self, *args: str | os.PathLike[str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "swarm", "watch", *map(str, args)],
            env=swarm_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # luigi's workers and scheduler are in its group too
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def output(self) -> str:
        self._drain(0)
        return "\n".join(self.lines)

    def _drain(self, timeout: float) -> bool:
        """Take every line that arrived, waiting up to `timeout` for the first; False once the
        output has ended."""
        wait: float | None = timeout
        while True:
            try:
                line = self._queue.get(timeout=wait) if wait else self._queue.get_nowait()
            except queue.Empty:
                return True
            if line is None:
                self._queue.put(None)
                return False
            self.lines.append(line)
            wait = None

    def wait_for(self, pattern: str, timeout: float, after: int = 0) -> str:
        """The first line from index `after` on matching `pattern`; fails on timeout or exit."""
        deadline = time.monotonic() + timeout
        found = re.compile(pattern)
        while True:
            for line in self.lines[after:]:
                if found.search(line):
                    return line
            after = len(self.lines)
            left = deadline - time.monotonic()
            if left <= 0 or not self._drain(min(left, 0.2)):
                raise AssertionError(f"no line matching {pattern!r}:\n{self.output}")

    def wait_quiet(self, seconds: float, timeout: float) -> None:
        """Wait until no output has come for `seconds` (the watcher waits for changes)."""
        deadline = time.monotonic() + timeout
        count, since = len(self.lines), time.monotonic()
        while time.monotonic() - since < seconds:
            if time.monotonic() > deadline:
                raise AssertionError(f"never quiet for {seconds} s:\n{self.output}")
            self._drain(0.1)
            if len(self.lines) != count:
                count, since = len(self.lines), time.monotonic()

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.proc.send_signal(signum)
        return self.wait(timeout)

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout=timeout)
        deadline = time.monotonic() + 10
        while self._drain(0.2) and time.monotonic() < deadline:
            pass
        return code

    def kill(self) -> None:
        """End the watcher and whatever it started (its process group), if still there."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


@contextmanager
def watcher(*args: str | os.PathLike[str]) -> Iterator[Watcher]:
    running = Watcher(*args)
    try:
        yield running
    finally:
        running.kill()
