"""`swarm spawn DIR`: run the swarm on a materialized repository."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import click

from swarm.cli.github_options import carry_out_commands, forge_options, prepare_spawn
from swarm.cli.output import emit_json
from swarm.errors import EXIT_FAILED_CHECK
from swarm.repo import open_repo
from swarm.runtime.engines import OFFLINE, engine_spec
from swarm.runtime.graph import read_results
from swarm.runtime.spawn import SpawnOptions, SpawnReport, spawn
from swarm.runtime.summary import final_summary, last_outcomes
from swarm.status import summarize
from swarm.task_index import TaskIndex


@click.command("spawn")
@click.argument("repo_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--model",
    default=OFFLINE,
    show_default=True,
    envvar="SWARM_MODEL",
    help="'offline', 'routed' (swarm.yaml's routes per role) or a litellm model.",
)
@click.option("--research", default=2, show_default=True, help="Research agents at once.")
@click.option("--compliance", default=1, show_default=True, help="Compliance agents at once.")
@click.option("--executor", default=4, show_default=True, help="Executor agents at once.")
@click.option(
    "--until-idle/--one-pass",
    default=True,
    show_default=True,
    help="Run passes until nothing more can move, or just one.",
)
@click.option("--scheduler-url", default=None, help="luigid's URL to share one swarm.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@forge_options
def command(
    repo_dir: Path,
    model: str,
    research: int,
    compliance: int,
    executor: int,
    until_idle: bool,
    scheduler_url: str | None,
    as_json: bool,
    forge: str,
    gh_repo: str | None,
    api_url: str | None,
    writes_per_minute: float,
    dry_run: bool,
) -> None:
    """Run research, compliance and executor agents until only people can move things.

    People's commands in issue comments (/done, /handback, /approve) are carried out first.
    With --forge github, DIR is the repository's mirror (cloned when missing)."""
    repo_dir = repo_dir.absolute()
    if prepare_spawn(repo_dir, forge, gh_repo, api_url, writes_per_minute, dry_run, as_json):
        return
    carry_out_commands(repo_dir)  # opens DIR first: fails early and clearly on a wrong DIR
    options = SpawnOptions(
        engine_spec(model), research, compliance, executor, until_idle, scheduler_url=scheduler_url
    )
    started = time.monotonic()
    with _Progress(repo_dir, enabled=sys.stderr.isatty() and not as_json) as progress:
        report = spawn(repo_dir, options, on_pass=progress.pass_done)
    summary = final_summary(open_repo(repo_dir), report, time.monotonic() - started)
    if as_json:
        emit_json(summary)
    else:
        _print(summary)
    if summary["failed_stages"] or report.luigi_failures:
        raise click.exceptions.Exit(EXIT_FAILED_CHECK)


def _print(s: dict[str, object]) -> None:
    click.echo(f"Swarm stopped after {s['passes']} pass(es), {s['seconds']} s: {s['stopped']}")
    click.echo(f"  pull requests merged: {s['merged']}, cost ${s['cost_usd']:.4f}")
    click.echo(f"  tasks: {s['states']}")
    for line in s["people"]:  # type: ignore[attr-defined]
        click.echo(f"  waiting on people: {line}")
    for line in s["failed_stages"]:  # type: ignore[attr-defined]
        click.echo(f"  failed: {line}")
    if s["packed_objects"]:
        click.echo(f"  git: {s['packed_objects']} loose objects packed")


class _Progress:
    """A one-line live display on a terminal: tasks per state, merges, cost."""

    def __init__(self, repo_dir: Path, enabled: bool) -> None:
        self.repo_dir, self.enabled = repo_dir, enabled
        self._stop = threading.Event()
        self._run_id = ""
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> _Progress:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
            click.echo("", err=True)

    def pass_done(self, report: SpawnReport) -> None:
        self._run_id = report.run_id

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                repo = open_repo(self.repo_dir, sync=False)
                with TaskIndex(self.repo_dir) as index:  # not a parse of every task file
                    states = summarize(index.entries(repo.git))["states"]
                repo.forge.close()
            except Exception:
                continue
            results = read_results(self.repo_dir, self._run_id) if self._run_id else []
            merged = sum(1 for r in last_outcomes(results).values() if r["outcome"] == "merged")
            cost = sum(float(r["cost_usd"]) for r in results)
            shown = " ".join(f"{k}:{v}" for k, v in states.items() if v)
            click.echo(f"\r  {shown} | merged {merged} | ${cost:.4f}   ", err=True, nl=False)
