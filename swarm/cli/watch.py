"""`swarm watch RUN --out DIR` and `swarm watch DIR`: watch mode (see swarm.watch)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from click.core import ParameterSource

from swarm.cli.github_options import target_of
from swarm.cli.materialize import publish_to_github
from swarm.cli.output import stepper
from swarm.errors import EXIT_INTERRUPTED, SwarmError
from swarm.forge import github_target
from swarm.forge.github_target import GitHubTarget
from swarm.materialize import Result, Step
from swarm.repo import FORGE_DIR, is_plan_swarm_repo, open_repo
from swarm.runtime.engines import OFFLINE, engine_spec
from swarm.runtime.spawn import SpawnOptions
from swarm.runtime.summary import final_summary
from swarm.watch.remote import DEFAULT_POLL_S, is_mirror
from swarm.watch.repo_watch import DEFAULT_DEBOUNCE_S, Run, watch_repo
from swarm.watch.run_files import scan
from swarm.watch.run_watch import Publish, check_paths, materialize_once, wait_until_finished
from swarm.watch.stop import StopSignals

RUN_OPTIONS = ("humans", "forge", "gh_repo", "api_url", "writes_per_minute", "settle", "timeout")
REPO_OPTIONS = ("model", "research", "compliance", "executor", "debounce", "poll")


@click.command("watch")
@click.argument("path", metavar="RUN|DIR", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    metavar="DIR",
    help="Wait for the PlanExe run folder RUN to finish, then materialize it into DIR.",
)
@click.option(
    "--human",
    "humans",
    multiple=True,
    metavar="NAME",
    help="With --out: a person who may approve and close human tasks (repeatable).",
)
@click.option(
    "--forge",
    type=click.Choice(["local", "github"]),
    default="local",
    show_default=True,
    help="With --out: where the issues go (github: DIR becomes a mirror of --repo).",
)
@click.option(
    "--repo", "gh_repo", metavar="OWNER/NAME", help="With --forge github: the GitHub repository."
)
@click.option(
    "--api-url",
    default=None,
    help="With --forge github: GitHub's API (default: $GITHUB_API_URL, else "
    "https://api.github.com; GitHub Enterprise: https://HOST/api/v3).",
)
@click.option(
    "--writes-per-minute",
    type=click.FloatRange(min=0, min_open=True),
    default=80.0,
    metavar="N",
    show_default=True,
    help="With --forge github: pace of content-creating requests to GitHub.",
)
@click.option(
    "--settle",
    type=click.FloatRange(min=0),
    default=2.0,
    metavar="SECONDS",
    show_default=True,
    help="With --out: seconds the run's files must stay unchanged before it is read.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="With --out: give up (exit 1) when the run has not finished by then.",
)
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
    "--debounce",
    type=click.FloatRange(min=0),
    default=DEFAULT_DEBOUNCE_S,
    metavar="SECONDS",
    show_default=True,
    help="Seconds without a further change before a pass starts.",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help=f"On a mirror of a GitHub repository: seconds between looks at what people did "
    f"there (reviews, merges, /done comments); default {DEFAULT_POLL_S:g}. Refused on a local "
    "repository, whose changes are seen as they happen.",
)
@click.pass_context
def command(
    ctx: click.Context,
    path: Path,
    out: Path | None,
    humans: tuple[str, ...],
    forge: str,
    gh_repo: str | None,
    api_url: str | None,
    writes_per_minute: float,
    settle: float,
    timeout: float | None,
    model: str,
    research: int,
    compliance: int,
    executor: int,
    debounce: float,
    poll: float | None,
) -> None:
    """Materialize a PlanExe run once it finishes, or run the swarm whenever people act.

    \b
    swarm watch RUN --out DIR
      Wait until the PlanExe run folder RUN has finished (its completion
      marker, or a report and a work breakdown, and no file changing for
      --settle seconds), materialize it into DIR as `swarm materialize`
      does, and exit 0. Run again, it finds DIR made and does nothing.
      With --forge github --repo OWNER/NAME, as `swarm materialize --forge
      github` does (token: $GITHUB_TOKEN); run again, it completes what a
      stopped watcher left undone on GitHub, else only reads.
    swarm watch DIR
      Run the swarm on the repository DIR now, and again whenever its refs
      (a merge, a branch, a released claim) or approvals change, until
      SIGINT or SIGTERM. On a mirror of a GitHub repository, GitHub is
      polled every --poll seconds for people's reviews, merges and
      /done, /approve, /handback comments (a few API calls per poll).

    A signal ends the watch with exit 0 once the pass under way has finished;
    a second one abandons that pass (exit 130: its claims are leased and the
    next run resumes it). Stopped while waiting for a run to finish: exit 130.
    """
    if out is not None:
        _refuse_given(ctx, REPO_OPTIONS, "with --out (they are for watching a repository)")
        target = target_of(forge, gh_repo, api_url, writes_per_minute, dry_run=False)
        _watch_run(path.absolute(), out.absolute(), humans, settle, timeout, target)
        return
    _refuse_given(ctx, RUN_OPTIONS, "without --out (they are for watching a PlanExe run)")
    if poll is not None and is_plan_swarm_repo(path) and not is_mirror(path):
        raise click.UsageError(
            "--poll is for a mirror of a GitHub repository: every change to a local "
            "repository is a write on this machine, seen as it happens",
            ctx,
        )
    options = SpawnOptions(engine_spec(model), research, compliance, executor)
    _watch_repo(path.absolute(), options, debounce, poll)


def _refuse_given(ctx: click.Context, names: tuple[str, ...], why: str) -> None:
    given = [n for n in names if ctx.get_parameter_source(n) is ParameterSource.COMMANDLINE]
    if given:
        flags = {p.name: p.opts[0] for p in ctx.command.params}
        shown = ", ".join(flags[n] for n in given)
        raise click.UsageError(f"{shown} cannot be used {why}", ctx)


def _watch_run(
    run_dir: Path,
    out: Path,
    humans: tuple[str, ...],
    settle: float,
    timeout: float | None,
    target: GitHubTarget | None,
) -> None:
    check_paths(run_dir, out)
    step = stepper()
    publish = _publisher(out, target, step)  # before any waiting: a missing token is said now
    with StopSignals() as stop:
        finished = wait_until_finished(
            run_dir, settle, timeout, lambda: stop.requested, lambda m: click.echo(m, err=True)
        )
        if finished is None:
            click.echo(f"stopped waiting for {run_dir}; nothing was materialized", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED)
        plan = finished.plan
        click.echo(f"{run_dir} has finished ({finished.reason}): {plan.title!r}")
        for w in plan.warnings:
            where = f"{w.file}: " if w.file else ""
            click.echo(f"warning [{w.code}] {where}{w.message}", err=True)
        # a signal from here on waits for the materialization: it is short and must be whole
        result = materialize_once(plan, out, humans, step, publish)
    if result is None or _nothing_done(result):
        where = f" and GitHub {target.repo} has all of it" if target else ""
        click.echo(f"{out} already holds {plan.title!r} from this run{where}: nothing to do")
        return
    click.echo(f"Materialized {plan.title!r} into {result.out}")
    click.echo(f"  {result.tasks} task files, main at {result.commit[:12]}")
    click.echo(f"  issues: {result.issues.created} created, {result.issues.updated} updated")
    click.echo(f"  next: swarm watch {result.out}")


def _publisher(out: Path, target: GitHubTarget | None, step: Step) -> Publish | None:
    """How the materialized repository goes to GitHub, as `swarm materialize --forge github`
    does; None for the local forge."""
    if target is None:
        return None
    github_target.token()
    held = github_target.load(out / FORGE_DIR) if is_plan_swarm_repo(out) else None
    if held is not None and held.repo != target.repo:
        raise SwarmError(f"{out}: already mirrors GitHub repository {held.repo}, not {target.repo}")
    return lambda result: publish_to_github(result, target, step)


def _nothing_done(result: Result) -> bool:
    return not result.fresh and result.issues.created == result.issues.updated == 0


def _watch_repo(repo_dir: Path, options: SpawnOptions, debounce: float, poll: float | None) -> None:
    if not is_plan_swarm_repo(repo_dir) and repo_dir.is_dir():
        files = scan(repo_dir)
        if files.files and files.looks_like_planexe():
            raise SwarmError(
                f"{repo_dir}: a PlanExe run folder, not a plan-swarm repository; "
                "to materialize it once it finishes: swarm watch RUN --out DIR"
            )
    open_repo(repo_dir).forge.close()  # fail early and clearly on a wrong DIR
    click.echo(f"Watching {repo_dir}: {_what_wakes(repo_dir, poll)}; stop with Ctrl-C or SIGTERM")
    with StopSignals() as stop:
        runs = watch_repo(
            repo_dir,
            options,
            stop,
            lambda run: _print_run(repo_dir, run),
            debounce,
            poll,
            lambda m: click.echo(m, err=True),
        )
    click.echo(f"Stopped watching {repo_dir} after {runs} run(s)")


def _what_wakes(repo_dir: Path, poll: float | None) -> str:
    target = github_target.load(repo_dir / FORGE_DIR)
    if target is None:
        return "the swarm runs now and whenever refs or approvals change"
    every = DEFAULT_POLL_S if poll is None else poll
    return (
        f"the swarm runs now, whenever refs change, and when people act on GitHub "
        f"{target.repo} (polled every {every:g} s)"
    )


def _print_run(repo_dir: Path, run: Run) -> None:
    s = final_summary(open_repo(repo_dir), run.report, run.seconds)
    when = time.strftime("%H:%M:%S")
    ended = "stopped by a signal" if run.stopped else s["stopped"]
    click.echo(
        f"[{when}] run {run.number} ({run.trigger}): {s['passes']} pass(es) in {s['seconds']} s, "
        f"{s['merged']} merged, tasks {s['states']}; {ended}"
    )
    for line in s["failed_stages"]:
        click.echo(f"  failed: {line}")
    if s["people"]:
        click.echo(f"  waiting on people: {len(s['people'])} (swarm status {repo_dir} --tasks)")
