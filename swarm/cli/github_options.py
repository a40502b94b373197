"""The options every command that can talk to GitHub shares, and the dry-run printout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from swarm.cli.output import emit_json
from swarm.github_requests import Request, api_calls

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


def print_requests(requests: Sequence[Request], as_json: bool, note: str) -> None:
    if as_json:
        emit_json({"requests": [r.as_dict() for r in requests], "api_calls": api_calls(requests)})
        return
    click.echo(f"Dry run: nothing was sent. {note}")
    for r in requests:
        click.echo(f"  {r.method:<6} {r.path:<48} x{r.count:<5} {r.why}")
    click.echo(f"  {api_calls(requests)} REST API call(s); GIT lines are git smart-HTTP exchanges")
