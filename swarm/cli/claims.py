"""`swarm claims DIR` and `swarm release DIR TASK --as NAME`."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from swarm import claims
from swarm.cli.output import emit_json
from swarm.errors import SwarmError
from swarm.repo import open_repo
from swarm.states import STAGE_OF


@click.command("claims")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--all", "show_all", is_flag=True, help="Include released claims.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, show_all: bool, as_json: bool) -> None:
    """List claims: who holds which (task, stage), with which token, until when."""
    repo = open_repo(repo_dir)
    now = time.time()
    rows = [c for c in claims.list_claims(repo.git) if show_all or c.held]
    if as_json:
        emit_json(
            [
                {
                    "task": c.task,
                    "stage": c.stage,
                    "agent": c.agent,
                    "token": c.token,
                    "status": c.status(now),
                    "expires": c.expires,
                }
                for c in rows
            ]
        )
        return
    for c in rows:
        until = dt.datetime.fromtimestamp(c.expires, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{c.task:<10} {c.stage:<11} {c.agent:<16} token {c.token:<4} "
            f"{c.status(now):<9} until {until} UTC"
        )
    click.echo(f"{len(rows)} claims")


@click.command("release")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.argument("task")
@click.option("--as", "name", required=True, help="Your name, as listed in swarm.yaml humans.")
@click.option(
    "--stage",
    type=click.Choice(sorted(set(STAGE_OF.values()))),
    default=None,
    help="Only this stage's claim (default: every held claim of the task).",
)
def release_command(repo_dir: Path, task: str, name: str, stage: str | None) -> None:
    """End an agent's claim on TASK by hand; the release is recorded with your name."""
    repo = open_repo(repo_dir)
    if name not in repo.settings().humans:
        raise SwarmError(f"{name} is not listed in swarm.yaml humans: only people may release")
    stages = [stage] if stage else sorted(set(STAGE_OF.values()))
    released = [s for s in stages if claims.force_release(repo.git, task, s, name, time.time())]
    if not released:
        raise SwarmError(f"{task}: no held claim to release", 1)
    click.echo(f"released {task} {', '.join(released)} (by {name})")
