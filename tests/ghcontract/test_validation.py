"""The contract check itself: requests and responses that break the description are caught."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from github.Repository import Repository

from ghcontract.pytest_plugin import BOT_TOKEN, fail_on_violations
from ghcontract.server import ContractServer

AUTH = {"Authorization": f"token {BOT_TOKEN}", "Accept": "application/vnd.github+json"}


def _post(server: ContractServer, path: str, body: Any) -> requests.Response:
    return requests.post(f"{server.api_url}{path}", json=body, headers=AUTH, timeout=10)


def test_invalid_request_bodies_are_refused_and_recorded(
    github_server: ContractServer, repo: Repository
) -> None:
    wrong_type = _post(github_server, "/repos/swarm-bot/plan/issues", {"title": 1.5})
    missing = _post(github_server, "/repos/swarm-bot/plan/issues", {"body": "no title"})
    bad_enum = _post(
        github_server,
        "/repos/swarm-bot/plan/check-runs",
        {"name": "gate", "head_sha": "a" * 40, "status": "finished"},
    )
    assert [r.status_code for r in (wrong_type, missing, bad_enum)] == [422, 422, 422]
    assert wrong_type.json()["message"].startswith("Invalid request.")

    found = github_server.take_violations()
    assert [(v.kind, v.method, v.path) for v in found] == [
        ("request", "POST", "/repos/{owner}/{repo}/issues"),
        ("request", "POST", "/repos/{owner}/{repo}/issues"),
        ("request", "POST", "/repos/{owner}/{repo}/check-runs"),
    ]
    assert "title" in found[0].detail and "'title' is a required property" in found[1].detail
    assert "finished" in found[2].detail
    assert list(repo.get_issues()) == []  # nothing was created


def test_invalid_query_and_json(github_server: ContractServer, repo: Repository) -> None:
    bad_query = requests.get(
        f"{github_server.api_url}/repos/swarm-bot/plan/issues?state=bogus", headers=AUTH, timeout=10
    )
    bad_json = requests.post(
        f"{github_server.api_url}/repos/swarm-bot/plan/issues",
        data=b"{not json",
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=10,
    )
    assert (bad_query.status_code, bad_json.status_code) == (422, 400)
    assert bad_json.json()["message"] == "Problems parsing JSON"
    assert [v.kind for v in github_server.take_violations()] == ["request", "request"]


def test_unknown_and_unemulated_routes(github_server: ContractServer, repo: Repository) -> None:
    unknown = requests.get(
        f"{github_server.api_url}/repos/swarm-bot/plan/nothing", headers=AUTH, timeout=10
    )
    unemulated = requests.get(
        f"{github_server.api_url}/repos/swarm-bot/plan/releases", headers=AUTH, timeout=10
    )
    assert (unknown.status_code, unemulated.status_code) == (404, 404)
    found = github_server.take_violations()
    assert [(v.kind, v.path) for v in found] == [
        ("unknown-path", "/repos/swarm-bot/plan/nothing"),
        ("unemulated", "/repos/{owner}/{repo}/releases"),
    ]


def test_pygithub_calls_outside_the_description_are_caught(
    github_server: ContractServer, repo: Repository
) -> None:
    """PyGithub's Commit.get_statuses() calls GET /repos/{o}/{r}/statuses/{sha}, a route
    GitHub's description does not have; use get_combined_status() instead."""
    commit = repo.get_commit("main")
    with pytest.raises(Exception):  # noqa: B017  (404 from the server)
        list(commit.get_statuses())
    assert [v.kind for v in github_server.take_violations()] == ["unknown-path"]


def test_invalid_responses_are_recorded(
    github_server: ContractServer, repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    honest = github_server.objects.label

    def broken_label(repo_state: Any, label: Any) -> dict[str, Any]:
        out = honest(repo_state, label)
        out["id"] = str(out["id"])  # GitHub's label id is an integer
        del out["color"]
        return out

    monkeypatch.setattr(github_server.objects, "label", broken_label)
    repo.create_label("x", "ededed")
    found = github_server.take_violations()
    assert [(v.kind, v.path) for v in found] == [("response", "/repos/{owner}/{repo}/labels")]
    assert "'color' is a required property" in found[0].detail
    assert "is not of type 'integer'" in found[0].detail


def test_violations_fail_the_test(github_server: ContractServer) -> None:
    requests.get(f"{github_server.api_url}/nowhere", headers=AUTH, timeout=10)
    with pytest.raises(pytest.fail.Exception, match=r"\[unknown-path\] GET /nowhere"):
        fail_on_violations(github_server)
    github_server.take_violations()
    fail_on_violations(github_server)  # nothing left: passes
