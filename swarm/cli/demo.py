"""`swarm demo`: the project's own example plan, materialized on the local forge and carried
forward by the offline swarm until only people can move it."""

from __future__ import annotations

import sys
import tempfile
from importlib import resources
from pathlib import Path

import click

from planexe import read_plan
from swarm.cli.output import stepper
from swarm.cli.spawn import _Progress
from swarm.cli.status import print_status
from swarm.materialize import materialize
from swarm.repo import open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions, spawn
from swarm.runtime.summary import final_summary
from swarm.status import summarize

DEMO_HUMAN = "demo-human"


def example_plan_path() -> Path:
    return Path(str(resources.files("swarm.example_plan")))


@click.command("demo")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to make the repository (default: a new temporary directory).",
)
def command(out: Path | None) -> None:
    """Materialize the built-in example plan and run the offline swarm on it."""
    target = (out or Path(tempfile.mkdtemp(prefix="plan-swarm-demo-")) / "repo").absolute()
    plan = read_plan(example_plan_path())
    click.echo(
        f"Example plan: {plan.title}: {len(plan.detailed_tasks)} tasks in "
        f"{len(plan.phases)} phases, {len(plan.dependencies)} dependencies"
    )
    result = materialize(plan, target, (DEMO_HUMAN,), stepper())
    click.echo(
        f"Repository: {result.out} ({result.tasks} task files, {result.issues.created} issues)"
    )
    click.echo("Running the offline swarm (2 research, 1 compliance, 4 executor agents)…")
    with _Progress(result.out, enabled=sys.stderr.isatty()) as progress:
        report = spawn(result.out, SpawnOptions(engine_spec("offline")), on_pass=progress.pass_done)
    repo = open_repo(result.out)
    summary = final_summary(repo, report, 0.0)
    click.echo(
        f"\nMerged {summary['merged']} pull requests in {report.passes} passes; "
        f"{summary['stopped']}."
    )
    print_status(plan.title, summarize(repo.tasks()))
    if summary["people"]:
        click.echo(f"\nWaiting on people ({len(summary['people'])}):")
        for line in summary["people"]:
            click.echo(f"  {line}")
    for line in summary["failed_stages"]:
        click.echo(f"  failed: {line}")
    click.echo(
        f"\nLook at it:  git clone {result.out} demo-clone && git -C demo-clone log "
        "--first-parent --oneline | head"
    )
    click.echo(f"             swarm status {result.out} --tasks")
    click.echo(
        f"Finish a human task:  swarm human done {result.out} TASK --evidence TEXT "
        f"--as {DEMO_HUMAN}"
    )
