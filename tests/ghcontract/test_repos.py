"""Users, repositories, authentication and the primary rate limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from github import (
    BadCredentialsException,
    Github,
    GithubException,
    RateLimitExceededException,
    UnknownObjectException,
)

from ghcontract.pytest_plugin import BOT_TOKEN
from ghcontract.server import ContractServer

from .conftest import client


def test_user_and_repositories(github_server: ContractServer, gh: Github) -> None:
    me = gh.get_user()
    assert me.login == "swarm-bot"
    repo = me.create_repo("plan", private=True, description="the plan")
    assert (repo.full_name, repo.private, repo.default_branch) == ("swarm-bot/plan", True, "main")
    assert repo.clone_url == github_server.git_url("swarm-bot", "plan")
    assert repo.url.startswith(github_server.api_url)

    again = gh.get_repo("swarm-bot/plan")  # a fresh GET, compared with the creation answer
    assert (again.id, again.description, again.private) == (repo.id, "the plan", True)
    assert gh.get_user().create_repo("public-one").private is False  # GitHub's default

    with pytest.raises(GithubException) as refused:
        me.create_repo("plan")
    assert refused.value.status == 422
    assert refused.value.data["errors"][0]["message"] == "name already exists on this account"


def test_org_repository(gh: Github) -> None:
    org = gh.get_organization("swarm-org")
    repo = org.create_repo("org-plan", private=True)
    assert repo.full_name == "swarm-org/org-plan"
    assert repo.owner.type == "Organization"
    with pytest.raises(UnknownObjectException):
        gh.get_organization("nobody-org")


def test_missing_repository_and_bad_token(github_server: ContractServer, gh: Github) -> None:
    with pytest.raises(UnknownObjectException):
        gh.get_repo("swarm-bot/nothing")
    with pytest.raises(BadCredentialsException):
        client(github_server, "ghp_wrong").get_user().login  # noqa: B018
    assert github_server.calls[-1] == ("GET", "/user", 401)


def test_rate_limit_headers_and_budget(tmp_path: Path) -> None:
    with ContractServer(tmp_path, {BOT_TOKEN: "swarm-bot"}, rate_limit=3) as server:
        gh = client(server)
        assert gh.get_user().login == "swarm-bot"
        remaining, limit = gh.rate_limiting
        assert (remaining, limit) == (2, 3)
        overview = gh.get_rate_limit()  # GET /rate_limit is free, as on GitHub
        assert overview.resources.core.remaining == 2
        gh.get_user().login  # noqa: B018
        gh.get_user().login  # noqa: B018
        with pytest.raises(RateLimitExceededException) as limited:
            gh.get_user().login  # noqa: B018
        assert limited.value.status == 403
        assert limited.value.headers["x-ratelimit-remaining"] == "0"
        assert int(limited.value.headers["x-ratelimit-reset"]) > 0
        assert not server.violations
