"""`swarm human done|handback|unblock|cancel DIR TASK --as NAME`: people's moves."""

from __future__ import annotations

import time
from pathlib import Path

import click

from swarm.human import Action, act
from swarm.repo import open_repo
from swarm.states import State


@click.group("human")
def group() -> None:
    """What people do to tasks; each goes through a pull request and the gates."""


def _run(
    repo_dir: Path,
    task: str,
    name: str,
    action: Action,
    evidence: str | None = None,
    to: State = State.TODO,
) -> None:
    repo = open_repo(repo_dir)
    with repo.forge:
        outcome = act(repo, task, name, action, time.time(), evidence, to)
    click.echo(f"{task}: {action} merged as #{outcome.pr.number} ({outcome.merge_commit[:12]})")


_dir = click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
_task = click.argument("task")
_as = click.option("--as", "name", required=True, help="Your name, as in swarm.yaml humans.")


@group.command("done")
@_dir
@_task
@_as
@click.option(
    "--evidence",
    required=True,
    metavar="TEXT|FILE",
    help="What proves it is done: a statement, or a file to keep with the task.",
)
def done(repo_dir: Path, task: str, name: str, evidence: str) -> None:
    """Finish a task that waits on a person (needs_human → done)."""
    _run(repo_dir, task, name, "done", evidence)


@group.command("handback")
@_dir
@_task
@_as
def handback(repo_dir: Path, task: str, name: str) -> None:
    """Give a task back to the agents (needs_human → cleared)."""
    _run(repo_dir, task, name, "handback")


@group.command("unblock")
@_dir
@_task
@_as
@click.option(
    "--to",
    "to",
    type=click.Choice(["todo", "researched", "cleared"]),
    default="todo",
    show_default=True,
)
def unblock(repo_dir: Path, task: str, name: str, to: str) -> None:
    """Unblock a task (blocked → todo, researched or cleared)."""
    _run(repo_dir, task, name, "unblock", to=State(to))


@group.command("cancel")
@_dir
@_task
@_as
def cancel(repo_dir: Path, task: str, name: str) -> None:
    """Cancel a task that is not done."""
    _run(repo_dir, task, name, "cancel")
