"""`swarm verify DIR`: replay main and check that every transition was legal."""

from __future__ import annotations

from pathlib import Path

import click

from swarm.cli.output import emit_json
from swarm.errors import EXIT_FAILED_CHECK
from swarm.gitstore import MAIN, GitStore
from swarm.verify import verify


@click.command("verify")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path), default=".")
@click.option("--rev", default=MAIN, show_default=True, help="The history to replay.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, rev: str, as_json: bool) -> None:
    """Replay REV's first-parent history; exit 1 at any illegal change of state."""
    report = verify(GitStore.open(repo_dir), rev)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "commits": report.commits,
                "merges": report.merges,
                "violations": [v.as_dict() for v in report.violations],
                "notes": report.notes,
            }
        )
    else:
        for note in report.notes:
            click.echo(f"note: {note}")
        for v in report.violations:
            click.echo(f"violation [{v.rule}] {v.commit[:12]} {v.path}: {v.message}")
        verdict = "ok" if report.ok else f"{len(report.violations)} violation(s)"
        click.echo(f"{report.commits} commits, {report.merges} merges replayed: {verdict}")
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FAILED_CHECK)
