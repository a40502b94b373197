"""`swarm materialize PLAN --out DIR`: the plan as a repository with its issues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click

from planexe import read_plan
from swarm.cli.github_options import forge_options, print_requests, target_of
from swarm.cli.output import emit_json, stepper
from swarm.forge import github_target
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
@forge_options
def command(
    plan_path: Path,
    out: Path,
    humans: tuple[str, ...],
    as_json: bool,
    forge: str,
    gh_repo: str | None,
    api_url: str | None,
    writes_per_minute: float,
    dry_run: bool,
) -> None:
    """Make DIR a bare Git repository holding the plan, one YAML file and one issue per task.

    With --forge github, DIR is a mirror of the GitHub repository OWNER/NAME, which gets the
    same history in one push, and the labels, milestones and issues (token: $GITHUB_TOKEN).
    Running it again with the same plan changes nothing; a different plan is refused.
    """
    target = target_of(forge, gh_repo, api_url, writes_per_minute, dry_run)
    step = stepper(enabled=None if not as_json else False)
    step("reading plan")
    plan = read_plan(plan_path)
    if dry_run:
        from swarm import github_requests
        from swarm.plan_tasks import build_tasks

        requests = github_requests.materialize(build_tasks(plan), owner_is_user=None)
        note = f"Materializing {plan.title!r} into an empty {target.repo if target else ''}:"
        print_requests(requests, as_json, note)
        return
    result = materialize(plan, out.absolute(), humans, step, local_issues=target is None)
    if target is not None:
        result = publish_to_github(result, target, step)
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


def publish_to_github(
    result: Result, target: github_target.GitHubTarget, step: Callable[[str], None]
) -> Result:
    """Publish the materialized repository to GitHub (`swarm watch RUN --forge github` too)."""
    from swarm.github_publish import publish

    step(f"publishing to GitHub {target.repo}")
    done = publish(result.out, target, github_target.token())
    click.echo(
        f"GitHub {target.repo}: {'created' if done.created else 'existing'} repository, "
        f"main {'pushed' if done.pushed else 'already there'}",
        err=True,
    )
    return replace(result, issues=done.issues)
