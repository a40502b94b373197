"""`swarm watch DIR`: run the swarm on a materialized repository at start, then again whenever
what could move it on changes: its refs (a person's merge, a new branch, a released claim),
the approvals in the local forge's store, or, on a mirror of a GitHub repository, what people
did on GitHub (seen by polling, see remote).

The observer watches `refs/`, `packed-refs` and the forge store, so the swarm's own writes wake
it too. What decides is a fingerprint (see fingerprint): a run starts only when it differs from
the one taken when the swarm last settled, which includes the run's own writes. A person may
act while a pass runs, after the pass looked: so a run is followed by another when people acted
between the start of its last pass and its end, or anything changed after its last pass.

Each run first carries out people's commands in issue comments, as `swarm spawn` does.

The watcher holds a connection to the forge store for as long as it runs: SQLite removes the
write-ahead log when the last connection closes, and every such removal would be a change.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from swarm.comment_commands import Handled, process
from swarm.errors import SwarmError
from swarm.forge.base import Forge
from swarm.forge.local_store import STORE_FILE
from swarm.gitstore import GitStore
from swarm.repo import FORGE_DIR, open_repo
from swarm.runtime.scheduler import end_processes
from swarm.runtime.spawn import SpawnOptions, SpawnReport, spawn
from swarm.watch.changes import Changes
from swarm.watch.fingerprint import Fingerprint, fingerprint, people_acted
from swarm.watch.remote import DEFAULT_POLL_S, Poll, is_mirror
from swarm.watch.stop import StopSignals

DEFAULT_DEBOUNCE_S = 0.5
_REF_WRITES = frozenset({"created", "modified", "moved", "deleted"})
_STORE_FILES = frozenset({STORE_FILE, f"{STORE_FILE}-wal"})
LOCAL_CHANGE = "a change"
REMOTE_CHANGE = "a change on GitHub"

Say = Callable[[str], None]


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
    poll: float | None = None,
    say: Say = lambda _m: None,
) -> int:
    """Run and watch until `stop` is requested; returns how many runs were made. A second
    signal during a pass raises KeyboardInterrupt after ending the pass's worker processes.

    `poll`: on a mirror of a GitHub repository, the seconds between polls (default
    DEFAULT_POLL_S); a local repository refuses it, since every change to it is a write on this
    machine that the observer sees at once. `say` hears the commands carried out and the polls
    that failed (the next one tries again)."""
    repo = open_repo(repo_dir)  # refuses a DIR that is not a plan-swarm repository
    try:
        polling = _poll(repo_dir, poll)
        with repo_changes(repo_dir) as changes:
            watcher = _Watcher(repo_dir, options, stop, changes, repo.forge, polling)
            watcher.on_run, watcher.debounce, watcher.say = on_run, debounce, say
            return watcher.watch()
    finally:
        repo.forge.close()


def _poll(repo_dir: Path, interval: float | None) -> Poll | None:
    if not is_mirror(repo_dir):
        if interval is not None:
            raise SwarmError(
                f"{repo_dir}: polling is for a mirror of a GitHub repository; every change to "
                "a local repository is seen as it happens"
            )
        return None
    return Poll(repo_dir, DEFAULT_POLL_S if interval is None else interval)


class _Watcher:
    def __init__(
        self,
        repo_dir: Path,
        options: SpawnOptions,
        stop: StopSignals,
        changes: Changes,
        forge: Forge,
        poll: Poll | None,
    ) -> None:
        self.repo_dir, self.options, self.stop = repo_dir, options, stop
        self.changes, self.forge, self.poll = changes, forge, poll
        self.on_run: Callable[[Run], None] = lambda _r: None
        self.debounce = DEFAULT_DEBOUNCE_S
        self.say: Say = lambda _m: None
        self.runs = 0
        self._marks: list[Fingerprint] = []
        self._last: SpawnReport | None = None

    def watch(self) -> int:
        seen = self.changes.seen()
        settled = self._until_settled("start")
        while settled is not None:
            found = self._next_change(seen)
            if found is None:
                break
            seen = self.changes.seen()
            trigger, now = found
            if now.everything != settled.everything:
                settled = self._until_settled(trigger)
        return self.runs

    def _stopping(self) -> bool:
        return self.stop.requested

    def _fingerprint(self) -> Fingerprint:
        return fingerprint(GitStore.open(self.repo_dir), self.forge)

    def _next_change(self, seen: int) -> tuple[str, Fingerprint] | None:
        """Wait until the local changes after `seen` have settled, or a poll is due; what woke
        the watcher and the fingerprint then. None when stopped."""
        while True:
            timeout = None if self.poll is None else self.poll.left()
            if self.changes.wait_settled(seen, self.debounce, self._stopping, timeout=timeout):
                return LOCAL_CHANGE, self._fingerprint()
            if self.stop.requested:
                return None
            polled = self._polled()
            if polled is not None:
                return REMOTE_CHANGE, polled

    def _polled(self) -> Fingerprint | None:
        """Fetch the mirror and take a fingerprint; None when GitHub could not be read (said,
        and tried again at the next poll: a watcher outlives a network outage)."""
        assert self.poll is not None
        try:
            self.poll.fetch()
            return self._fingerprint()
        except SwarmError as exc:
            self.say(f"polling GitHub failed: {exc.message}; next try in {self.poll.interval:g} s")
            return None

    def _until_settled(self, trigger: str) -> Fingerprint | None:
        """Spawn until nobody acted while a run's last pass ran or since; the fingerprint then,
        None when stopped."""
        while not self.stop.requested:
            # before each pass, and after the last one
            self._marks = [self._after_commands(self._fingerprint())]
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
            if self.poll is not None:
                self.poll.restart()  # the run has just read GitHub afresh
            git = GitStore.open(self.repo_dir)
            if end.everything == self._marks[-1].everything and not people_acted(
                git, self._marks[-2], end
            ):
                return end
            trigger = "a change during the last pass"
        return None

    def _after_commands(self, before: Fingerprint) -> Fingerprint:
        """Carry out people's commands in issue comments; the mark a run starts from. The
        merges a command made are the run's own work, not a person acting while it ran: the
        mark holds main after them, with `before`'s record of what people had done."""
        handled = self._carry_out_commands()
        if not handled:
            return before
        after = self._fingerprint()
        return replace(
            after, reviews=before.reviews, released=before.released, commented=before.commented
        )

    def _carry_out_commands(self) -> list[Handled]:
        repo = open_repo(self.repo_dir)
        try:
            handled = process(repo, time.time())
        finally:
            repo.forge.close()
        for done in handled:
            self.say(f"{done.who} on {done.task}: /{done.verb}: {done.outcome}")
        return handled

    def _passed(self, report: SpawnReport) -> None:
        self._marks.append(self._fingerprint())
        self._last = report
        if self.stop.requested:
            raise _Stopped

    def _sleep(self, seconds: float) -> None:
        """spawn waits here for other agents' claims to run out: come back early when what
        could move things changes (here, or on GitHub), leave when asked to stop."""
        deadline = time.monotonic() + seconds
        seen = self.changes.seen()
        while (left := deadline - time.monotonic()) > 0:
            wait = left if self.poll is None else min(left, self.poll.left())
            now: Fingerprint | None = None
            if self.changes.wait_settled(seen, self.debounce, self._stopping, timeout=wait):
                seen = self.changes.seen()
                now = self._fingerprint()
            elif self.poll is not None and not self.poll.left() and not self.stop.requested:
                now = self._polled()
            if now is not None and now.everything != self._marks[-1].everything:
                return
            if self.stop.requested:
                raise _Stopped

    def _report(self, trigger: str, report: SpawnReport, started: float, **kw: bool) -> None:
        self.runs += 1
        self.on_run(Run(self.runs, trigger, report, time.monotonic() - started, **kw))


def _end_children() -> None:
    """End the worker and scheduler processes an abandoned pass started (this process's own
    children, by handle): the stages under way give their claims up, and the next run takes
    them again."""
    end_processes(multiprocessing.active_children(), grace=5)
