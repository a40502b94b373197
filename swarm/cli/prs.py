"""`swarm prs DIR`: the pull requests, with their task, stage, state and last check."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from swarm.cli.output import emit_json
from swarm.repo import open_repo


@click.command("prs")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--state",
    type=click.Choice(["open", "merged", "closed", "all"]),
    default="all",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, state: str, as_json: bool) -> None:
    """List pull requests."""
    repo = open_repo(repo_dir)
    rows = []
    with repo.forge as forge:
        for pr in forge.list_pull_requests(None if state == "all" else state):
            checks = [c for c in forge.list_checks(pr.number) if c.commit_sha == pr.head_sha]
            rows.append((pr, checks[-1].conclusion if checks else "none"))
    if as_json:
        emit_json([asdict(pr) | {"check": check} for pr, check in rows])
        return
    for pr, check in rows:
        click.echo(
            f"#{pr.number:<5} {pr.state:<7} {pr.task_key:<10} {pr.stage:<10} "
            f"{pr.author:<14} check:{check:<8} {pr.title}"
        )
    click.echo(f"{len(rows)} pull requests")
