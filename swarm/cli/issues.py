"""`swarm issues DIR`: the forge's issues with their task ids, numbers, labels and states."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from swarm.cli.output import emit_json
from swarm.repo import open_repo


@click.command("issues")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--state",
    type=click.Choice(["open", "closed", "all"]),
    default="all",
    show_default=True,
    help="Which issues to list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, state: str, as_json: bool) -> None:
    """List the repository's issues: one per task, one per subtask."""
    repo = open_repo(repo_dir)
    with repo.forge as forge:
        issues = [i for i in forge.list_issues() if state in ("all", i.state)]
    if as_json:
        emit_json([asdict(i) | {"body": None} for i in issues])
        return
    for i in issues:
        labels = ",".join(i.labels)
        click.echo(f"#{i.number:<5} {i.state:<6} {i.key:<14} {i.title}  [{labels}]")
    click.echo(f"{len(issues)} issues")
