"""The swarm on the GitHub forge, against the contract server: the same end state as on the
local forge, people acting on GitHub (reviews, comments), another machine joining, and no
token anywhere. Real PyGithub, real git over smart HTTP, real gates."""

from __future__ import annotations

import logging
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github

from ghcontract.pytest_plugin import BOT_TOKEN, HUMAN_TOKEN
from ghcontract.server import ContractServer
from planexe import read_plan
from swarm.cli.demo import example_plan_path
from swarm.forge import markers
from swarm.forge.local import LocalForge
from swarm.gitstore import MAIN, GitStore
from swarm.materialize import materialize as materialize_local
from swarm.repo import Repo, open_repo
from swarm.states import State
from swarm.verify import verify
from tests.shared_plans import PLANS, needs_shared_plans, plan_path
from tests.swarm.forge.github_env import (
    OWNER,
    clone_with_claims,
    materialize,
    states,
    swarm,
    use_server,
)
from tests.swarm.runtime.invariants import merges

AGENTS = ("--research", "2", "--compliance", "1", "--executor", "2")
pytestmark = pytest.mark.slow


@pytest.fixture
def server(github_server: ContractServer, monkeypatch: pytest.MonkeyPatch) -> ContractServer:
    use_server(github_server, monkeypatch)
    return github_server


def spawn(out: Path, name: str, *extra: str) -> int:
    return swarm("spawn", out, "--forge", "github", "--repo", f"{OWNER}/{name}", *AGENTS, *extra)


def local_run(plan: Path, out: Path) -> Repo:
    materialize_local(read_plan(plan), out, humans=("alice",))
    assert swarm("spawn", out, *AGENTS) in (0, 1)
    return open_repo(out)


def alice(server: ContractServer, name: str) -> object:
    gh = Github(base_url=server.api_url, auth=Auth.Token(HUMAN_TOKEN), seconds_between_writes=0)
    return gh.get_repo(f"{OWNER}/{name}")


def forge_view(repo: Repo) -> dict[str, object]:
    """What a person sees in the forge, in terms both forges share."""
    issues = repo.forge.list_issues()
    pulls = repo.forge.list_pull_requests()
    forge: Any = repo.forge
    labels = forge.list_labels()
    if isinstance(forge, LocalForge):
        milestones = [(m.title, m.due_on) for m in forge.list_milestones()]
    else:
        milestones = [(m.title, m.due_on) for m in forge.list_milestone_specs()]
    return {
        "labels": sorted((lb.name, lb.color.lower(), lb.description) for lb in labels),
        "milestones": sorted(milestones),
        "issues": sorted((i.key, i.state, tuple(sorted(i.labels)), i.milestone) for i in issues),
        "pulls": Counter((p.task_key, p.stage, p.state) for p in pulls),
    }


def open_lookups_agree(repo: Repo) -> None:
    """The one-lookup answer for each branch is what the full listing says."""
    pulls = repo.forge.list_pull_requests()
    open_by_head = {p.head: p for p in pulls if p.state == "open"}
    for head in {p.head for p in pulls} | {"no/such/branch"}:
        assert repo.forge.open_pull_for(head) == open_by_head.get(head), head


def check_like_local(gh_repo: Repo, local: Repo) -> None:
    open_lookups_agree(gh_repo)
    open_lookups_agree(local)
    assert states(gh_repo) == states(local)
    assert merges(gh_repo, authors=False) == merges(local)
    assert max(merges(gh_repo, authors=False).values()) == 1
    assert forge_view(gh_repo) == forge_view(local)


