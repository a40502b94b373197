"""Pull requests, reviews, check runs, statuses and real merges in the bare repository."""

from __future__ import annotations

import subprocess

import pytest
from github import Github, GithubException
from github.Repository import Repository

from ghcontract.server import ContractServer

from .conftest import PushFn


def _git(server: ContractServer, *args: str) -> str:
    git_dir = server.repo_path("swarm-bot", "plan")
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], capture_output=True, text=True, check=True
    ).stdout


def test_create_and_list_pulls(repo: Repository, push: PushFn) -> None:
    head = push(repo, "task/2.1.3", {"tasks/2.1.3.yaml": "state: claimed\n"})
    pr = repo.create_pull(title="Claim 2.1.3", body="claim", head="task/2.1.3", base="main")
    assert (pr.head.ref, pr.head.sha, pr.base.ref, pr.user.login) == (
        "task/2.1.3",
        head,
        "main",
        "swarm-bot",
    )
    full = repo.get_pull(pr.number)
    assert (full.mergeable, full.commits, full.changed_files, full.additions) == (True, 1, 1, 1)

    with pytest.raises(GithubException) as duplicate:
        repo.create_pull(title="again", body="", head="task/2.1.3", base="main")
    assert duplicate.value.data["errors"][0]["message"] == (
        "A pull request already exists for swarm-bot:task/2.1.3."
    )
    with pytest.raises(GithubException) as missing:
        repo.create_pull(title="x", body="", head="no-such-branch", base="main")
    assert missing.value.data["errors"][0] == {
        "resource": "PullRequest",
        "field": "head",
        "code": "invalid",
        "value": "no-such-branch",
    }
    with pytest.raises(GithubException) as empty:
        repo.create_pull(title="x", body="", head="main", base="main")
    assert empty.value.data["errors"][0]["message"] == "No commits between main and main"

    push(repo, "task/other", {"other.txt": "x\n"})
    other = repo.create_pull(title="Other", body="", head="task/other", base="main")
    assert [p.number for p in repo.get_pulls()] == [other.number, pr.number]
    only = repo.get_pulls(head="swarm-bot:task/2.1.3")
    assert [p.number for p in only] == [pr.number]
    other.edit(state="closed")
    assert [p.number for p in repo.get_pulls(state="closed")] == [other.number]


def test_push_moves_the_pull_request_head(repo: Repository, push: PushFn) -> None:
    push(repo, "feature", {"a.txt": "1\n"})
    pr = repo.create_pull(title="A", body="", head="feature", base="main")
    newer = push(repo, "feature", {"a.txt": "2\n"}, base="feature")
    assert repo.get_pull(pr.number).head.sha == newer
    assert [p.head.sha for p in repo.get_pulls()] == [newer]


def test_reviews(gh_alice: Github, repo: Repository, push: PushFn) -> None:
    push(repo, "feature", {"a.txt": "1\n"})
    pr = repo.create_pull(title="A", body="", head="feature", base="main")
    with pytest.raises(GithubException) as own:
        pr.create_review(event="APPROVE")
    assert own.value.status == 422
    assert own.value.data["errors"] == ["Review Can not approve your own pull request"]
    pr.create_review(body="looks fine to me", event="COMMENT")  # commenting is allowed

    as_alice = gh_alice.get_repo("swarm-bot/plan").get_pull(pr.number)
    as_alice.create_review(body="please fix", event="REQUEST_CHANGES")
    review = as_alice.create_review(event="APPROVE", commit=repo.get_commit(pr.head.sha))
    assert (review.user.login, review.state, review.commit_id) == ("alice", "APPROVED", pr.head.sha)
    states = [(r.user.login, r.state) for r in pr.get_reviews()]
    assert states == [
        ("swarm-bot", "COMMENTED"),
        ("alice", "CHANGES_REQUESTED"),
        ("alice", "APPROVED"),
    ]


