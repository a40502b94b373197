"""The options every command that can talk to GitHub shares, and the dry-run printout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from swarm import github_requests
from swarm.cli.output import emit_json
from swarm.errors import SwarmError
from swarm.forge import github_target
from swarm.github_requests import Request, api_calls
from swarm.gitstore import GitStore
from swarm.repo import read_tasks
from swarm.states import State

F = TypeVar("F", bound=Callable[..., Any])


def forge_options(func: F) -> F:
    options = [
        click.option(
            "--forge",
            type=click.Choice(["local", "github"]),
            default="local",
            show_default=True,
            help="Where issues and pull requests live.",
        ),
        click.option("--repo", "gh_repo", metavar="OWNER/NAME", help="The GitHub repository."),
        click.option(
            "--api-url",
            default=None,
            help="GitHub's API (default: $GITHUB_API_URL, else https://api.github.com; "
            "GitHub Enterprise: https://HOST/api/v3).",
        ),
        click.option(
            "--writes-per-minute",
            type=click.FloatRange(min=0, min_open=True),
            default=80.0,
            show_default=True,
            help="Pace of content-creating requests to GitHub.",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Print the GitHub requests it would send (method, path, count); send none.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def target_of(
    forge: str, repo: str | None, api_url: str | None, writes: float, dry_run: bool
) -> github_target.GitHubTarget | None:
    """The GitHub repository the options name; None for the local forge."""
    if forge == "local":
        if repo or dry_run:
            raise SwarmError(f"{'--repo' if repo else '--dry-run'} goes with --forge github")
        return None
    if not repo:
        raise SwarmError("--forge github needs --repo OWNER/NAME")
    return github_target.GitHubTarget(
        github_target.parse_repo(repo), github_target.api_url(api_url), "", writes
    )


def print_requests(requests: Sequence[Request], as_json: bool, note: str) -> None:
    if as_json:
        emit_json({"requests": [r.as_dict() for r in requests], "api_calls": api_calls(requests)})
        return
    click.echo(f"Dry run: nothing was sent. {note}")
    for r in requests:
        click.echo(f"  {r.method:<6} {r.path:<48} x{r.count:<5} {r.why}")
    click.echo(f"  {api_calls(requests)} REST API call(s); GIT lines are git smart-HTTP exchanges")


def prepare_spawn(
    repo_dir: Path,
    forge: str,
    gh_repo: str | None,
    api_url: str | None,
    writes_per_minute: float,
    dry_run: bool,
    as_json: bool,
) -> bool:
    """Before a swarm runs on DIR: with --forge github, make DIR a mirror of the repository
    (cloning it on a machine that has none); with --dry-run, print what a pass would send
    and return True (the swarm must not run)."""
    target = target_of(forge, gh_repo, api_url, writes_per_minute, dry_run)
    if target is None:
        return False
    if dry_run:
        stages = movable_stages(repo_dir)
        requests = [replace(r, count=r.count * stages) for r in github_requests.per_stage()]
        note = f"A pass on {target.repo} can run up to {stages} stage(s) now; at most:"
        print_requests(requests, as_json, note)
        return True
    from swarm.github_publish import attach

    attach(repo_dir, target, github_target.token())
    return False


def movable_stages(repo_dir: Path) -> int:
    """Stages agents could run now, read from the mirror as it is (no fetch: a dry run sends
    nothing); 0 when DIR does not exist yet."""
    if not (repo_dir / "HEAD").is_file():
        return 0
    tasks = read_tasks(GitStore.open(repo_dir))
    done = {t.id for t in tasks if t.state is State.DONE}
    ahead = {State.TODO: 3, State.RESEARCHED: 2}  # a pass carries a task through its stages
    return sum(
        ahead.get(t.state, 1 if t.state is State.CLEARED and set(t.depends_on) <= done else 0)
        for t in tasks
    )


def carry_out_commands(repo_dir: Path) -> None:
    """People's commands in issue comments, before the swarm's pass (see comment_commands)."""
    import time

    from swarm.comment_commands import process
    from swarm.repo import open_repo

    repo = open_repo(repo_dir)
    with repo.forge:
        for done in process(repo, time.time()):
            click.echo(f"{done.who} on {done.task}: /{done.verb}: {done.outcome}", err=True)
