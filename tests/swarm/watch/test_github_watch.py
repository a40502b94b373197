"""Watch mode on GitHub, against the contract server: people act on GitHub (a review, a `/done`
comment) and the watcher of a mirror sees it by polling, within a few REST calls a poll; a
finished PlanExe run goes to GitHub exactly once, however often the watcher is started.

The repository watchers share one settled mirror (materialized and carried by the offline
swarm as far as agents can, once per module: a minute or two); each test acts on
a different task, and every test's requests are checked against GitHub's description."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from github import Auth, Github
from github.Repository import Repository

from ghcontract.calllog import Call, GitCall
from ghcontract.pytest_plugin import HUMAN_TOKEN, USERS, fail_on_violations
from ghcontract.server import ContractServer
from swarm.cli.demo import example_plan_path
from swarm.forge.base import PullRequest
from swarm.repo import open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions
from swarm.states import State
from swarm.watch.repo_watch import REMOTE_CHANGE, Run, watch_repo
from swarm.watch.stop import StopSignals
from tests.swarm.forge.github_env import OWNER, issue_keys, materialize, swarm, use_server
from tests.swarm.watch.helpers import example_files, watcher, write_files

# a busy machine may take minutes: the module's first test pays for the settled mirror
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
OFFLINE = SpawnOptions(engine_spec("offline"))
POLL_S = 0.2
IDLE_S = 3.0  # how long the idle watcher is watched polling
NAME = "bike"
PULLS = "/repos/{owner}/{repo}/pulls"
REVIEWS = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"
COMMENTS = "/repos/{owner}/{repo}/issues/comments"
IDLE_FETCH = "info/refs?service=git-upload-pack"  # the refs only: nothing new to fetch


@dataclass(frozen=True)
class Hub:
    server: ContractServer
    mirror: Path


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("github-watch")
    with (
        ContractServer(root / "github", USERS, orgs=["swarm-org"]) as server,
        pytest.MonkeyPatch.context() as env,
    ):
        use_server(server, env)
        mirror = root / "mirror"
        assert materialize(example_plan_path(), mirror, NAME) == 0
        assert swarm("spawn", mirror, "--model", "offline") in (0, 1)
        fail_on_violations(server)
        yield Hub(server, mirror)


@pytest.fixture
def server(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Iterator[ContractServer]:
    use_server(hub.server, monkeypatch)
    yield hub.server
    fail_on_violations(hub.server)


def alice(server: ContractServer) -> Repository:
    gh = Github(base_url=server.api_url, auth=Auth.Token(HUMAN_TOKEN), seconds_between_writes=0)
    return gh.get_repo(f"{OWNER}/{NAME}")


def approve_by_review(server: ContractServer, pr: PullRequest) -> None:
    gh = alice(server)
    gh.get_pull(pr.number).create_review(commit=gh.get_commit(pr.head_sha), event="APPROVE")


def open_pulls(mirror: Path) -> list[PullRequest]:
    repo = open_repo(mirror)
    with repo.forge as forge:
        return sorted(forge.list_pull_requests("open"), key=lambda p: p.number)


def complete_polls(calls: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The calls split into polls, each starting with its listing of the pull requests; what
    comes before the first listing and from the last one on is left out (the window may cut
    those polls)."""
    starts = [i for i, call in enumerate(calls) if call == ("GET", PULLS)]
    return [calls[a:b] for a, b in itertools.pairwise(starts)]


