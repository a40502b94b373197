"""`swarm demo`: the project's own example plan, materialized on the local forge."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

import click

from planexe import read_plan
from swarm.cli.output import stepper
from swarm.cli.status import print_status
from swarm.materialize import materialize
from swarm.repo import open_repo
from swarm.status import summarize


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
    """Materialize the built-in example plan and show what was made."""
    target = out or Path(tempfile.mkdtemp(prefix="plan-swarm-demo-")) / "repo"
    plan = read_plan(example_plan_path())
    click.echo(
        f"Example plan: {plan.title}: {len(plan.detailed_tasks)} tasks in "
        f"{len(plan.phases)} phases, {len(plan.dependencies)} dependencies"
    )
    result = materialize(plan, target.absolute(), ("demo-human",), stepper())
    repo = open_repo(result.out)
    with repo.forge as forge:
        issues = forge.list_issues()
    click.echo(f"Repository: {result.out} (main at {result.commit[:12]})")
    click.echo(
        f"  {result.tasks} task files, {len(issues)} issues ({result.issues.created} created now)"
    )
    print_status(plan.title, summarize(repo.tasks()))
    click.echo(f"\nLook at it:  git clone {result.out} demo-clone && ls demo-clone/tasks")
    click.echo(f"             swarm issues {result.out}")
