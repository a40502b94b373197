"""What a spawn run did, for people and for --json."""

from __future__ import annotations

from typing import Any

from swarm.repo import Repo
from swarm.runtime.context import StageContext
from swarm.runtime.spawn import SpawnReport
from swarm.states import State
from swarm.status import summarize
from swarm.task_index import TaskIndex


def last_outcomes(results: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in results:
        out[(r["task"], r["stage"])] = r
    return out


def final_summary(repo: Repo, report: SpawnReport, seconds: float) -> dict[str, Any]:
    with TaskIndex(repo.path) as index:
        tasks = index.entries(repo.git)
    last = last_outcomes(report.results)
    people = []
    ctx = StageContext(repo)  # reads the few task files whose text is shown
    with repo.forge as forge:
        for t in tasks:
            if t.state not in (State.NEEDS_HUMAN, State.BLOCKED):
                continue
            issue = forge.issue_by_key(t.id)
            ref = f"issue #{issue.number}" if issue else "no issue"
            if t.state is State.NEEDS_HUMAN:
                full = ctx.task(t.id)
                why = full.escalation if full else None
                people.append(f"{t.id} needs a person ({ref}): {_line(why)}".strip())
            else:
                people.append(f"{t.id} blocked ({ref}): {_line(t.blocked_reason)}".strip())
        for pr in forge.list_pull_requests("open"):
            people.append(f"{pr.task_key} {pr.stage}: pull request #{pr.number} awaits approval")
    failed = [f"{k[0]} {k[1]}: {r['detail']}" for k, r in last.items() if r["outcome"] == "failed"]
    return {
        "passes": report.passes,
        "seconds": round(seconds, 2),
        "stopped": report.stopped,
        "merged": sum(1 for r in report.results if r["outcome"] == "merged"),
        "cost_usd": round(report.cost_usd, 6),
        "states": {k: v for k, v in summarize(tasks)["states"].items() if v},
        "people": people,
        "failed_stages": failed,
        "luigi_failures": report.luigi_failures,
        "luigi_failure_lines": report.failures[:20],
        "packed_objects": report.packed.objects if report.packed else 0,
    }


def _line(text: str | None, limit: int = 110) -> str:
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
