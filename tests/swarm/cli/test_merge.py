"""`swarm merge DIR PR`: judge a pull request against main, merge it when the gates pass."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from swarm.forge.local import LocalForge
from swarm.layout import research_path
from swarm.states import State
from swarm.trailers import parse
from tests.swarm.cli.cli_helpers import (
    assert_one_error_line,
    call,
    copy_repo,
    flow_now,
    git,
    main_head,
    prs_json,
    run_swarm,
    task_on_main,
)

GOOD, BAD = "1.1.1", "1.1.2"


@dataclass(frozen=True)
class Built:
    path: Path
    good: int  # a research pull request that passes
    bad: int  # one whose brief is too short


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    flow = flow_now(tmp_path_factory.mktemp("merge"))
    claim = flow.claim(GOOD, "research", "research-1")
    good = flow.propose(GOOD, "research", "research-1", flow.research_changes(GOOD), claim.token)
    claim = flow.claim(BAD, "research", "research-1")
    short = {research_path(BAD): b"short"} | flow.task_change(BAD, state=State.RESEARCHED)
    bad = flow.propose(BAD, "research", "research-1", short, claim.token)
    flow.repo.forge.close()
    return Built(flow.repo.path, good.number, bad.number)


@pytest.fixture
def repo(built, tmp_path) -> Path:
    return copy_repo(built.path, tmp_path)


def test_a_passing_pull_request_is_merged(built, repo, capsys):
    before = main_head(repo)
    ran = call(capsys, "merge", repo, built.good)
    assert ran.code == 0, ran.err
    head = main_head(repo)
    assert head != before
    assert ran.out == f"merged #{built.good} as {head[:12]}\n"
    assert git("rev-parse", "main^1", "main^2", cwd=repo).split() == [
        before,
        prs_json(capsys, repo)[built.good]["head_sha"],
    ]
    trailers = parse(git("log", "-1", "--format=%B", "main", cwd=repo))
    assert (trailers["Swarm-PR"], trailers["Swarm-Task"]) == (str(built.good), GOOD)
    pr = prs_json(capsys, repo)[built.good]
    assert (pr["state"], pr["merge_sha"], pr["check"]) == ("merged", head, "success")
    assert task_on_main(repo, GOOD).state is State.RESEARCHED


def test_merge_json_prints_the_documented_keys(built, repo, capsys):
    ran = call(capsys, "merge", repo, built.good, "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out) == {"merged": True, "merge_commit": main_head(repo), "findings": []}


def test_a_failing_pull_request_stays_open_with_a_failed_check(built, repo, capsys):
    before = main_head(repo)
    ran = call(capsys, "merge", repo, built.bad)
    assert ran.code == 1, ran.err
    assert ran.err == ""
    assert f"error   [precondition] {research_path(BAD)}: " in ran.out
    assert ran.out.endswith(f"#{built.bad} not merged: the gates failed\n")
    assert main_head(repo) == before
    pr = prs_json(capsys, repo)[built.bad]
    assert (pr["state"], pr["merge_sha"], pr["check"]) == ("open", "", "failure")
    with LocalForge(repo) as forge:
        [check] = forge.list_checks(built.bad)
    assert check.commit_sha == pr["head_sha"]
    assert "trivially short" in check.summary


def test_a_failing_pull_request_as_json_from_the_real_command(built, repo):
    ran = run_swarm("merge", repo, built.bad, "--json")
    assert ran.code == 1, ran.err
    data = json.loads(ran.out)
    assert set(data) == {"merged", "merge_commit", "findings"}
    assert (data["merged"], data["merge_commit"]) == (False, "")
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["path"]) for f in errors] == [("precondition", research_path(BAD))]
    for finding in data["findings"]:
        assert set(finding) == {"rule", "severity", "path", "message"}


def test_a_merged_pull_request_is_not_merged_again(built, repo, capsys):
    assert call(capsys, "merge", repo, built.good).code == 0
    head = main_head(repo)
    ran = call(capsys, "merge", repo, built.good)
    assert ran.code == 2
    assert_one_error_line(ran.err, f"pull request #{built.good} is merged, not open")
    assert main_head(repo) == head


def test_a_closed_pull_request_is_refused(built, repo, capsys):
    with LocalForge(repo) as forge:
        forge.close_pull_request(built.good)
    before = main_head(repo)
    ran = call(capsys, "merge", repo, built.good)
    assert ran.code == 2
    assert_one_error_line(ran.err, f"pull request #{built.good} is closed, not open")
    assert main_head(repo) == before
    assert prs_json(capsys, repo)[built.good]["check"] == "none"


def test_an_unknown_pull_request_exits_2(repo, capsys):
    before = main_head(repo)
    ran = call(capsys, "merge", repo, "999")
    assert ran.code == 2
    assert_one_error_line(ran.err, "#999")
    assert main_head(repo) == before


def test_a_pull_request_number_must_be_a_number(repo, capsys):
    ran = call(capsys, "merge", repo, "seven")
    assert ran.code == 2
    assert "Invalid value for 'PR'" in ran.err


def test_a_directory_that_is_not_a_repository_exits_2(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    ran = call(capsys, "merge", tmp_path, "1")
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository")
