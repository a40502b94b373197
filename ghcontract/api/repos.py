"""Users, repositories and the rate limit."""

from __future__ import annotations

import re

from ghcontract import gitops
from ghcontract.context import Ctx, Reply, route
from ghcontract.errors import custom, not_found
from ghcontract.state import Repo

_BAD_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")


@route("get", "/user")
def get_authenticated_user(ctx: Ctx) -> Reply:
    return Reply(200, ctx.objects.private_user(ctx.login))


@route("get", "/users/{username}")
def get_user(ctx: Ctx) -> Reply:
    account = ctx.world.find_account(ctx.params["username"])
    if account is None:
        raise not_found()
    return Reply(200, ctx.objects.public_user(account.login))


@route("get", "/orgs/{org}")
def get_org(ctx: Ctx) -> Reply:
    login = ctx.server.orgs.get(ctx.params["org"].lower())
    if login is None:
        raise not_found()
    return Reply(200, ctx.objects.organization(login))


@route("get", "/repos/{owner}/{repo}")
def get_repo(ctx: Ctx) -> Reply:
    return Reply(200, ctx.objects.repository(ctx.repo()))


@route("post", "/user/repos")
def create_user_repo(ctx: Ctx) -> Reply:
    return _create_repo(ctx, ctx.login, kind="User")


@route("post", "/orgs/{org}/repos")
def create_org_repo(ctx: Ctx) -> Reply:
    org = ctx.params["org"]
    if org.lower() not in ctx.server.orgs:
        raise not_found()
    return _create_repo(ctx, ctx.server.orgs[org.lower()], kind="Organization")


def _create_repo(ctx: Ctx, owner_login: str, kind: str) -> Reply:
    fields = ctx.fields()
    # GitHub turns characters it does not allow in a name into hyphens.
    name = _BAD_NAME_CHARS.sub("-", str(fields["name"]))
    if name in {"", ".", ".."}:
        raise custom("Repository", "name is invalid", field="name")
    if ctx.world.find_repo(owner_login, name) is not None:
        raise custom("Repository", "name already exists on this account", field="name")
    owner = ctx.world.account(owner_login, kind)
    private = fields.get("private")
    if "visibility" in fields:
        private = fields["visibility"] != "public"
    now = ctx.now()
    repo = Repo(
        id=ctx.world.new_id("repo"),
        owner=owner,
        name=name,
        private=bool(private) if private is not None else False,
        description=fields.get("description"),
        path=ctx.server.repo_path(owner.login, name),
        created_at=now,
        updated_at=now,
        has_issues=fields.get("has_issues", True),
    )
    gitops.init_bare(
        repo.path,
        repo.default_branch,
        auto_init=bool(fields.get("auto_init")),
        title=name,
        login=ctx.login,
    )
    ctx.world.repos[repo.full_name.lower()] = repo
    body = ctx.objects.repository(repo)
    return Reply(201, body, {"Location": body["url"]})


@route("get", "/rate_limit")
def get_rate_limit(ctx: Ctx) -> Reply:
    limit, remaining, reset, used = ctx.server.rate.state(ctx.login)
    return Reply(200, ctx.objects.rate_limit(limit, remaining, reset, used))
