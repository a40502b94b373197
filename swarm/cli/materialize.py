"""`swarm materialize PLAN --out DIR`: the plan as a repository with its issues."""

from __future__ import annotations

from pathlib import Path

import click

from planexe import read_plan
from swarm.cli.output import emit_json, stepper
from swarm.materialize import Result, materialize


def result_data(result: Result) -> dict[str, object]:
    return {
        "out": str(result.out),
        "commit": result.commit,
        "tree": result.tree,
        "fresh": result.fresh,
        "tasks": result.tasks,
        "issues_created": result.issues.created,
        "issues_updated": result.issues.updated,
    }


@click.command("materialize")
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="The repository to make (new or empty), or one made from this plan before.",
)
@click.option(
    "--human",
    "humans",
    multiple=True,
    metavar="NAME",
    help="A person who may approve and close human tasks (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(plan_path: Path, out: Path, humans: tuple[str, ...], as_json: bool) -> None:
    """Make DIR a bare Git repository holding the plan, one YAML file and one issue per task.

    Running it again with the same plan changes nothing; a different plan is refused.
    """
    step = stepper(enabled=None if not as_json else False)
    step("reading plan")
    plan = read_plan(plan_path)
    result = materialize(plan, out.absolute(), humans, step)
    if as_json:
        emit_json(result_data(result) | {"warnings": [w.model_dump() for w in plan.warnings]})
        return
    for w in plan.warnings:
        click.echo(f"warning [{w.code}] {w.file + ': ' if w.file else ''}{w.message}", err=True)
    if result.fresh:
        click.echo(f"Materialized {plan.title!r} into {result.out}")
    else:
        click.echo(f"{result.out} already holds {plan.title!r}: git left unchanged")
    click.echo(f"  {result.tasks} task files, main at {result.commit[:12]}")
    click.echo(f"  issues: {result.issues.created} created, {result.issues.updated} updated")
    click.echo(f"  look at it: git clone {result.out} && swarm status {result.out}")
