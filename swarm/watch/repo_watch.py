"""`swarm watch DIR`: run the swarm on a materialized repository at start, then again whenever
what could move it on changes: its refs (a person's merge, a new branch, a released claim) or
the approvals in the local forge's store.

The observer watches `refs/`, `packed-refs` and the forge store, so the swarm's own writes wake
it too. What decides is a fingerprint (see fingerprint): a run starts only when it differs from
the one taken when the swarm last settled, which includes the run's own writes. A person may
act while a pass runs, after the pass looked: so a run is followed by another when people acted
between the start of its last pass and its end, or anything changed after its last pass.

The watcher holds a connection to the forge store for as long as it runs: SQLite removes the
write-ahead log when the last connection closes, and every such removal would be a change.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from swarm.forge.base import Forge
from swarm.forge.local_store import STORE_FILE
from swarm.gitstore import GitStore
from swarm.repo import FORGE_DIR, open_repo
from swarm.runtime.spawn import SpawnOptions, SpawnReport, spawn
from swarm.watch.changes import Changes
from swarm.watch.fingerprint import Fingerprint, fingerprint, people_acted
from swarm.watch.stop import StopSignals

DEFAULT_DEBOUNCE_S = 0.5
_REF_WRITES = frozenset({"created", "modified", "moved", "deleted"})
_STORE_FILES = frozenset({STORE_FILE, f"{STORE_FILE}-wal"})


@dataclass(frozen=True)
class Run:
    """One call of the runtime's spawn: its passes until nothing more could move."""

    number: int
    trigger: str
    report: SpawnReport
    seconds: float
    stopped: bool = False  # ended early by a stop request, after a finished pass


class _Stopped(BaseException):
    """Raised from spawn's callbacks to leave it between passes. A BaseException, so that no
    handler for ordinary errors on the way out can take it for a failure."""


def repo_changes(repo_dir: Path) -> Changes:
    """An observer on what could move the repository on."""
    changes = Changes(lambda kind, path: _matters(repo_dir, kind, Path(path)))
    changes.watch(repo_dir, recursive=False)  # packed-refs
    changes.watch(repo_dir / "refs", recursive=True)
    changes.watch(repo_dir / FORGE_DIR, recursive=False)
    return changes


def _matters(repo_dir: Path, kind: str, path: Path) -> bool:
    if path.parent == repo_dir / FORGE_DIR:
        # writes only: readers create the store's -wal and -shm files, which is no change
        return kind == "modified" and path.name in _STORE_FILES
    if path == repo_dir / "packed-refs":
        return kind in _REF_WRITES
    return (
        path.is_relative_to(repo_dir / "refs")
        and kind in _REF_WRITES
        and not path.name.endswith(".lock")
    )


def watch_repo(
    repo_dir: Path,
    options: SpawnOptions,
    stop: StopSignals,
    on_run: Callable[[Run], None] = lambda _r: None,
    debounce: float = DEFAULT_DEBOUNCE_S,
) -> int:
    """Run and watch until `stop` is requested; returns how many runs were made. A second
    signal during a pass raises KeyboardInterrupt after ending the pass's worker processes."""
    repo = open_repo(repo_dir)  # refuses a DIR that is not a plan-swarm repository
    try:
        with repo_changes(repo_dir) as changes:
            watcher = _Watcher(repo_dir, options, stop, on_run, debounce, changes, repo.forge)
            return watcher.watch()
    finally:
        repo.forge.close()


class _Watcher:
    def __init__(
        self,
        repo_dir: Path,
        options: SpawnOptions,
        stop: StopSignals,
        on_run: Callable[[Run], None],
        debounce: float,
        changes: Changes,
        forge: Forge,
    ) -> None:
        self.repo_dir, self.options, self.stop = repo_dir, options, stop
        self.on_run, self.debounce = on_run, debounce
        self.changes, self.forge = changes, forge
        self.runs = 0
        self._marks: list[Fingerprint] = []
        self._last: SpawnReport | None = None

    def watch(self) -> int:
        seen = self.changes.seen()
        settled = self._until_settled("start")
        while settled is not None:
            if not self.changes.wait_settled(seen, self.debounce, self._stopping):
                break
            seen = self.changes.seen()
            if self._fingerprint().everything != settled.everything:
                settled = self._until_settled("a change")
        return self.runs

    def _stopping(self) -> bool:
        return self.stop.requested

    def _fingerprint(self) -> Fingerprint:
        return fingerprint(GitStore.open(self.repo_dir), self.forge)

    def _until_settled(self, trigger: str) -> Fingerprint | None:
        """Spawn until nobody acted while a run's last pass ran or since; the fingerprint then,
        None when stopped."""
        while not self.stop.requested:
            self._marks = [self._fingerprint()]  # before each pass, and after the last one
            self._last = None
            started = time.monotonic()
            try:
                with self.stop.abandonable():
                    report = spawn(
                        self.repo_dir, self.options, on_pass=self._passed, sleep=self._sleep
                    )
            except _Stopped:
                if self._last is not None:
                    self._report(trigger, self._last, started, stopped=True)
                return None
            except KeyboardInterrupt:
                _end_children()
                raise
            self._report(trigger, report, started)
            end = self._fingerprint()
            git = GitStore.open(self.repo_dir)
            if end.everything == self._marks[-1].everything and not people_acted(
                git, self._marks[-2], end
            ):
                return end
            trigger = "a change during the last pass"
        return None

    def _passed(self, report: SpawnReport) -> None:
        self._marks.append(self._fingerprint())
        self._last = report
        if self.stop.requested:
            raise _Stopped

    def _sleep(self, seconds: float) -> None:
        """spawn waits here for other agents' claims to run out: come back early when what
        could move things changes, leave when asked to stop."""
        deadline = time.monotonic() + seconds
        seen = self.changes.seen()
        while (left := deadline - time.monotonic()) > 0:
            if self.changes.wait_settled(seen, self.debounce, self._stopping, timeout=left):
                seen = self.changes.seen()
                if self._fingerprint().everything != self._marks[-1].everything:
                    return
            if self.stop.requested:
                raise _Stopped

    def _report(self, trigger: str, report: SpawnReport, started: float, **kw: bool) -> None:
        self.runs += 1
        self.on_run(Run(self.runs, trigger, report, time.monotonic() - started, **kw))


def _end_children() -> None:
    """End the worker and scheduler processes an abandoned pass started (this process's own
    children, by handle): their claims are leased, so the next run resumes their stages."""
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
