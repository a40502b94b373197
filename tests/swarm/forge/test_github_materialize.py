"""`swarm materialize --forge github` against the contract server, through the real PyGithub
client and real git over smart HTTP: every request and response is checked against GitHub's
REST description (the `github_server` fixture fails the test on any violation)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from ghcontract.pytest_plugin import BOT_TOKEN
from ghcontract.server import ContractServer
from swarm.cli.demo import example_plan_path
from swarm.forge import github_target
from swarm.gitstore import MAIN, GitStore
from swarm.repo import FORGE_DIR, open_repo
from swarm.verify import verify
from tests.swarm.forge.github_env import (
    OWNER,
    clone_with_claims,
    issue_keys,
    materialize,
    swarm,
    use_server,
)

ISSUES = "/repos/{owner}/{repo}/issues"


@pytest.fixture
def server(github_server: ContractServer, monkeypatch: pytest.MonkeyPatch) -> ContractServer:
    use_server(github_server, monkeypatch)
    return github_server


def test_materialize_creates_repository_history_and_issues(
    server: ContractServer, tmp_path: Path
) -> None:
    out = tmp_path / "bike"
    assert materialize(example_plan_path(), out, "bike") == 0
    repo = open_repo(out)
    tasks = repo.tasks()
    keys = issue_keys(server, "bike")
    assert set(keys) == {t.id for t in tasks} | {f"subtask:{t.subtask.code}" for t in tasks}
    assert max(keys.values()) == 1
    # GitHub holds exactly the local history: one push of main
    remote = GitStore.open(server.repo_path(OWNER, "bike"))
    assert remote.resolve(MAIN) == repo.git.resolve(MAIN)
    assert server.git_calls.count("POST", service="git-receive-pack") == 1
    issue = repo.forge.issue_by_key(tasks[0].id)
    assert issue is not None and issue.milestone and issue.milestone.startswith("Phase 1")
    assert {"kind:task", "state:todo", "phase:1"} <= set(issue.labels)
    held = github_target.load(out / FORGE_DIR)
    assert held is not None and held.repo == f"{OWNER}/bike"
    assert BOT_TOKEN not in (out / FORGE_DIR / "github.json").read_text()


def test_materialize_twice_creates_nothing(server: ContractServer, tmp_path: Path) -> None:
    out = tmp_path / "bike"
    assert materialize(example_plan_path(), out, "bike") == 0
    before = len(server.calls)
    assert materialize(example_plan_path(), out, "bike") == 0
    again = server.calls.snapshot()[before:]
    assert [c for c in again if c.method != "GET"] == []
    assert server.git_calls.count("POST", service="git-receive-pack") == 1
    assert max(issue_keys(server, "bike").values()) == 1


def test_a_second_machine_publishing_the_same_plan_adds_nothing(
    server: ContractServer, tmp_path: Path
) -> None:
    assert materialize(example_plan_path(), tmp_path / "a", "bike") == 0
    before = len(server.calls)
    assert materialize(example_plan_path(), tmp_path / "b", "bike") == 0
    assert [c for c in server.calls.snapshot()[before:] if c.method != "GET"] == []


def test_dry_run_sends_nothing_and_counts_the_requests(
    server: ContractServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert materialize(example_plan_path(), tmp_path / "dry", "bike", "--dry-run", "--json") == 0
    printed = json.loads(capsys.readouterr().out)
    assert len(server.calls) == 0 and len(server.git_calls) == 0
    assert not (tmp_path / "dry").exists()
    planned: Counter[tuple[str, str]] = Counter()
    for r in printed["requests"]:
        planned[(r["method"], r["path"])] += r["count"]
    assert materialize(example_plan_path(), tmp_path / "real", "bike") == 0
    sent = server.calls.counter()
    for (method, path), count in planned.items():
        if method in ("POST", "PATCH") and path.startswith("/repos/"):
            assert sent[(method, path)] == count, (method, path)
    assert printed["api_calls"] >= sum(n for (m, _p), n in sent.items() if m != "GET")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "not a repo"], "expected OWNER/NAME"),
        (["--forge", "github"], "needs --repo"),
        (["--dry-run"], "--dry-run goes with --forge github"),
    ],
)
def test_bad_github_options_are_refused_clearly(
    server: ContractServer,
    tmp_path: Path,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra = args if "--forge" in args or "--dry-run" in args else ["--forge", "github", *args]
    code = swarm("materialize", example_plan_path(), "--out", tmp_path / "x", *extra)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists() and len(server.calls) == 0


def test_no_token_is_a_clear_error(
    server: ContractServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    assert materialize(example_plan_path(), tmp_path / "bike", "bike") == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err


def test_a_wrong_token_is_refused_without_showing_it(
    server: ContractServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong0000000000000000000000000000000")
    assert materialize(example_plan_path(), tmp_path / "bike", "bike") == 1
    err = capsys.readouterr().err
    assert "401" in err and "ghp_wrong" not in err and "Traceback" not in err


def test_502_and_secondary_limits_are_survived(server: ContractServer, tmp_path: Path) -> None:
    faults = [
        server.faults.arm("status_502", "POST", ISSUES, times=2, skip=3),
        server.faults.arm("secondary_limit", "POST", ISSUES, times=1, skip=10, retry_after=1),
        server.faults.arm("secondary_limit_429", "POST", "/repos/{owner}/{repo}/labels"),
        server.faults.arm("status_502", "GET", ISSUES, times=1),
    ]
    assert materialize(example_plan_path(), tmp_path / "bike", "bike") == 0
    assert all(f.fired for f in faults)
    keys = issue_keys(server, "bike")
    assert max(keys.values()) == 1 and len(keys) == 46


def test_cut_connections_resume_to_the_same_end_state(
    github_server: ContractServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection is cut at 5 random points of materializing, after GitHub acted on the
    request (the worst case for a POST); each time the command survives it or fails clearly,
    and running it again resumes. The end state equals an uncut run's, with no duplicate."""
    server = github_server
    use_server(server, monkeypatch)
    assert materialize(example_plan_path(), tmp_path / "clean", "clean") == 0
    expected = issue_keys(server, "clean")
    total = len(server.calls)
    rng = random.Random(20261121)
    # five cuts at random points of the run's requests; each fault counts requests from now,
    # across the runs that resume
    cuts = [
        server.faults.arm("reset_after", "*", "/*", times=1, skip=point)
        for point in sorted(rng.sample(range(total - 5), 5))
    ]
    out = tmp_path / "cut"
    for _attempt in range(10):
        code = materialize(example_plan_path(), out, "cut")
        # a cut is survived in the run (a GET or PATCH is sent again; a POST first looks for
        # what it would have made) or fails the run clearly, and the next run resumes
        assert code in (0, 1)
        if code == 0 and all(c.fired for c in cuts):
            break
    assert all(c.fired for c in cuts)
    server.faults.clear()
    assert materialize(example_plan_path(), out, "cut") == 0
    assert issue_keys(server, "cut") == expected
    assert GitStore.open(server.repo_path(OWNER, "cut")).tree_id(MAIN) == GitStore.open(
        server.repo_path(OWNER, "clean")
    ).tree_id(MAIN)


