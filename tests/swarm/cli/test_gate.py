"""`swarm gate DIR --base REV --head REV`: the gates on a change, as CI runs them."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from swarm.layout import research_path
from swarm.states import State
from tests.swarm.cli.cli_helpers import (
    HUMAN,
    assert_one_error_line,
    call,
    copy_repo,
    flow_now,
    git,
    prs_json,
    run_swarm,
)

GOOD, BAD = "1.1.1", "1.1.2"


@dataclass(frozen=True)
class Built:
    path: Path
    good: str  # head commit of a research proposal that passes
    bad: str  # head commit of one whose brief is too short


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    flow = flow_now(tmp_path_factory.mktemp("gate"))
    claim = flow.claim(GOOD, "research", "research-1")
    good = flow.propose(GOOD, "research", "research-1", flow.research_changes(GOOD), claim.token)
    claim = flow.claim(BAD, "research", "research-1")
    short = {research_path(BAD): b"short"} | flow.task_change(BAD, state=State.RESEARCHED)
    bad = flow.propose(BAD, "research", "research-1", short, claim.token)
    flow.repo.forge.close()
    return Built(flow.repo.path, good.head_sha, bad.head_sha)


@pytest.fixture
def repo(built, tmp_path) -> Path:
    return copy_repo(built.path, tmp_path)


def test_a_good_change_passes_and_nothing_is_recorded(built, repo, capsys):
    # judging writes the merged tree into the object store, but no ref, PR or check moves
    before = (git("for-each-ref", cwd=repo), prs_json(capsys, repo))
    ran = call(capsys, "gate", repo, "--base", "main", "--head", built.good)
    assert ran.code == 0, ran.err
    assert ran.out == "gates passed\n"
    ran = call(capsys, "gate", repo, "--base", "main", "--head", built.good, "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out) == {"ok": True, "findings": []}
    assert (git("for-each-ref", cwd=repo), prs_json(capsys, repo)) == before


def test_a_failing_change_exits_1_with_its_findings(built, repo, capsys):
    ran = call(capsys, "gate", repo, "--base", "main", "--head", built.bad)
    assert ran.code == 1, ran.err
    assert ran.err == ""
    lines = ran.out.splitlines()
    assert lines[-1] == "gates failed"
    assert any(
        line.startswith(f"error   [precondition] {research_path(BAD)}: ")
        and "trivially short" in line
        for line in lines[:-1]
    ), ran.out


def test_a_failing_change_as_json_from_the_real_command(built):
    ran = run_swarm("gate", built.path, "--base", "main", "--head", built.bad, "--json")
    assert ran.code == 1, ran.err
    data = json.loads(ran.out)
    assert set(data) == {"ok", "findings"}
    assert data["ok"] is False
    assert data["findings"], data
    for finding in data["findings"]:
        assert set(finding) == {"rule", "severity", "path", "message"}
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["path"]) for f in errors] == [("precondition", research_path(BAD))]
    assert "trivially short" in errors[0]["message"]


def test_actor_overrides_the_pull_requests_author(built, repo, capsys):
    # a person may not do an agent's research step: the same change fails when alice made it
    ran = call(capsys, "gate", repo, "--base", "main", "--head", built.good, "--actor", HUMAN)
    assert ran.code == 1, ran.err
    assert "[transition]" in ran.out
    assert ran.out.endswith("gates failed\n")


def test_a_plain_clone_takes_the_author_from_the_commit(built, tmp_path, capsys):
    # no forge in a clone: the author comes from the head commit's Swarm-Agent trailer, and
    # without the claim refs (not fetched) the claim gate must say so
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(built.path), str(clone)], check=True)
    ran = call(capsys, "gate", clone, "--base", "main", "--head", built.good, "--json")
    assert ran.code == 1, ran.err
    rules = {f["rule"] for f in json.loads(ran.out)["findings"] if f["severity"] == "error"}
    assert rules == {"claim"}, ran.out
    ran = call(capsys, "gate", clone, "--base", "main", "--head", built.good, "--actor", HUMAN)
    assert ran.code == 1
    assert "[transition]" in ran.out


@pytest.mark.parametrize("which", ["--base", "--head"])
def test_a_revision_that_does_not_exist_exits_2(which, built, repo, capsys):
    revs = {"--base": "main", "--head": built.good} | {which: "no-such-rev"}
    ran = call(capsys, "gate", repo, *(x for kv in revs.items() for x in kv))
    assert ran.code == 2
    assert ran.out == ""
    assert_one_error_line(ran.err, str(repo), "no commit 'no-such-rev'")


def test_base_and_head_are_required(repo, capsys):
    ran = call(capsys, "gate", repo, "--head", "main")
    assert ran.code == 2
    assert "Missing option '--base'" in ran.err


def test_a_directory_that_is_not_a_repository_exits_2(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    ran = call(capsys, "gate", tmp_path, "--base", "main", "--head", "main")
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a git repository")
    ran = call(capsys, "gate", tmp_path / "nowhere", "--base", "main", "--head", "main")
    assert ran.code == 2
    assert_one_error_line(ran.err, "nowhere")
