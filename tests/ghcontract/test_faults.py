"""Injected faults, seen through PyGithub's own retry policy."""

from __future__ import annotations

import time

import pytest
import requests
from github import GithubException, GithubRetry, RateLimitExceededException
from github.Repository import Repository

from ghcontract.calllog import Call
from ghcontract.faults import Faults
from ghcontract.pytest_plugin import BOT_TOKEN
from ghcontract.server import ContractServer

from .conftest import client

ISSUES = "/repos/{owner}/{repo}/issues"


def retrying(server: ContractServer) -> Repository:
    gh = client(server, retry=GithubRetry(total=5, backoff_factor=0.01))
    return gh.get_repo("swarm-bot/plan")


def test_502_is_retried(github_server: ContractServer, repo: Repository) -> None:
    fault = github_server.faults.arm("status_502", "POST", ISSUES, times=2)
    issue = retrying(github_server).create_issue("survives two 502s")
    assert fault.fired == 2
    assert github_server.calls.filter("POST", ISSUES) == [
        Call("POST", ISSUES, 502),
        Call("POST", ISSUES, 502),
        Call("POST", ISSUES, 201),
    ]
    assert [i.number for i in repo.get_issues()] == [issue.number]  # a 502 did nothing


def test_502_without_retry_surfaces(github_server: ContractServer, repo: Repository) -> None:
    github_server.faults.arm("status_502", "GET", "/repos/{owner}/{repo}")
    with pytest.raises(GithubException) as bad_gateway:
        client(github_server).get_repo("swarm-bot/plan")
    assert bad_gateway.value.status == 502


def test_secondary_limit_honours_retry_after(
    github_server: ContractServer, repo: Repository
) -> None:
    github_server.faults.arm("secondary_limit", "POST", ISSUES, retry_after=1)
    started = time.monotonic()
    retrying(github_server).create_issue("after a pause")
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in github_server.calls.filter("POST", ISSUES)] == [403, 201]


def test_secondary_limit_429(github_server: ContractServer, repo: Repository) -> None:
    github_server.faults.arm("secondary_limit_429", "GET", ISSUES)
    with pytest.raises(GithubException) as limited:
        list(client(github_server).get_repo("swarm-bot/plan").get_issues())
    assert limited.value.status == 429
    assert limited.value.headers["retry-after"] == "1"
    assert limited.value.data["message"].startswith("You have exceeded a secondary rate limit")


def test_primary_limit(github_server: ContractServer, repo: Repository) -> None:
    github_server.faults.arm("primary_limit", "GET", ISSUES, reset_in=30)
    with pytest.raises(RateLimitExceededException) as limited:
        list(client(github_server).get_repo("swarm-bot/plan").get_issues())
    headers = limited.value.headers
    assert headers["x-ratelimit-remaining"] == "0"
    assert int(headers["x-ratelimit-reset"]) >= int(time.time()) + 29
    # A client that caps its wait refuses to sleep until the reset.
    capped = client(github_server, retry=GithubRetry(total=3, max_rate_limit_wait=5))
    github_server.faults.arm("primary_limit", "GET", ISSUES, reset_in=30)
    with pytest.raises(GithubException):
        list(capped.get_repo("swarm-bot/plan").get_issues())


def test_ref_exists_422(github_server: ContractServer, repo: Repository) -> None:
    sha = repo.get_git_ref("heads/main").object.sha
    github_server.faults.arm("ref_exists_422", "POST", "/repos/{owner}/{repo}/git/refs")
    with pytest.raises(GithubException) as lost_race:
        repo.create_git_ref("refs/heads/claim", sha)
    assert lost_race.value.data["message"] == "Reference already exists"
    assert list(repo.get_git_matching_refs("heads/claim")) == []  # nothing was created


def test_reset_before_is_retried(github_server: ContractServer, repo: Repository) -> None:
    github_server.faults.arm("reset_before", "GET", "/repos/{owner}/{repo}/issues/{issue_number}")
    number = repo.create_issue("x").number
    assert retrying(github_server).get_issue(number).title == "x"
    statuses = [c.status for c in github_server.calls.filter(path=ISSUES + "/{issue_number}")]
    assert statuses == [0, 200]

    github_server.faults.arm("reset_before", "GET", ISSUES + "/{issue_number}")
    with pytest.raises(requests.exceptions.ConnectionError):
        client(github_server).get_repo("swarm-bot/plan").get_issue(number)


def test_reset_after_duplicates_a_retried_post(
    github_server: ContractServer, repo: Repository
) -> None:
    github_server.faults.arm("reset_after", "POST", ISSUES)
    retrying(github_server).create_issue("once?")
    # The first POST took effect but its answer was lost; the retry created a second issue.
    assert [i.title for i in repo.get_issues()] == ["once?", "once?"]
    assert [c.status for c in github_server.calls.filter("POST", ISSUES)] == [0, 201]


def test_fault_schedule() -> None:
    faults = Faults(seed=1)
    every_third = faults.arm("status_502", "GET", "/x*", times=None, every=3, skip=1)
    fired = [faults.pick("GET", "/x/y") is not None for _ in range(10)]
    assert fired == [False, False, False, True, False, False, True, False, False, True]
    assert every_third.fired == 3
    assert faults.pick("POST", "/x/y") is None  # the method must match
    faults.clear()
    sometimes = faults.arm("status_500", times=None, probability=0.5)
    hits = sum(faults.pick("GET", "/any") is not None for _ in range(400))
    assert 150 < hits < 250 and sometimes.fired == hits
    with pytest.raises(ValueError):
        faults.arm("status_404")  # type: ignore[arg-type]


def test_git_push_fault(github_server: ContractServer, repo: Repository, tmp_path: object) -> None:
    import pygit2

    from .conftest import callbacks

    github_server.faults.arm("status_502", "POST", "git:git-upload-pack")
    with pytest.raises(pygit2.GitError):
        pygit2.clone_repository(repo.clone_url, f"{tmp_path}/c", callbacks=callbacks(BOT_TOKEN))
    assert ("git-upload-pack", 502) in {(c.service, c.status) for c in github_server.git_calls}
