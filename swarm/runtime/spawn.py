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
import luigi.configuration

from swarm import claims
from swarm.readme_refresh import refresh_readme
from swarm.repo import open_repo
from swarm.runtime.engines import load_engine
from swarm.runtime.graph import pending_stages, read_results, roots, stage_task

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


@dataclass
class SpawnReport:
    run_id: str
    passes: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    luigi_failures: int = 0
    stopped: str = ""

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(r["outcome"] for r in self.results)

    @property
    def failed(self) -> bool:
        return self.luigi_failures > 0 or self.outcomes["failed"] > 0

    @property
    def cost_usd(self) -> float:
        return sum(float(r["cost_usd"]) for r in self.results)


def configure_luigi(options: SpawnOptions) -> None:
    config = luigi.configuration.get_config()  # type: ignore[no-untyped-call]
    for pool, count in (
        ("research", options.research),
        ("compliance", options.compliance),
        ("executor", options.executor),
    ):
        config.set("resources", pool, str(max(count, 0)))
    # each stage checks on main whether it can act; see swarm.runtime.graph
    config.set("worker", "check_unfulfilled_deps", "false")
    config.set("worker", "keep_alive", "false")
    # luigi's defaults make an idle worker sleep 1 s plus up to 5 s of jitter before it asks for
    # work again: fine for hour-long batch jobs, ruinous for stages of a fraction of a second
    config.set("worker", "wait_interval", "0.02")
    config.set("worker", "wait_jitter", "0.0")
    config.set("core", "no_lock", "true")


def run_pass(repo_dir: Path, options: SpawnOptions, run_id: str) -> int:
    """One pass of the workflow; returns luigi's count of failed tasks (bugs, not outcomes)."""
    repo = open_repo(repo_dir)
    tasks = [
        stage_task(str(repo_dir), task_id, stage, run_id, options.engine_spec)
        for task_id, stage in roots(repo)
    ]
    if not tasks:
        return 0
    repo.forge.close()
    workers = max(options.research + options.compliance + options.executor, 1)
    kwargs: dict[str, Any] = {"workers": workers, "detailed_summary": True, "log_level": "ERROR"}
    if options.scheduler_url:
        kwargs["scheduler_url"] = options.scheduler_url
    else:
        kwargs["local_scheduler"] = True
    result = luigi.build(tasks, **kwargs)  # type: ignore[no-untyped-call]
    return len(_failed_tasks(result))


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
    configure_luigi(options)
    load_engine(options.engine_spec).preload(open_repo(repo_dir))
    report = SpawnReport(run_id=f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}")
    seen = 0
    while report.passes < options.max_passes:
        report.passes += 1
        report.luigi_failures += run_pass(repo_dir, options, report.run_id)
        report.results = read_results(repo_dir, report.run_id)
        fresh, seen = report.results[seen:], len(report.results)
        on_pass(report)
        if any(r["outcome"] in MOVED for r in fresh):
            refresh_readme(open_repo(repo_dir), clock())
            if options.until_idle:
                continue
            break
        wait = _wait_for_foreign_claims(repo_dir, clock())
        if wait is None or not options.until_idle:
            report.stopped = "idle: only people, approvals or nothing can move things now"
            break
        sleep(min(wait, _MAX_WAIT_S))
    else:
        report.stopped = f"stopped after {options.max_passes} passes"
    refresh_readme(open_repo(repo_dir), clock())
    return report


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
