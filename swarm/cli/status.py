"""`swarm status DIR`: counts per state and phase, ready/claimed/in review, cost, schedule."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import click

from swarm import claims
from swarm.cli.output import emit_json
from swarm.llm.ledger import ledger_from_jsonl
from swarm.repo import Repo, open_repo
from swarm.states import ORDER
from swarm.status import per_task, ready, schedule_progress, summarize


def print_status(title: str, data: dict[str, Any]) -> None:
    click.echo(f"{title}: {data['finished']} of {data['tasks']} tasks finished")
    states = [s.value for s in ORDER]
    width = max([len(p["code"] + p["title"]) + 1 for p in data["phases"]] + [10])
    width = min(width, 48)
    click.echo(f"  {'phase':<{width}} " + " ".join(f"{s[:10]:>10}" for s in states))
    for p in data["phases"]:
        name = f"{p['code']} {p['title']}"[:width]
        click.echo(f"  {name:<{width}} " + " ".join(f"{p['states'][s]:>10}" for s in states))
    click.echo(f"  {'all':<{width}} " + " ".join(f"{data['states'][s]:>10}" for s in states))


def gather(repo: Repo, today: dt.date, now: float) -> dict[str, Any]:
    tasks = repo.tasks()
    live = {c.task: c.agent for c in claims.list_claims(repo.git) if c.live(now)}
    with repo.forge as forge:
        review = {pr.task_key: pr.number for pr in forge.list_pull_requests("open")}
        issues = {i.key: i.number for i in forge.list_issues()}
    cost = 0.0
    for path in repo.git.paths("main", "ledger"):
        cost += sum(line.cost_usd for line in ledger_from_jsonl(repo.git.read("main", path) or b""))
    return {
        "title": repo.settings().plan.title,
        **summarize(tasks),
        "ready": ready(tasks),
        "claimed": sorted(live),
        "in_review": sorted(review),
        "cost_usd": round(cost, 6),
        "schedule": schedule_progress(tasks, today),
        "task_list": per_task(tasks, live, review, issues),
    }


@click.command("status")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--tasks", "show_tasks", is_flag=True, help="Also list every task.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, show_tasks: bool, as_json: bool) -> None:
    """Show how many tasks are in each state, what is ready, claimed, in review, waiting on
    people, the cost so far and progress against the plan's schedule."""
    repo = open_repo(repo_dir)
    with repo.forge:
        data = gather(repo, dt.date.today(), time.time())
    if as_json:
        emit_json(data if show_tasks else {k: v for k, v in data.items() if k != "task_list"})
        return
    print_status(data["title"], data)
    s = data["schedule"]
    click.echo(
        f"  ready: {len(data['ready'])}, claimed: {len(data['claimed'])}, in review: "
        f"{len(data['in_review'])}, cost so far: ${data['cost_usd']:.4f}"
    )
    click.echo(
        f"  schedule ({s['today']}): {s['planned_done_by_today']} planned done by now, "
        f"{s['done']} done, {len(s['behind'])} behind"
    )
    if show_tasks:
        for t in data["task_list"]:
            extra = ", ".join(
                x
                for x in (
                    "ready" if t["ready"] else "",
                    f"claimed by {t['claimed_by']}" if t["claimed_by"] else "",
                    f"PR #{t['pull_request']}" if t["pull_request"] else "",
                    f"waiting on {t['waiting_on']}" if t["waiting_on"] else "",
                )
                if x
            )
            click.echo(f"  {t['id']:<10} {t['state']:<12} {t['title'][:50]:<50} {extra}")
