"""Labels, milestones, issues, comments, sub-issues and pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from github import Auth, Github, GithubException, UnknownObjectException
from github.Repository import Repository

from ghcontract.pytest_plugin import BOT_TOKEN
from ghcontract.server import ContractServer
from ghcontract.state import Label

from .conftest import PushFn


def test_labels(github_server: ContractServer, repo: Repository) -> None:
    ready = repo.create_label("state:ready", "0e8a16", "ready to claim")
    assert (ready.name, ready.color, ready.description) == (
        "state:ready",
        "0e8a16",
        "ready to claim",
    )
    with pytest.raises(GithubException) as duplicate:
        repo.create_label("STATE:READY", "000000")  # names are case-insensitive
    assert duplicate.value.status == 422
    assert duplicate.value.data["errors"][0]["code"] == "already_exists"
    with pytest.raises(GithubException) as bad_color:
        repo.create_label("x", "#00ff00")
    assert bad_color.value.data["errors"][0]["field"] == "color"

    ready.edit("state:claimable", "fbca04", "renamed")
    fetched = repo.get_label("STATE:CLAIMABLE")
    assert (fetched.name, fetched.color) == ("state:claimable", "fbca04")
    with pytest.raises(UnknownObjectException):
        repo.get_label("state:ready")


def test_milestones(repo: Repository) -> None:
    due = datetime(2026, 3, 31, tzinfo=UTC)
    phase1 = repo.create_milestone("Phase 1", description="first", due_on=due)
    repo.create_milestone("Phase 2")
    assert phase1.number == 1 and phase1.due_on == due
    phase1.edit("Phase 1", state="closed")
    assert [m.title for m in repo.get_milestones()] == ["Phase 2"]
    assert sorted(m.title for m in repo.get_milestones(state="all")) == ["Phase 1", "Phase 2"]
    assert repo.get_milestone(1).state == "closed"


def test_issue_lifecycle(gh_alice: Github, repo: Repository) -> None:
    repo.create_label("phase:1", "ededed")
    ms = repo.create_milestone("Phase 1")
    issue = repo.create_issue(
        "Lease the site",
        body="task 2.1.3",
        labels=["phase:1", "state:ready"],
        milestone=ms,
        assignees=["alice"],
    )
    assert issue.number == 1 and issue.id != issue.number
    assert [label.name for label in issue.labels] == ["phase:1", "state:ready"]
    assert repo.get_label("state:ready").color == "ededed"  # created on the fly, as GitHub does
    assert issue.milestone.number == ms.number and issue.assignees[0].login == "alice"
    assert issue.user.login == "swarm-bot" and issue.state == "open"

    issue.edit(title="Lease the site (v2)", labels=["state:claimed"], milestone=None)
    issue.edit(state="closed", state_reason="not_planned")
    again = repo.get_issue(1)
    assert (again.title, again.state, again.state_reason) == (
        "Lease the site (v2)",
        "closed",
        "not_planned",
    )
    assert [label.name for label in again.labels] == ["state:claimed"] and again.milestone is None
    assert again.closed_by.login == "swarm-bot"
    again.edit(state="open")
    assert repo.get_issue(1).state_reason == "reopened"

    with pytest.raises(GithubException) as no_ms:  # PyGithub only sends Milestone objects
        repo._requester.requestJsonAndCheck(
            "POST", f"{repo.url}/issues", input={"title": "y", "milestone": 99}
        )
    assert no_ms.value.status == 422
    assert no_ms.value.data["errors"][0] == {
        "resource": "Issue",
        "field": "milestone",
        "code": "invalid",
        "value": 99,
    }

    # Comments carry the token's user.
    alice_issue = gh_alice.get_repo("swarm-bot/plan").get_issue(1)
    alice_issue.create_comment("I can take this")
    issue.create_comment("claimed by agent-7")
    comments = list(repo.get_issue(1).get_comments())
    assert [(c.user.login, c.body) for c in comments] == [
        ("alice", "I can take this"),
        ("swarm-bot", "claimed by agent-7"),
    ]
    assert repo.get_issue(1).comments == 2


def test_issue_list_filters(repo: Repository, push: PushFn) -> None:
    a = repo.create_issue("a", labels=["x", "y"])
    b = repo.create_issue("b", labels=["x"])
    c = repo.create_issue("c")
    c.edit(state="closed")
    push(repo, "feature", {"f.txt": "f\n"})
    pr = repo.create_pull(title="pr", body="", head="feature", base="main")

    open_numbers = [i.number for i in repo.get_issues()]
    assert open_numbers == [pr.number, b.number, a.number]  # newest first, pull requests included
    listed_pr = next(i for i in repo.get_issues() if i.number == pr.number)
    assert listed_pr.pull_request is not None and a.pull_request is None
    assert [i.number for i in repo.get_issues(labels=["x", "y"])] == [a.number]
    assert [i.number for i in repo.get_issues(state="closed")] == [c.number]
    oldest = repo.get_issues(state="all", sort="created", direction="asc")
    assert [i.number for i in oldest] == [1, 2, 3, 4]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert list(repo.get_issues(since=future)) == []


def test_the_repository_wide_comment_list(gh_alice: Github, repo: Repository, push: PushFn) -> None:
    first = repo.create_issue("first")
    push(repo, "feature", {"f.txt": "f\n"})
    pr = repo.create_pull(title="pr", body="", head="feature", base="main")
    a = first.create_comment("a")
    b = gh_alice.get_repo(repo.full_name).get_issue(pr.number).create_comment("/approve")
    c = first.create_comment("c")
    a.edit("a, edited")  # updated last

    assert [x.id for x in repo.get_issues_comments()] == [a.id, b.id, c.id]  # ascending id
    recent = repo.get_issues_comments(sort="updated", direction="desc")
    assert [x.id for x in recent] == [a.id, c.id, b.id]
    newest = recent.get_page(0)[0]
    assert (newest.body, newest.user.login) == ("a, edited", "swarm-bot")
    assert [x.user.login for x in recent if x.id == b.id] == ["alice"]
    created = repo.get_issues_comments(sort="created", direction="desc")
    assert [x.id for x in created] == [c.id, b.id, a.id]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert list(repo.get_issues_comments(since=future)) == []


def test_sub_issues(github_server: ContractServer, repo: Repository) -> None:
    parent = repo.create_issue("2.1 Site")
    kids = [repo.create_issue(f"2.1.{n}") for n in (1, 2, 3)]
    for kid in kids:
        parent.add_sub_issue(kid.id)  # the id, not the number
    with pytest.raises(UnknownObjectException):
        parent.add_sub_issue(kids[0].number)  # a number is not an issue id
    assert [s.number for s in parent.get_sub_issues()] == [k.number for k in kids]

    kids[0].edit(state="closed")
    summary = repo.get_issue(parent.number).raw_data["sub_issues_summary"]
    assert summary == {"total": 3, "completed": 1, "percent_completed": 33}

    other = repo.create_issue("2.2 Other")
    with pytest.raises(GithubException) as second_parent:
        other.add_sub_issue(kids[1].id)
    assert second_parent.value.status == 422
    parent.remove_sub_issue(kids[1].id)
    other.add_sub_issue(kids[1].id)
    assert [s.number for s in other.get_sub_issues()] == [kids[1].number]


def test_pagination_over_a_hundred(github_server: ContractServer, gh: Github) -> None:
    repo = gh.get_user().create_repo("many")
    state = github_server.world.find_repo("swarm-bot", "many")
    with github_server.world.lock:  # seeded directly: this test is about paging
        for n in range(105):
            name = f"label-{n:03d}"
            state.labels[name] = Label(github_server.world.new_id("label"), name, "ededed", None)
    github_server.calls.clear()
    labels = list(repo.get_labels())  # 30 per page, GitHub's default
    assert [label.name for label in labels] == [f"label-{n:03d}" for n in range(105)]
    assert github_server.calls.count("GET", "/repos/{owner}/{repo}/labels") == 4
    assert repo.get_labels().totalCount == 105  # from the Link header's rel="last"

    github_server.calls.clear()
    big = Github(
        base_url=github_server.api_url,
        auth=Auth.Token(BOT_TOKEN),
        per_page=250,
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry=None,
    )
    assert len(list(big.get_repo("swarm-bot/many").get_labels())) == 105
    assert github_server.calls.count("GET", "/repos/{owner}/{repo}/labels") == 2  # capped at 100


def test_concurrent_clients(github_server: ContractServer, repo: Repository) -> None:
    """Eight clients at once: every call is atomic, numbers are unique, nothing is lost."""
    from concurrent.futures import ThreadPoolExecutor

    def work(worker: int) -> list[int]:
        mine = Github(
            base_url=github_server.api_url,
            auth=Auth.Token(BOT_TOKEN),
            seconds_between_requests=0,
            seconds_between_writes=0,
            retry=None,
        ).get_repo("swarm-bot/plan")
        return [mine.create_issue(f"w{worker}-{n}").number for n in range(10)]

    with ThreadPoolExecutor(8) as pool:
        numbers = [n for batch in pool.map(work, range(8)) for n in batch]
    assert sorted(numbers) == list(range(1, 81))
    assert github_server.calls.count("POST", "/repos/{owner}/{repo}/issues", status=201) == 80
