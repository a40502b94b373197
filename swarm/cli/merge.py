"""`swarm merge DIR PR`: judge a pull request against main and merge it if the gates pass."""

from __future__ import annotations

import time
from pathlib import Path

import click

from swarm.cli.output import emit_json, print_findings
from swarm.errors import EXIT_FAILED_CHECK, SwarmError
from swarm.integrator import merge
from swarm.repo import open_repo


@click.command("merge")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.argument("number", metavar="PR", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, number: int, as_json: bool) -> None:
    """Merge pull request PR into main when the gates pass (exit 1 when they do not)."""
    repo = open_repo(repo_dir)
    with repo.forge:
        state = repo.forge.get_pull_request(number).state
        if state != "open":  # merge() settles it quietly for a racing agent; a person is told
            raise SwarmError(f"pull request #{number} is {state}, not open")
        outcome = merge(repo, number, time.time())
    findings = outcome.judgement.findings
    if as_json:
        emit_json(
            {
                "merged": outcome.merged,
                "merge_commit": outcome.merge_commit,
                "findings": [f.as_dict() for f in findings],
            }
        )
    else:
        print_findings(findings)
        if outcome.merged:
            click.echo(f"merged #{number} as {outcome.merge_commit[:12]}")
        else:
            click.echo(f"#{number} not merged: the gates failed")
    if not outcome.merged:
        raise click.exceptions.Exit(EXIT_FAILED_CHECK)
