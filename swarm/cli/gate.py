"""`swarm gate DIR --base REV --head REV`: run the gates on a change, as CI does."""

from __future__ import annotations

import time
from pathlib import Path

import click

from swarm.cli.output import emit_json, print_findings
from swarm.errors import EXIT_FAILED_CHECK, SwarmError
from swarm.forge.local import LocalForge
from swarm.gates.model import Approval
from swarm.gitstore import GitStore
from swarm.integrator import judge
from swarm.repo import is_plan_swarm_repo
from swarm.trailers import parse


@click.command("gate")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path), default=".")
@click.option("--base", "base_rev", required=True, help="The branch the change goes into.")
@click.option("--head", "head_rev", required=True, help="The change's head commit.")
@click.option(
    "--actor",
    default=None,
    help="Who made the change (default: the pull request's author on the local "
    "forge, else the head commit's Swarm-Agent trailer).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(repo_dir: Path, base_rev: str, head_rev: str, actor: str | None, as_json: bool) -> None:
    """Judge HEAD merged into BASE: exit 0 when no gate says error, 1 when one does."""
    git = GitStore.open(repo_dir)
    base, head = git.resolve(base_rev), git.resolve(head_rev)
    if base is None or head is None:
        raise SwarmError(f"{repo_dir}: no commit '{base_rev if base is None else head_rev}'")
    author, approvals = _from_local_forge(repo_dir, head)
    author = actor or author or parse(git.commit_message(head)).get("Swarm-Agent", "")
    verdict = judge(git, base, head, author, approvals, time.time())
    if as_json:
        emit_json({"ok": verdict.ok, "findings": [f.as_dict() for f in verdict.findings]})
    else:
        print_findings(verdict.findings)
        click.echo("gates passed" if verdict.ok else "gates failed")
    if not verdict.ok:
        raise click.exceptions.Exit(EXIT_FAILED_CHECK)


def _from_local_forge(repo_dir: Path, head: str) -> tuple[str, tuple[Approval, ...]]:
    if not is_plan_swarm_repo(repo_dir):
        return "", ()
    with LocalForge(repo_dir) as forge:
        for pr in forge.list_pull_requests():
            if pr.head_sha == head:
                reviews = forge.list_reviews(pr.number)
                return pr.author, tuple(
                    Approval(r.reviewer, r.commit_sha) for r in reviews if r.state == "approved"
                )
    return "", ()
