"""`swarm watch RUN --out DIR`: wait until a PlanExe run has finished, then materialize it into
DIR once, with the same code as `swarm materialize`.

A run counts as finished when it shows it (see run_files) *and* its plan files stayed unchanged
for `settle` seconds *and* the reader reads it with no file changing meanwhile: a WBS file
still being written fails to parse or changes under the reader, and is waited for. A run that
is finished, settled and still unreadable is broken: that is reported. Restarted on a DIR that
already holds this run's plan (same content digest), the watcher says so and does nothing; on
GitHub it checks that the publication is whole (see materialize_once).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from planexe import Plan, PlanError, read_plan
from planexe.names import is_ignored, is_junk
from swarm.errors import EXIT_FAILED_CHECK, SwarmError
from swarm.materialize import Result, Step, materialize
from swarm.repo import is_plan_swarm_repo, open_repo
from swarm.settings import PlanRef
from swarm.watch.changes import Changes, StopCheck
from swarm.watch.run_files import MARKER, RunFiles, scan

POLL_S = 1.0  # a re-scan even without events (a file system inotify does not see, e.g. NFS)
#: Writes, not reads: the reader's own opening of files must not count as a change.
_WRITES = frozenset({"created", "modified", "moved", "deleted", "closed"})

Say = Callable[[str], None]
Publish = Callable[[Result], Result]


@dataclass(frozen=True)
class Finished:
    plan: Plan
    reason: str  # what showed it finished: "completion marker", "report and work breakdown"


def check_paths(run_dir: Path, out: Path) -> None:
    """Refuse at once what could never work, before any waiting."""
    if not run_dir.exists():
        raise SwarmError(f"{run_dir}: does not exist (expected a PlanExe run folder)")
    if not run_dir.is_dir():
        raise SwarmError(
            f"{run_dir}: is not a folder; watch waits for a PlanExe run folder to finish "
            "(a zip is finished already: use `swarm materialize`)"
        )
    if out == run_dir or out.is_relative_to(run_dir) or run_dir.is_relative_to(out):
        raise SwarmError(f"{out}: --out must lie outside the run folder {run_dir}")
    if out.exists() and not out.is_dir():
        raise SwarmError(f"{out}: exists and is not a directory; choose a new or empty --out")
    if out.is_dir() and any(out.iterdir()) and not is_plan_swarm_repo(out):
        raise SwarmError(
            f"{out}: exists, is not empty and is not a plan-swarm repository; "
            "choose a new or empty --out directory"
        )
    if not out.exists() and not out.parent.is_dir():
        raise SwarmError(f"{out.parent}: no such directory (the parent of --out must exist)")


def wait_until_finished(
    run_dir: Path,
    settle: float,
    timeout: float | None,
    should_stop: StopCheck,
    say: Say = lambda _m: None,
) -> Finished | None:
    """The finished run's plan, or None when stopped first. SwarmError when `run_dir` is not a
    PlanExe run, turns out broken, or has not finished within `timeout` seconds."""
    started = time.monotonic()
    changes = Changes(_plan_write).watch(run_dir, recursive=True)
    with changes:
        last: RunFiles | None = None
        # a restart, too, watches a whole window first: a copy may be under way
        stable_since = started
        said = ""
        while True:
            seen = changes.seen()
            files = scan(run_dir)
            if not files.looks_like_planexe():
                raise SwarmError(
                    f"{run_dir}: not a PlanExe run folder: none of its {len(files.files)} files "
                    "is a PlanExe output (such as plan.txt or 001-1-start_time.json)"
                )
            if last is not None and files != last:
                stable_since = time.monotonic()
            last = files
            quiet_for = time.monotonic() - max(stable_since, changes.last())
            reason = files.finished_by()
            if reason and quiet_for >= settle:
                plan = _read_unless_changed(run_dir, files, changes, seen, reason)
                if plan is not None:
                    return Finished(plan, reason)
                continue
            state = _waiting_for(files, reason)
            if state != said:
                say(f"waiting for {run_dir} to finish: {state}")
                said = state
            if timeout is not None and time.monotonic() - started >= timeout:
                raise SwarmError(
                    f"{run_dir}: not finished after {timeout:g} s ({state}); "
                    "nothing was materialized",
                    EXIT_FAILED_CHECK,
                )
            if should_stop():
                return None
            wait = settle - quiet_for if reason else POLL_S
            changes.wait_event(seen, max(min(wait, POLL_S), 0.01), should_stop)


def _plan_write(event_type: str, path: str) -> bool:
    name = os.path.basename(path)
    return event_type in _WRITES and not is_junk(name) and not is_ignored(name)


def _waiting_for(files: RunFiles, reason: str) -> str:
    if reason:
        return "its files are still changing"
    if not files.files:
        return "it holds no plan files yet"
    return f"no completion marker ({MARKER}), nor a report with a work breakdown, yet"


def _read_unless_changed(
    run_dir: Path, files: RunFiles, changes: Changes, seen: int, reason: str
) -> Plan | None:
    """The plan, or None when a file changed while it was read (not settled after all)."""
    try:
        plan = read_plan(run_dir)
    except PlanError as exc:
        if changes.seen() != seen or scan(run_dir) != files:
            return None
        raise SwarmError(_broken(files.folder, exc, reason)) from None
    if changes.seen() != seen or scan(run_dir) != files:
        return None
    return plan


def _broken(folder: Path, exc: PlanError, reason: str) -> str:
    where = exc.file
    if where and not os.path.isabs(where):
        where = str(folder / where)
    finished = f"the run has finished, by its {reason}, but cannot be read"
    return f"{where or folder}: {exc.message} ({finished})"


def held_plan(out: Path) -> PlanRef | None:
    """The plan a repository at `out` was made from, or None when there is none yet."""
    if not is_plan_swarm_repo(out):
        return None
    repo = open_repo(out)
    try:
        return repo.settings().plan
    finally:
        repo.forge.close()


def materialize_once(
    plan: Plan,
    out: Path,
    humans: Sequence[str] = (),
    step: Step = lambda _s: None,
    publish: Publish | None = None,
) -> Result | None:
    """Materialize `plan` into `out`, or do nothing (None) when `out` already holds it: a
    restarted watcher must not redo it (materialize itself would re-sync the issues).

    With `publish` (to GitHub: the issues live there, not in `out`), a repository that already
    holds the plan is published again all the same, since the first watcher may have stopped
    half way through publishing; that is safe (the push is skipped when GitHub holds main, the
    issues are upserted by their markers) and, when all is there, sends only reads."""
    held = held_plan(out)
    if held is not None and held.digest == plan.source.digest and publish is None:
        return None
    # refuses a repository of another plan
    result = materialize(plan, out, humans, step, local_issues=publish is None)
    return result if publish is None else publish(result)
