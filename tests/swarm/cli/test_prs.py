"""`swarm prs DIR`: every pull request with its task, stage, state and last check."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from swarm.forge.base import PullRequest
from swarm.layout import research_path
from swarm.states import State
from tests.swarm.cli.cli_helpers import (
    assert_one_error_line,
    call,
    copy_repo,
    flow_now,
    prs_json,
    repropose,
    run_swarm,
)
from tests.swarm.flow import BRIEF

KEYS = {f for f in PullRequest.__dataclass_fields__} | {"check"}


@dataclass(frozen=True)
class Built:
    path: Path
    merged: int  # 1.1.1 research, merged: check success
    failed: int  # 1.1.2 research, open: its merge failed
    unjudged: int  # 1.1.3 research, open, never judged
    closed: int  # 1.2.1 research, closed


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    flow = flow_now(tmp_path_factory.mktemp("prs"))
    merged = flow.research("1.1.1").pr
    claim = flow.claim("1.1.2", "research", "research-1")
    short = {research_path("1.1.2"): b"short"} | flow.task_change("1.1.2", state=State.RESEARCHED)
    failed = flow.propose("1.1.2", "research", "research-1", short, claim.token)
    assert not flow.merge(failed).merged
    claim = flow.claim("1.1.3", "research", "research-2")
    unjudged = flow.propose(
        "1.1.3", "research", "research-2", flow.research_changes("1.1.3"), claim.token
    )
    claim = flow.claim("1.2.1", "research", "research-1")
    closed = flow.propose(
        "1.2.1", "research", "research-1", flow.research_changes("1.2.1"), claim.token
    )
    flow.repo.forge.close_pull_request(closed.number)
    flow.repo.forge.close()
    return Built(flow.repo.path, merged.number, failed.number, unjudged.number, closed.number)


def test_the_text_lists_each_pull_request_with_its_check(built, capsys):
    ran = call(capsys, "prs", built.path)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[-1] == "4 pull requests"
    rows = {int(line.split()[0].lstrip("#")): line.split() for line in lines[:-1]}
    assert rows[built.merged][1:6] == ["merged", "1.1.1", "research", "research-1", "check:success"]
    assert rows[built.failed][1:6] == ["open", "1.1.2", "research", "research-1", "check:failure"]
    assert rows[built.unjudged][1:6] == ["open", "1.1.3", "research", "research-2", "check:none"]
    assert rows[built.closed][1:6] == ["closed", "1.2.1", "research", "research-1", "check:none"]
    assert lines[0].endswith("1.1.1 research")  # the title


def test_json_has_the_pull_request_fields_and_the_check(built):
    ran = run_swarm("prs", built.path, "--json")
    assert ran.code == 0, ran.err
    data = json.loads(ran.out)
    assert [pr["number"] for pr in data] == sorted(
        [built.merged, built.failed, built.unjudged, built.closed]
    )
    for pr in data:
        assert set(pr) == KEYS
    by = {pr["number"]: pr for pr in data}
    assert {n: (by[n]["state"], by[n]["check"]) for n in by} == {
        built.merged: ("merged", "success"),
        built.failed: ("open", "failure"),
        built.unjudged: ("open", "none"),
        built.closed: ("closed", "none"),
    }
    assert by[built.merged]["merge_sha"] and not by[built.failed]["merge_sha"]
    assert by[built.failed]["head"] == "swarm/1.1.2/research"


@pytest.mark.parametrize(
    ("state", "expected"),
    [("open", ("failed", "unjudged")), ("merged", ("merged",)), ("closed", ("closed",))],
)
def test_state_filters(state, expected, built, capsys):
    ran = call(capsys, "prs", built.path, "--state", state, "--json")
    assert ran.code == 0, ran.err
    numbers = [pr["number"] for pr in json.loads(ran.out)]
    assert numbers == sorted(getattr(built, name) for name in expected)


def test_the_check_is_the_current_heads(built, tmp_path, capsys):
    # a new push on the failed pull request has not been judged: its check is none again
    repo = copy_repo(built.path, tmp_path)
    repropose(repo, built.failed, {research_path("1.1.2"): BRIEF.encode()})
    assert prs_json(capsys, repo)[built.failed]["check"] == "none"
    assert call(capsys, "merge", repo, built.failed).code == 0
    pr = prs_json(capsys, repo)[built.failed]
    assert (pr["state"], pr["check"]) == ("merged", "success")


def test_a_new_repository_has_none(example_repo, capsys):
    ran = call(capsys, "prs", example_repo)
    assert (ran.code, ran.out) == (0, "0 pull requests\n")
    ran = call(capsys, "prs", example_repo, "--json")
    assert (ran.code, json.loads(ran.out)) == (0, [])


def test_a_bad_state_is_a_usage_error(built, capsys):
    ran = call(capsys, "prs", built.path, "--state", "draft")
    assert ran.code == 2
    assert "Invalid value for '--state'" in ran.err


def test_a_directory_that_is_not_a_repository_exits_2(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    ran = call(capsys, "prs", tmp_path)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository")
    ran = call(capsys, "prs", tmp_path / "nowhere")
    assert ran.code == 2
    assert_one_error_line(ran.err, "nowhere", "no such directory")
