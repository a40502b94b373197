"""`swarm approve DIR PR --as NAME`: a listed person approves a pull request's head."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from swarm.forge.local import LocalForge
from swarm.layout import deliverables_dir, task_dir
from swarm.trailers import parse
from tests.swarm.cli.cli_helpers import (
    HUMAN,
    assert_one_error_line,
    call,
    copy_repo,
    flow_now,
    git,
    main_head,
    prs_json,
    repropose,
    run_swarm,
)
from tests.swarm.flow import DELIVERABLE

TASK = "1.1.1"  # no dependencies: it may be executed once cleared


@dataclass(frozen=True)
class Built:
    path: Path
    execute: int  # an open execute pull request on a task that requires approval
    merged: int  # the task's compliance pull request, merged


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    flow = flow_now(tmp_path_factory.mktemp("approve"))
    flow.to_cleared(TASK, approval=True)
    claim = flow.claim(TASK, "execute", "executor-1")
    pr = flow.propose(TASK, "execute", "executor-1", flow.execute_changes(TASK), claim.token)
    [merged] = [p for p in flow.repo.forge.list_pull_requests("merged") if p.stage == "compliance"]
    flow.repo.forge.close()
    return Built(flow.repo.path, pr.number, merged.number)


@pytest.fixture
def repo(built, tmp_path) -> Path:
    return copy_repo(built.path, tmp_path)


def reviews(repo: Path, number: int):
    with LocalForge(repo) as forge:
        return forge.list_reviews(number)


def test_without_approval_the_pull_request_does_not_merge(built, repo, capsys):
    before = main_head(repo)
    ran = call(capsys, "merge", repo, built.execute)
    assert ran.code == 1
    assert f"error   [approval] {task_dir(TASK)}/{TASK}-" in ran.out
    assert "requires a person's approval of the head commit" in ran.out
    assert main_head(repo) == before


def test_an_approval_lets_the_pull_request_merge(built, repo, capsys):
    head = prs_json(capsys, repo)[built.execute]["head_sha"]
    ran = call(capsys, "approve", repo, built.execute, "--as", HUMAN, "--comment", "looks right")
    assert ran.code == 0, ran.err
    assert ran.out == f"{HUMAN} approved #{built.execute} at {head[:12]}\n"
    [review] = reviews(repo, built.execute)
    assert (review.reviewer, review.state, review.commit_sha) == (HUMAN, "approved", head)
    assert review.body == "looks right"
    ran = call(capsys, "merge", repo, built.execute)
    assert ran.code == 0, ran.out
    trailers = parse(git("log", "-1", "--format=%B", "main", cwd=repo))
    assert trailers["Swarm-Approved-By"] == HUMAN
    assert call(capsys, "verify", repo).code == 0


def test_a_later_commit_voids_the_approval(built, repo, capsys):
    assert call(capsys, "approve", repo, built.execute, "--as", HUMAN).code == 0
    # the executor pushes again: one more line in the deliverable
    deliverable = f"{deliverables_dir(TASK)}/result.md"
    repropose(repo, built.execute, {deliverable: DELIVERABLE.encode() + b"More.\n"})
    before = main_head(repo)
    ran = call(capsys, "merge", repo, built.execute)
    assert ran.code == 1
    assert "[approval]" in ran.out
    assert main_head(repo) == before
    assert call(capsys, "approve", repo, built.execute, "--as", HUMAN).code == 0
    assert call(capsys, "merge", repo, built.execute).code == 0


def test_approve_from_the_real_command(built, repo):
    ran = run_swarm("approve", repo, built.execute, "--as", HUMAN)
    assert ran.code == 0, ran.err
    assert ran.out.startswith(f"{HUMAN} approved #{built.execute} at ")
    assert [r.reviewer for r in reviews(repo, built.execute)] == [HUMAN]


def test_someone_not_listed_may_not_approve(built, repo, capsys):
    ran = call(capsys, "approve", repo, built.execute, "--as", "mallory")
    assert ran.code == 2
    assert_one_error_line(ran.err, "mallory may not approve", HUMAN)
    assert reviews(repo, built.execute) == []
    assert call(capsys, "merge", repo, built.execute).code == 1


def test_a_merged_pull_request_cannot_be_approved(built, repo, capsys):
    ran = call(capsys, "approve", repo, built.merged, "--as", HUMAN)
    assert ran.code == 2
    assert_one_error_line(ran.err, f"pull request #{built.merged} is merged, not open")
    assert reviews(repo, built.merged) == []


def test_an_unknown_pull_request_exits_2(repo, capsys):
    ran = call(capsys, "approve", repo, "999", "--as", HUMAN)
    assert ran.code == 2
    assert_one_error_line(ran.err, "#999")


def test_as_is_required(built, repo, capsys):
    ran = call(capsys, "approve", repo, built.execute)
    assert ran.code == 2
    assert "Missing option '--as'" in ran.err
    assert reviews(repo, built.execute) == []


def test_a_directory_that_is_not_a_repository_exits_2(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    ran = call(capsys, "approve", tmp_path, "1", "--as", HUMAN)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository")