def test_a_clone_of_the_pushed_repository_verifies(server: ContractServer, tmp_path: Path) -> None:
    assert materialize(example_plan_path(), tmp_path / "bike", "bike") == 0
    clone = clone_with_claims(server, "bike", tmp_path / "clone.git")
    report = verify(GitStore.open(clone))
    assert report.ok and report.commits == 1


def test_spawn_dry_run_sends_nothing(
    server: ContractServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bike"
    assert materialize(example_plan_path(), out, "bike") == 0
    capsys.readouterr()
    before, git_before = len(server.calls), len(server.git_calls)
    code = swarm(
        "spawn", out, "--forge", "github", "--repo", f"{OWNER}/bike", "--dry-run", "--json"
    )
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(server.calls) == before and len(server.git_calls) == git_before
    tasks = len(open_repo(out).tasks())
    merges = [r for r in printed["requests"] if r["path"].endswith("/merge")]
    assert merges[0]["count"] == 3 * tasks  # every task can go from todo through execute
    assert printed["api_calls"] <= 5 * merges[0]["count"]


def test_approving_as_someone_else_than_the_token_is_refused(
    server: ContractServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bike"
    assert materialize(example_plan_path(), out, "bike") == 0
    capsys.readouterr()
    assert swarm("approve", out, 1, "--as", "alice") == 2
    err = capsys.readouterr().err
    assert "token's user (swarm-bot)" in err and "/approve" in err


def test_each_mirror_names_its_agents_apart(server: ContractServer, tmp_path: Path) -> None:
    assert materialize(example_plan_path(), tmp_path / "a", "bike") == 0
    assert materialize(example_plan_path(), tmp_path / "b", "bike") == 0
    a, b = open_repo(tmp_path / "a"), open_repo(tmp_path / "b")
    assert a.agent_name("research-1") != b.agent_name("research-1")
    assert a.agent_name("research-1").startswith("research-1@")
    assert open_repo(tmp_path / "a").agent_name("research-1") == a.agent_name("research-1")
