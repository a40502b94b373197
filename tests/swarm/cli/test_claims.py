"""`swarm claims DIR` lists who holds which (task, stage); `swarm release DIR TASK --as NAME`
lets a listed person end a claim by hand."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from swarm import claims
from tests.swarm.cli.cli_helpers import (
    HUMAN,
    assert_one_error_line,
    call,
    copy_repo,
    flow_now,
    git,
    run_swarm,
)

KEYS = {"task", "stage", "agent", "token", "status", "expires"}
RELEASED, HELD, EXPIRED = "1.1.1", "1.1.2", "1.1.3"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    flow = flow_now(tmp_path_factory.mktemp("claims"))
    assert flow.research(RELEASED).merged  # the integrator released its claim
    flow.claim(HELD, "research", "research-1")
    claims.acquire(flow.repo.git, EXPIRED, "research", "research-2", 900.0, time.time() - 10_000)
    flow.repo.forge.close()
    return flow.repo.path


@pytest.fixture
def repo(built, tmp_path) -> Path:
    return copy_repo(built, tmp_path)


def listed(capsys, repo: Path, *flags: str) -> dict[str, dict]:
    ran = call(capsys, "claims", repo, "--json", *flags)
    assert ran.code == 0, ran.err
    data = json.loads(ran.out)
    for row in data:
        assert set(row) == KEYS
    return {row["task"]: row for row in data}


def test_the_text_shows_holder_token_and_status(built, capsys):
    ran = call(capsys, "claims", built)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[-1] == "2 claims"  # the released one is left out
    rows = {line.split()[0]: line.split() for line in lines[:-1]}
    assert rows[HELD][:6] == [HELD, "research", "research-1", "token", "1", "held"]
    assert rows[EXPIRED][:6] == [EXPIRED, "research", "research-2", "token", "1", "expired"]
    assert rows[HELD][6] == "until" and rows[HELD][-1] == "UTC"


def test_json_lists_held_and_expired_claims(built):
    ran = run_swarm("claims", built, "--json")
    assert ran.code == 0, ran.err
    rows = {row["task"]: row for row in json.loads(ran.out)}
    assert set(rows) == {HELD, EXPIRED}
    assert {k: rows[HELD][k] for k in ("stage", "agent", "token", "status")} == {
        "stage": "research",
        "agent": "research-1",
        "token": 1,
        "status": "held",
    }
    assert rows[HELD]["expires"] > time.time() > rows[EXPIRED]["expires"]
    assert rows[EXPIRED]["status"] == "expired"


def test_all_includes_released_claims(built, capsys):
    rows = listed(capsys, built, "--all")
    assert set(rows) == {RELEASED, HELD, EXPIRED}
    assert (rows[RELEASED]["status"], rows[RELEASED]["agent"]) == ("released", "integrator")


def test_a_person_releases_a_held_claim(repo, capsys):
    ran = call(capsys, "release", repo, HELD, "--as", HUMAN)
    assert ran.code == 0, ran.err
    assert ran.out == f"released {HELD} research (by {HUMAN})\n"
    assert HELD not in listed(capsys, repo)
    row = listed(capsys, repo, "--all")[HELD]
    assert (row["status"], row["agent"], row["token"]) == ("released", HUMAN, 1)
    # the release is a commit on the claim's ref, made in the person's name
    log = git("log", "--format=%an %s", claims.ref_name(HELD, "research"), cwd=repo)
    assert log.splitlines()[0] == f"{HUMAN} release {HELD}/research by {HUMAN}"


def test_a_person_releases_an_expired_claim(repo, capsys):
    assert call(capsys, "release", repo, EXPIRED, "--as", HUMAN).code == 0
    assert listed(capsys, repo, "--all")[EXPIRED]["status"] == "released"


def test_stage_limits_the_release(repo, capsys):
    ran = call(capsys, "release", repo, HELD, "--as", HUMAN, "--stage", "compliance")
    assert ran.code == 1
    assert_one_error_line(ran.err, HELD, "no held claim to release")
    assert listed(capsys, repo)[HELD]["status"] == "held"
    ran = call(capsys, "release", repo, HELD, "--as", HUMAN, "--stage", "research")
    assert ran.code == 0, ran.err
    assert listed(capsys, repo, "--all")[HELD]["status"] == "released"


@pytest.mark.parametrize("task", [RELEASED, "1.2.1", "9.9.9"], ids=["released", "never", "none"])
def test_release_with_nothing_held_exits_1(task, repo, capsys):
    before = git("for-each-ref", cwd=repo)
    ran = call(capsys, "release", repo, task, "--as", HUMAN)
    assert ran.code == 1
    assert_one_error_line(ran.err, f"{task}: no held claim to release")
    assert git("for-each-ref", cwd=repo) == before


def test_only_a_listed_person_may_release(repo, capsys):
    before = git("for-each-ref", cwd=repo)
    ran = call(capsys, "release", repo, HELD, "--as", "research-1")
    assert ran.code == 2
    assert_one_error_line(ran.err, "research-1 is not listed in swarm.yaml humans")
    assert git("for-each-ref", cwd=repo) == before
    assert listed(capsys, repo)[HELD]["status"] == "held"


def test_a_new_repository_has_no_claims(example_repo, capsys):
    ran = call(capsys, "claims", example_repo, "--all")
    assert (ran.code, ran.out) == (0, "0 claims\n")


@pytest.mark.parametrize(
    "args", [["claims"], ["release", "--as", HUMAN]], ids=["claims", "release"]
)
def test_a_directory_that_is_not_a_repository_exits_2(args, tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    command, *rest = args
    ran = call(capsys, command, tmp_path, *(["1.1.1"] if command == "release" else []), *rest)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository")
