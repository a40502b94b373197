"""`swarm spawn`: run passes of the luigi workflow until nothing more can move.

A pass schedules every stage agents could still act on. After a pass, if nothing was merged
but other agents hold live claims (a swarm that was killed, or another machine), the loop waits
for the earliest lease to end instead of stopping early. It stops when only people (needs_human,
blocked, approvals) or nothing at all can move things.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import luigi

from swarm import claims
from swarm.integrator import finish_merges
from swarm.readme_refresh import refresh_readme
from swarm.repo import FORGE_DIR, open_repo
from swarm.runtime.engines import load_engine
from swarm.runtime.graph import pending_stages, read_results, results_path, roots, stage_task
from swarm.runtime.scheduler import configure, local_luigid, run_workers

MOVED = {"merged", "blocked"}
_MAX_WAIT_S = 3600.0


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


@dataclass
class SpawnReport:
    run_id: str
    passes: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stopped: str = ""

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


def run_pass(
    repo_dir: Path, options: SpawnOptions, run_id: str, url: str | None, pass_no: int = 0
) -> list[str]:
    """One pass of the workflow; returns what luigi says failed (bugs, not outcomes)."""
    repo = open_repo(repo_dir)
    finish_merges(repo, time.time())  # those a killed swarm left half done
    tasks = [
        stage_task(str(repo_dir), task_id, stage, run_id, options.engine_spec, pass_no)
        for task_id, stage in roots(repo)
    ]
    repo.forge.close()
    if not tasks:
        return []
    workers = options.workers or max(sum(pools(options).values()), 1)
    if url is None:  # one agent: luigi's local scheduler, stages in this process
        result = luigi.build(  # type: ignore[no-untyped-call]
            tasks, workers=1, local_scheduler=True, detailed_summary=True, log_level="ERROR"
        )
        return _failed_tasks(result)
    return run_workers(tasks, url, workers, results_path(repo_dir, run_id).with_suffix(".fail"))


def _failed_tasks(result: Any) -> list[str]:
    summary = getattr(result, "summary_text", "") or ""
    status = getattr(result, "status", None)
    name = getattr(status, "name", "")
    if name in ("SUCCESS", "SUCCESS_WITH_RETRY"):
        return []
    return [line for line in summary.splitlines() if "failed" in line.lower()] or [name]


def spawn(
    repo_dir: Path,
    options: SpawnOptions,
    on_pass: Callable[[SpawnReport], None] = lambda _r: None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> SpawnReport:
    configure(pools(options), repo_dir / FORGE_DIR)
    load_engine(options.engine_spec).preload(open_repo(repo_dir))
    workers = options.workers or max(sum(pools(options).values()), 1)
    if options.scheduler_url or workers == 1:
        return _passes(repo_dir, options, options.scheduler_url, on_pass, clock, sleep)
    with local_luigid() as url:
        return _passes(repo_dir, options, url, on_pass, clock, sleep)


def _passes(
    repo_dir: Path,
    options: SpawnOptions,
    url: str | None,
    on_pass: Callable[[SpawnReport], None],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> SpawnReport:
    report = SpawnReport(run_id=f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}")
    seen = retries = 0
    while report.passes < options.max_passes:
        report.passes += 1
        report.failures += run_pass(repo_dir, options, report.run_id, url, report.passes)
        report.results = read_results(repo_dir, report.run_id)
        fresh, seen = report.results[seen:], len(report.results)
        on_pass(report)
        if any(r["outcome"] in MOVED for r in fresh):
            retries = 0
            refresh_readme(open_repo(repo_dir), clock())
            if options.until_idle:
                continue
            break
        failed = any(r["outcome"] == "failed" for r in fresh)
        if options.until_idle and failed and retries < _max_stage_attempts(repo_dir):
            # a failed stage is tried again (each failure is counted on its task's issue) until
            # its attempts run out and it is blocked: a bounded number of passes
            retries += 1
            continue
        wait = _wait_for_foreign_claims(repo_dir, clock())
        if wait is None or not options.until_idle:
            report.stopped = "idle: only people, approvals or nothing can move things now"
            break
        sleep(min(wait, _MAX_WAIT_S))
    else:
        report.stopped = f"stopped after {options.max_passes} passes"
    refresh_readme(open_repo(repo_dir), clock())
    return report


def _max_stage_attempts(repo_dir: Path) -> int:
    repo = open_repo(repo_dir)
    try:
        return repo.settings().max_stage_attempts
    finally:
        repo.forge.close()


def _wait_for_foreign_claims(repo_dir: Path, now: float) -> float | None:
    """Seconds until the earliest live claim on a pending stage ends, or None when there is
    none (then nothing but people can unblock the swarm)."""
    repo = open_repo(repo_dir)
    in_review = {(pr.task_key, pr.stage) for pr in repo.forge.list_pull_requests("open")}
    pending = set(pending_stages(repo)) - in_review
    ends = [
        c.expires
        for c in claims.list_claims(repo.git)
        if c.live(now) and (c.task, c.stage) in pending
    ]
    repo.forge.close()
    return max(min(ends) - now, 0.0) + 0.05 if ends else None
