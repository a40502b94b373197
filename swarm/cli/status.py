"""`swarm status DIR`: counts per state, overall and per phase, read from main."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from swarm.cli.output import emit_json
from swarm.repo import open_repo
from swarm.states import ORDER
from swarm.status import summarize


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


@click.command("status")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, as_json: bool) -> None:
    """Show how many tasks are in each state, overall and per phase."""
    repo = open_repo(repo_dir)
    with repo.forge:  # not needed here, but open_repo opened it: close it
        title = repo.settings().plan.title
        data = summarize(repo.tasks())
    if as_json:
        emit_json({"title": title, **data})
    else:
        print_status(title, data)