def test_the_swarm_on_github_ends_where_the_local_one_does(
    server: ContractServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "gh"
    assert materialize(example_plan_path(), out, "bike") == 0
    assert spawn(out, "bike") in (0, 1)
    gh_repo = open_repo(out)
    check_like_local(gh_repo, local_run(example_plan_path(), tmp_path / "local"))

    # what GitHub holds verifies on a plain clone, claims included
    clone = clone_with_claims(server, "bike", tmp_path / "clone.git")
    report = verify(GitStore.open(clone))
    assert report.ok, report.violations[:3]
    assert GitStore.open(clone).resolve(MAIN) == gh_repo.git.resolve(MAIN)

    # the merges were made by GitHub, each after a passing swarm-gates check run
    assert server.calls.count("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge") == sum(
        merges(gh_repo, authors=False).values()
    )

    # a second machine joins with an empty directory: it clones and finds nothing to do but
    # judge again what waits for approval (a check run each)
    before = server.calls.counter()
    assert spawn(tmp_path / "second", "bike") in (0, 1)
    new = server.calls.counter() - before
    assert {path for (method, path) in new if method != "GET"} <= {
        "/repos/{owner}/{repo}/check-runs"
    }
    assert states(open_repo(tmp_path / "second")) == states(gh_repo)

    _no_token_anywhere(tmp_path, server, caplog)


def _no_token_anywhere(tmp: Path, server: ContractServer, caplog: pytest.LogCaptureFixture) -> None:
    secret = BOT_TOKEN.encode()
    for path in [*tmp.rglob("*"), *server.root.rglob("*")]:
        if path.is_file():
            assert secret not in path.read_bytes(), path
    for repo in server.root.rglob("*.git"):
        log = subprocess.run(
            ["git", "-C", str(repo), "log", "--all", "--format=%an %ae %B"],
            capture_output=True,
            check=True,
        ).stdout
        assert secret not in log, repo
    assert BOT_TOKEN not in caplog.text


def test_people_act_on_github_by_review_and_by_comment(
    server: ContractServer, tmp_path: Path
) -> None:
    out = tmp_path / "gh"
    assert materialize(example_plan_path(), out, "bike") == 0
    assert spawn(out, "bike") in (0, 1)
    repo = open_repo(out)
    waiting = [t for t in repo.tasks() if t.state is State.NEEDS_HUMAN]
    pending = repo.forge.list_pull_requests("open")
    assert waiting and len(pending) >= 2
    gh = alice(server, "bike")

    # alice approves one pull request in GitHub's review page, and another by comment
    reviewed = gh.get_pull(pending[0].number)  # type: ignore[attr-defined]
    reviewed.create_review(commit=gh.get_commit(pending[0].head_sha), event="APPROVE")  # type: ignore[attr-defined]
    by_comment = repo.forge.issue_by_key(pending[1].task_key)
    assert by_comment is not None
    gh.get_issue(by_comment.number).create_comment("/approve")  # type: ignore[attr-defined]
    # ... finishes a task by comment, and someone unlisted tries the same
    issue = repo.forge.issue_by_key(waiting[0].id)
    assert issue is not None
    gh.get_issue(issue.number).create_comment("/done Lease signed, copy in the drive")  # type: ignore[attr-defined]

    assert spawn(out, "bike") in (0, 1)
    repo = open_repo(out)
    assert repo.task(waiting[0].id).state is State.DONE  # type: ignore[union-attr]
    for pr in pending[:2]:
        assert repo.task(pr.task_key).state is State.DONE, pr  # type: ignore[union-attr]
    replies = [
        c for c in repo.forge.list_comments(issue.number) if markers.read(c.body)[1].get("handled")
    ]
    assert len(replies) == 1 and replies[0].author == "plan-swarm"
    assert verify(repo.git).ok


def test_a_run_with_faults_still_merges_each_stage_once(
    server: ContractServer, tmp_path: Path
) -> None:
    out = tmp_path / "gh"
    assert materialize(example_plan_path(), out, "bike") == 0
    server.required_checks = {"swarm-gates"}  # GitHub merges only what the gates passed
    pulls = "/repos/{owner}/{repo}/pulls"
    server.faults.arm("status_502", "POST", pulls, times=3, every=7)
    server.faults.arm("reset_after", "PUT", pulls + "/{pull_number}/merge", times=2, every=9)
    server.faults.arm("secondary_limit", "POST", "/repos/{owner}/{repo}/check-runs", times=2)
    for _ in range(3):
        if spawn(out, "bike") == 0:
            break
    repo = open_repo(out)
    assert max(merges(repo, authors=False).values()) == 1
    assert verify(repo.git).ok
    check_like_local(repo, local_run(example_plan_path(), tmp_path / "local"))


@needs_shared_plans
@pytest.mark.timeout(1800)  # up to 400 stages, each a few git round trips to the server
@pytest.mark.parametrize("name", sorted(PLANS))
def test_each_shared_plan_runs_on_github_as_on_the_local_forge(
    server: ContractServer, tmp_path: Path, name: str
) -> None:
    plan = plan_path(name)
    out = tmp_path / "gh"
    assert materialize(plan, out, "plan") == 0
    assert spawn(out, "plan") in (0, 1)
    gh_repo = open_repo(out)
    check_like_local(gh_repo, local_run(plan, tmp_path / "local"))
    clone = clone_with_claims(server, "plan", tmp_path / "clone.git")
    assert verify(GitStore.open(clone)).ok