def wait_until(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert check(), f"not within {timeout} s"


def test_a_review_on_github_wakes_the_watcher_and_idle_polls_are_cheap(
    hub: Hub, server: ContractServer
) -> None:
    pending = open_pulls(hub.mirror)
    assert pending
    stop = StopSignals()  # not installed: the test asks for the stop itself
    runs: list[Run] = []
    idle: list[Call] = []
    idle_git: list[GitCall] = []
    failed: list[BaseException] = []

    def person() -> None:
        try:
            wait_until(lambda: len(runs) >= 1, 240)
            time.sleep(1.5)  # the watcher settles after its first run and waits
            before, git_before = len(server.calls), len(server.git_calls)
            time.sleep(IDLE_S)
            idle.extend(server.calls.snapshot()[before:])
            idle_git.extend(server.git_calls.snapshot()[git_before:])
            approve_by_review(server, pending[0])
            wait_until(lambda: len(runs) >= 2, 120)
        except BaseException as exc:
            failed.append(exc)
        finally:
            stop.count += 1

    helper = threading.Thread(target=person)
    helper.start()
    try:
        count = watch_repo(hub.mirror, OFFLINE, stop, runs.append, debounce=0.2, poll=POLL_S)
    finally:
        stop.count += 1
        helper.join(timeout=300)
    assert not failed, failed
    told = [(r.number, r.trigger, r.report.outcomes) for r in runs]
    assert count == len(runs) >= 2, told

    # idle: each poll fetches without a pack and reads the open pull requests, their reviews
    # and the recent comments,
    # nothing else: N = 2 + P REST calls for P open pull requests (here 2: N = 4)
    polls = complete_polls([(c.method, c.path) for c in idle])
    assert len(polls) >= 3, idle
    one_poll = [("GET", PULLS)] + [("GET", REVIEWS)] * len(pending) + [("GET", COMMENTS)]
    assert all(poll == one_poll for poll in polls), polls
    assert {(c.method, c.service) for c in idle_git} == {("GET", IDLE_FETCH)}, idle_git

    # the review woke it, and the waiting pull request merged in that run
    assert runs[1].trigger == REMOTE_CHANGE, told
    assert runs[1].report.outcomes["merged"] >= 1, told
    assert alice(server).get_pull(pending[0].number).merged
    task = open_repo(hub.mirror).task(pending[0].task_key)
    assert task is not None and task.state is State.DONE


def test_a_done_comment_on_github_wakes_the_watcher_and_sigterm_ends_it(
    hub: Hub, server: ContractServer
) -> None:
    repo = open_repo(hub.mirror)
    waiting = next(t for t in repo.tasks() if t.state is State.NEEDS_HUMAN)
    issue = repo.forge.issue_by_key(waiting.id)
    assert issue is not None
    with watcher(hub.mirror, "--poll", str(POLL_S), "--debounce", "0.2") as running:
        running.wait_for(r"polled every 0\.2 s", timeout=60)
        running.wait_for(r"run 1 \(start\)", timeout=240)
        running.wait_quiet(1.5, timeout=120)
        alice(server).get_issue(issue.number).create_comment("/done Lease signed, copy filed")
        running.wait_for(rf"alice on {waiting.id}: /done", timeout=120)
        running.wait_for(rf"run 2 \({REMOTE_CHANGE}\)", timeout=240)
        running.wait_quiet(1.0, timeout=120)
        assert running.stop() == 0, running.output
    assert running.output.splitlines()[-1].endswith("after 2 run(s)"), running.output
    done = open_repo(hub.mirror).task(waiting.id)
    assert done is not None and done.state is State.DONE


def test_a_finished_run_goes_to_github_once(
    github_server: ContractServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_server(github_server, monkeypatch)
    run = tmp_path / "run"
    run.mkdir()
    write_files(run, example_files())  # finished from the start
    out = tmp_path / "mirror"
    args: list[object] = ["watch", run, "--out", out, "--forge", "github"]
    args += ["--repo", f"{OWNER}/{NAME}", "--human", "alice", "--writes-per-minute", "100000"]
    args += ["--settle", "0.2"]

    # GitHub fails part way through the issues: the watcher ends with the error
    issues = "/repos/{owner}/{repo}/issues"
    github_server.faults.arm("status_502", "POST", issues, times=None, skip=5)
    assert swarm(*args) == 1
    made = sum(issue_keys(github_server, NAME).values())
    assert 0 < made < 40, made
    github_server.faults.clear()

    # restarted, it finishes the job without a duplicate
    capsys.readouterr()
    assert swarm(*args) == 0
    keys = issue_keys(github_server, NAME)
    assert sum(keys.values()) > made and set(keys.values()) == {1}, keys
    assert "Materialized" in capsys.readouterr().out

    # restarted again, it only reads
    before = len(github_server.calls)
    assert swarm(*args) == 0
    assert "nothing to do" in capsys.readouterr().out
    sent = github_server.calls.snapshot()[before:]
    assert sent and {c.method for c in sent} == {"GET"}, sent
    assert issue_keys(github_server, NAME) == keys
