"""`swarm approve DIR PR --as NAME`: a person approves a pull request's current head."""

from __future__ import annotations

from pathlib import Path

import click

from swarm.errors import SwarmError
from swarm.forge.base import Review
from swarm.repo import open_repo


@click.command("approve")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.argument("number", metavar="PR", type=int)
@click.option("--as", "name", required=True, help="Your name, as listed in swarm.yaml humans.")
@click.option("--comment", default="", help="A note to keep with the approval.")
def command(repo_dir: Path, number: int, name: str, comment: str) -> None:
    """Approve PR's head commit; a later commit on the pull request voids the approval."""
    repo = open_repo(repo_dir)
    humans = repo.settings().humans
    if name not in humans:
        listed = ", ".join(humans) or "nobody"
        raise SwarmError(f"{name} may not approve: swarm.yaml lists {listed} as humans")
    with repo.forge as forge:
        acting = getattr(forge, "login", None)
        if callable(acting) and acting() != name:
            raise SwarmError(
                f"on GitHub a review is by the token's user ({acting()}), not {name}: approve "
                f"with {name}'s own token, in GitHub's review page, or comment `/approve` on "
                "the task's issue"
            )
        pr = forge.get_pull_request(number)
        if pr.state != "open":
            raise SwarmError(f"pull request #{number} is {pr.state}, not open")
        forge.add_review(Review(number, name, "approved", pr.head_sha, comment))
    click.echo(f"{name} approved #{number} at {pr.head_sha[:12]}")