def test_merge_with_required_check(
    github_server: ContractServer, gh_alice: Github, repo: Repository, push: PushFn
) -> None:
    github_server.required_checks = {"gate"}
    issue = repo.create_issue("Task 2.1.3")
    head = push(repo, "task/2.1.3", {"tasks/2.1.3.yaml": "state: done\n"})
    pr = repo.create_pull(
        title="Finish 2.1.3", body=f"Closes #{issue.number}", head="task/2.1.3", base="main"
    )
    main_before = repo.get_git_ref("heads/main").object.sha

    with pytest.raises(GithubException) as expected:
        pr.merge(merge_method="merge", sha=head)
    assert (expected.value.status, expected.value.data["message"]) == (
        405,
        'Required status check "gate" is expected.',
    )
    repo.create_check_run(name="gate", head_sha=head, status="completed", conclusion="failure")
    with pytest.raises(GithubException) as failing:
        pr.merge(sha=head)
    assert failing.value.data["message"] == 'Required status check "gate" is failing.'
    assert repo.get_pull(pr.number).mergeable_state == "blocked"

    run = repo.create_check_run(
        name="gate",
        head_sha=head,
        status="completed",
        conclusion="success",
        output={"title": "gates passed", "summary": "12 checks"},
    )
    assert (run.status, run.conclusion, run.output.title) == (
        "completed",
        "success",
        "gates passed",
    )
    with pytest.raises(GithubException) as moved:
        pr.merge(sha="0" * 40)
    assert moved.value.status == 409

    result = (
        gh_alice.get_repo("swarm-bot/plan")
        .get_pull(pr.number)
        .merge(
            commit_title="Merge 2.1.3", commit_message="state: done", merge_method="merge", sha=head
        )
    )
    assert result.merged
    merged = repo.get_pull(pr.number)
    assert (merged.merged, merged.state, merged.merge_commit_sha, merged.merged_by.login) == (
        True,
        "closed",
        result.sha,
        "alice",
    )
    assert repo.get_git_ref("heads/main").object.sha == result.sha
    parents = _git(github_server, "log", "-1", "--format=%P%n%an%n%cn%n%B", result.sha).split("\n")
    assert parents[0] == f"{main_before} {head}"
    assert parents[1:4] == ["alice", "GitHub", "Merge 2.1.3"]
    subprocess.run(
        ["git", "--git-dir", str(github_server.repo_path("swarm-bot", "plan")), "fsck", "--strict"],
        check=True,
        capture_output=True,
    )
    assert repo.get_issue(issue.number).state == "closed"  # "Closes #1" on the default branch
    with pytest.raises(GithubException) as twice:
        pr.merge()
    assert twice.value.status == 405


def test_conflicting_pull_request_is_not_mergeable(repo: Repository, push: PushFn) -> None:
    push(repo, "one", {"README.md": "one\n"})
    push(repo, "two", {"README.md": "two\n"})
    first = repo.create_pull(title="one", body="", head="one", base="main")
    second = repo.create_pull(title="two", body="", head="two", base="main")
    assert first.merge().merged
    assert repo.get_pull(second.number).mergeable is False
    with pytest.raises(GithubException) as conflict:
        second.merge()
    assert (conflict.value.status, conflict.value.data["message"]) == (
        405,
        "Pull Request is not mergeable",
    )


def test_check_runs_and_statuses(repo: Repository, push: PushFn) -> None:
    sha = push(repo, "feature", {"a.txt": "1\n"})
    repo.create_check_run(name="gate", head_sha=sha, status="in_progress")
    repo.create_check_run(name="gate", head_sha=sha, conclusion="success")
    repo.create_check_run(name="lint", head_sha=sha, conclusion="failure")
    latest = repo.get_commit(sha).get_check_runs()
    assert sorted((r.name, r.conclusion) for r in latest) == [
        ("gate", "success"),
        ("lint", "failure"),
    ]
    assert repo.get_commit(sha).get_check_runs(filter="all").totalCount == 3
    by_branch = repo.get_commit("feature").get_check_runs(check_name="lint")
    assert [r.conclusion for r in by_branch] == ["failure"]

    commit = repo.get_commit(sha)
    commit.create_status("pending", context="ci/gate")
    assert commit.get_combined_status().state == "pending"
    commit.create_status("success", target_url="https://ci.example/1", context="ci/gate")
    combined = commit.get_combined_status()
    assert (combined.state, combined.total_count) == ("success", 1)
    assert [s.state for s in combined.statuses] == ["success"]  # the latest per context
    # PyGithub's Commit.get_statuses() uses GET /repos/{o}/{r}/statuses/{sha}, which is not in
    # GitHub's description: see test_validation.py.
