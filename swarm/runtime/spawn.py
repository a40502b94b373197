"""`swarm spawn`: run passes of the luigi workflow until nothing more can move.

A pass gives the scheduler every stage agents could still act on (swarm.runtime.stages), a
window at a time (swarm.runtime.feeder), and ends when they have all ended. Another pass follows
only if a stage is ready now (swarm.runtime.readiness): its task in its state, its dependencies
done, no pull request waiting for an approval it has not got, no live claim of another agent on
it. After a pass that moved things that is the common case's end: nothing is ready, and no pass
runs only to confirm it (which had been a quarter of a run at N=8 on the largest shared plan).
Passes in a row that move nothing (a stage that failed, one a pass never got to because luigid
restarted or a worker died) are bounded by max_stage_attempts. If other agents hold live claims
on pending stages (a swarm that was killed, another machine), the loop waits for the earliest
lease to end. It stops when only people (needs_human, blocked, approvals) or nothing at all can
move things.

A swarm of several agents runs luigid (or joins the one given) with its assistants forked once
for the whole run; one agent runs its stages in this process with luigi's local scheduler.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarm.gitstore import GitStore
from swarm.integrator import finish_merged_pulls, finish_merges
from swarm.readme_refresh import refresh_readme
from swarm.repack import LOOSE_OBJECTS_TO_PACK, Packed, keep_packed
from swarm.repo import FORGE_DIR, open_repo
from swarm.runtime.engines import load_engine
from swarm.runtime.feeder import DEFAULT_WINDOW
from swarm.runtime.graph import Ended, failures_path, read_results, stage_task
from swarm.runtime.readiness import ready_stages, wait_for_foreign_claims
from swarm.runtime.runner import Runner
from swarm.runtime.scheduler import assistants, configure, local_luigid, wait_until_up
from swarm.runtime.stages import Stage, pass_stages
from swarm.task_index import TaskIndex

MOVED = {"merged", "blocked"}
IDLE = "idle: only people, approvals or nothing can move things now"
_MAX_WAIT_S = 3600.0
_JOIN_S = 10.0  # how long a luigid given by URL may take to answer at the start


@dataclass(frozen=True)
class SpawnOptions:
    engine_spec: str = '{"model": "offline"}'
    research: int = 2
    compliance: int = 1
    executor: int = 4
    until_idle: bool = True
    max_passes: int = 1000
    scheduler_url: str | None = None  # luigid; None: luigi's local scheduler
    workers: int | None = None  # agents at once in all; None: the sum of the pools
    window: int = DEFAULT_WINDOW  # stages given to the scheduler and not finished, at most
    pack_at: int = LOOSE_OBJECTS_TO_PACK  # loose objects that get packed when the run ends


@dataclass
class SpawnReport:
    run_id: str
    passes: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stopped: str = ""
    packed: Packed | None = None  # the loose objects packed at the end, if there were enough

    @property
    def luigi_failures(self) -> int:
        return len(self.failures)

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(r["outcome"] for r in self.results)

    @property
    def failed(self) -> bool:
        return self.luigi_failures > 0 or self.outcomes["failed"] > 0

    @property
    def cost_usd(self) -> float:
        return sum(float(r["cost_usd"]) for r in self.results)


def pools(options: SpawnOptions) -> dict[str, int]:
    return {
        "research": options.research,
        "compliance": options.compliance,
        "executor": options.executor,
    }


def agent_count(options: SpawnOptions) -> int:
    return options.workers or max(sum(pools(options).values()), 1)


@dataclass(frozen=True)
class PassOutcome:
    stages: int  # given to the scheduler
    failures: list[str]  # what raised in stages (bugs, not outcomes)


def run_pass(
    repo_dir: Path,
    options: SpawnOptions,
    run_id: str,
    runner: Runner,
    pass_no: int = 0,
    finish: bool = True,
) -> PassOutcome:
    """One pass of the workflow. It starts by finishing the merges a killed integrator left
    half done (another worker of a shared scheduler may have been killed during this run);
    `finish`: also sync every issue with main (worth it at the start of a run and after a
    pass in which a stage did not end normally, not between passes that all ended so)."""
    repo = open_repo(repo_dir)
    try:
        (finish_merges if finish else finish_merged_pulls)(repo, time.time())
        with TaskIndex(repo_dir) as index:
            stages = pass_stages(index.entries(repo.git))
    finally:
        repo.forge.close()
    failures = failures_path(repo_dir, run_id)
    failures.unlink(missing_ok=True)
    if stages:

        def make(stage: Stage) -> Any:
            return stage_task(
                str(repo_dir), stage.task, stage.stage, run_id, options.engine_spec, pass_no
            )

        runner.run_pass(stages, make, options.window, Ended(repo_dir, run_id, pass_no))
    lines = failures.read_text().splitlines() if failures.exists() else []
    return PassOutcome(len(stages), lines)


def spawn(
    repo_dir: Path,
    options: SpawnOptions,
    on_pass: Callable[[SpawnReport], None] = lambda _r: None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> SpawnReport:
    configure(pools(options), repo_dir / FORGE_DIR)

    def warm() -> None:
        load_engine(options.engine_spec).preload(open_repo(repo_dir))

    with _scheduler(options, warm) as url:
        return _passes(repo_dir, options, Runner(url), on_pass, clock, sleep)


@contextlib.contextmanager
def _scheduler(options: SpawnOptions, warm: Callable[[], None]) -> Iterator[str | None]:
    """luigid's URL with this run's assistants joined to it, or None for one agent in this
    process. `warm` readies this process before any worker is forked from it (while a local
    luigid starts). Whatever leaves the block (an error, a callback that stops the run) ends
    the assistants and the local luigid."""
    count = agent_count(options)
    if options.scheduler_url is None and count == 1:
        warm()
        yield None
        return
    with contextlib.ExitStack() as stack:
        if options.scheduler_url is None:
            url = stack.enter_context(local_luigid(meanwhile=warm))
        else:
            url = options.scheduler_url
            warm()
            # a wrong URL or a luigid that is down is said so, before any worker is started
            wait_until_up(url, _JOIN_S)
        stack.enter_context(assistants(url, count))
        yield url


def _passes(
    repo_dir: Path,
    options: SpawnOptions,
    runner: Runner,
    on_pass: Callable[[SpawnReport], None],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> SpawnReport:
    report = SpawnReport(run_id=f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}")
    seen = stalled = 0
    clean = False  # the last pass's stages all ended normally (none raised, none was lost)
    while report.passes < options.max_passes:
        report.passes += 1
        done = run_pass(repo_dir, options, report.run_id, runner, report.passes, finish=not clean)
        report.failures += done.failures
        report.results = read_results(repo_dir, report.run_id)
        fresh, seen = report.results[seen:], len(report.results)
        clean = len(fresh) == done.stages and not done.failures
        on_pass(report)
        moved = any(r["outcome"] in MOVED for r in fresh)
        if moved:
            refresh_readme(open_repo(repo_dir), clock())
        if not options.until_idle:
            if not moved:
                report.stopped = IDLE
            break
        # a pass that moved nothing may still be worth another: a stage failed (its failures
        # are counted on its issue and run out), one was never run (luigid restarted, a worker
        # died), a person approved. Passes in a row that move nothing are bounded.
        if ready_stages(repo_dir, clock()) and (moved or stalled < _max_stage_attempts(repo_dir)):
            stalled = 0 if moved else stalled + 1
            continue
        wait = wait_for_foreign_claims(repo_dir, clock())
        if wait is None:
            report.stopped = IDLE
            break
        sleep(min(wait, _MAX_WAIT_S))
    else:
        report.stopped = f"stopped after {options.max_passes} passes"
    refresh_readme(open_repo(repo_dir), clock())
    report.packed = keep_packed(GitStore.open(repo_dir).path, options.pack_at)
    return report


def _max_stage_attempts(repo_dir: Path) -> int:
    repo = open_repo(repo_dir)
    try:
        return repo.settings().max_stage_attempts
    finally:
        repo.forge.close()
