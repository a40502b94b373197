"""Commits, check runs and commit statuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pygit2

from ghcontract import gitops
from ghcontract.context import Ctx, Reply, route
from ghcontract.errors import ApiError, custom, invalid, missing_field, not_found
from ghcontract.state import CheckRun, CommitStatus, Repo


def _stamp(value: Any, default: float | None) -> float | None:
    if value is None:
        return default
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _commit(ctx: Ctx, repo: Repo, ref: str) -> tuple[pygit2.Repository, str]:
    git = gitops.open_repo(repo.path)
    sha = gitops.resolve_commitish(git, ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    return git, sha


@route("get", "/repos/{owner}/{repo}/commits/{ref}")
def get_commit(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    git = gitops.open_repo(repo.path)
    sha = gitops.resolve_commitish(git, ctx.params["ref"])
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ctx.params['ref']}")
    return Reply(200, ctx.objects.commit(repo, git, sha))


# ---------------------------------------------------------------------- check runs


def _may_write_checks(ctx: Ctx) -> None:
    allowed = ctx.server.check_run_tokens
    if allowed is not None and ctx.server.token_of(ctx.login) not in allowed:
        raise ApiError(403, "You must authenticate via a GitHub App.")


def _apply_status(run: CheckRun, fields: dict[str, Any], now: float) -> None:
    if fields.get("conclusion") is not None:
        run.conclusion = fields["conclusion"]
        run.status = "completed"
    elif fields.get("status") is not None:
        run.status = fields["status"]
    if run.status == "completed" and run.conclusion is None:
        raise missing_field("CheckRun", "conclusion")
    if run.status == "completed":
        run.completed_at = _stamp(fields.get("completed_at"), run.completed_at or now)


@route("post", "/repos/{owner}/{repo}/check-runs")
def create_check_run(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    _may_write_checks(ctx)
    git = gitops.open_repo(repo.path)
    if not gitops.commit_exists(git, fields["head_sha"]):
        raise invalid("CheckRun", "head_sha", fields["head_sha"])
    now = ctx.now()
    suites = {r.head_sha: r.suite_id for r in repo.check_runs}
    run = CheckRun(
        id=ctx.world.new_id("check_run"),
        suite_id=suites.get(fields["head_sha"]) or ctx.world.new_id("check_suite"),
        name=fields["name"],
        head_sha=fields["head_sha"],
        status="queued",
        conclusion=None,
        started_at=_stamp(fields.get("started_at"), now) or now,
        completed_at=None,
        details_url=fields.get("details_url"),
        external_id=fields.get("external_id"),
        output=dict(fields.get("output") or {}),
    )
    _apply_status(run, fields, now)
    repo.check_runs.append(run)
    return Reply(201, ctx.objects.check_run(repo, run))


def _check_run(ctx: Ctx, repo: Repo) -> CheckRun:
    wanted = int(ctx.params["check_run_id"])
    for run in repo.check_runs:
        if run.id == wanted:
            return run
    raise not_found()


@route("get", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
def get_check_run(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(200, ctx.objects.check_run(repo, _check_run(ctx, repo)))


@route("patch", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
def update_check_run(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    _may_write_checks(ctx)
    run = _check_run(ctx, repo)
    for key in ("name", "details_url", "external_id"):
        if key in fields:
            setattr(run, key, fields[key])
    if "output" in fields:
        run.output = dict(fields["output"] or {})
    if "started_at" in fields:
        run.started_at = _stamp(fields["started_at"], run.started_at) or run.started_at
    _apply_status(run, fields, ctx.now())
    return Reply(200, ctx.objects.check_run(repo, run))


@route("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs")
def list_check_runs_for_ref(ctx: Ctx) -> Reply:
    repo, query = ctx.repo(), ctx.query
    _, sha = _commit(ctx, repo, ctx.params["ref"])
    runs = [r for r in repo.check_runs if r.head_sha == sha]
    if query.get("filter", "latest") == "latest":
        latest: dict[str, CheckRun] = {}
        for run in runs:
            latest[run.name] = run
        runs = list(latest.values())
    if "check_name" in query:
        runs = [r for r in runs if r.name == query["check_name"]]
    if "status" in query:
        runs = [r for r in runs if r.status == query["status"]]
    runs.sort(key=lambda r: -r.id)
    page = ctx.page(runs)
    return Reply(
        200,
        {"total_count": len(runs), "check_runs": [ctx.objects.check_run(repo, r) for r in page]},
    )


# ---------------------------------------------------------------------- commit statuses


@route("post", "/repos/{owner}/{repo}/statuses/{sha}")
def create_status(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    git = gitops.open_repo(repo.path)
    sha = ctx.params["sha"]
    if not gitops.commit_exists(git, sha):
        raise custom("Status", f"No commit found for SHA: {sha}", field="sha")
    now = ctx.now()
    status = CommitStatus(
        id=ctx.world.new_id("status"),
        sha=sha,
        state=fields["state"],
        target_url=fields.get("target_url"),
        description=fields.get("description"),
        context=fields.get("context") or "default",
        creator=ctx.login,
        created_at=now,
        updated_at=now,
    )
    repo.statuses.append(status)
    body = ctx.objects.status(repo, status, with_creator=True)
    return Reply(201, body, {"Location": body["url"]})


@route("get", "/repos/{owner}/{repo}/commits/{ref}/statuses")
def list_statuses(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    _, sha = _commit(ctx, repo, ctx.params["ref"])
    items = sorted((s for s in repo.statuses if s.sha == sha), key=lambda s: -s.id)
    return Reply(200, [ctx.objects.status(repo, s, with_creator=True) for s in ctx.page(items)])


@route("get", "/repos/{owner}/{repo}/commits/{ref}/status")
def combined_status(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    _, sha = _commit(ctx, repo, ctx.params["ref"])
    latest: dict[str, CommitStatus] = {}
    for status in sorted((s for s in repo.statuses if s.sha == sha), key=lambda s: s.id):
        latest[status.context] = status
    states = {s.state for s in latest.values()}
    if states & {"error", "failure"}:
        state = "failure"
    elif not states or "pending" in states:
        state = "pending"
    else:
        state = "success"
    api = ctx.objects.repo_api(repo)
    statuses = sorted(latest.values(), key=lambda s: -s.id)
    return Reply(
        200,
        {
            "state": state,
            "statuses": [
                ctx.objects.status(repo, s, with_creator=False) for s in ctx.page(statuses)
            ],
            "sha": sha,
            "total_count": len(statuses),
            "repository": ctx.objects.repository(repo, "minimal-repository"),
            "commit_url": f"{api}/commits/{sha}",
            "url": f"{api}/commits/{sha}/status",
        },
    )
