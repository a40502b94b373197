"""`swarm status DIR`: counts per state and phase, ready/claimed/in review, cost, schedule."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from swarm import claims
from swarm.cli.output import emit_json
from swarm.collector import collector_paused
from swarm.gitstore import GitStore
from swarm.repo import Repo, open_repo
from swarm.states import ORDER, STAGE_OF
from swarm.status import TaskView, per_task, ready, schedule_progress, summarize
from swarm.task_index import TaskIndex


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


def gather(repo: Repo, today: dt.date, now: float, task_list: bool = True) -> dict[str, Any]:
    """Everything status shows, read from one commit of main (so the parts agree), through
    the task index: the task files are looked up by blob id, never parsed twice."""
    main = repo.git.resolve("main")
    assert main is not None, "open_repo checked that main exists"
    # reading the index makes an entry per task and no cycles (30 ms of collector at 10k)
    with TaskIndex(repo.path) as index, collector_paused():
        tasks = index.entries(repo.git, main)
        cost = index.ledger_cost(repo.git, main)
    live = live_claims(repo.git, tasks, now)
    with repo.forge as forge:
        review = {pr.task_key: pr.number for pr in forge.list_pull_requests("open")}
        issues = {i.key: i.number for i in forge.list_issues()} if task_list else {}
    data = {
        "title": repo.plan_title(main),
        **summarize(tasks),
        "ready": ready(tasks),
        "claimed": sorted(live),
        "in_review": sorted(review),
        "cost_usd": round(cost, 6),
        "schedule": schedule_progress(tasks, today),
    }
    if task_list:
        data["task_list"] = per_task(tasks, live, review, issues)
    return data


def live_claims(git: GitStore, tasks: Sequence[TaskView], now: float) -> dict[str, str]:
    """Task id -> agent, for each task whose current stage an agent holds a live claim on.
    Only those claims are read: after a run there are three claim refs per task, nearly all
    released, and reading every one would make status as slow as the plan is long."""
    out: dict[str, str] = {}
    if not git.may_have_refs(claims.PREFIX):  # nothing was ever claimed: skip a look-up per task
        return out
    for t in tasks:
        stage = STAGE_OF.get(t.state)
        if stage is None:
            continue
        claim = claims.read(git, t.id, stage)
        if claim is not None and claim.live(now):
            out[t.id] = claim.agent
    return out


@click.command("status")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--tasks", "show_tasks", is_flag=True, help="Also list every task.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, show_tasks: bool, as_json: bool) -> None:
    """Show how many tasks are in each state, what is ready, claimed, in review, waiting on
    people, the cost so far and progress against the plan's schedule."""
    repo = open_repo(repo_dir)
    with repo.forge:
        data = gather(repo, dt.date.today(), time.time(), task_list=show_tasks)
    if as_json:
        emit_json(data)
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
