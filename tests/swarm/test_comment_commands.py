"""People's commands in issue comments, on the local forge (the GitHub forge runs the same
code: tests/swarm/forge/test_github_swarm.py). Real repository, real swarm, real gates."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarm.cli.demo import DEMO_HUMAN
from swarm.comment_approvals import AUTHOR
from swarm.comment_commands import Command, parse, process
from swarm.repo import Repo, open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions, spawn
from swarm.states import State
from tests.swarm.runtime.invariants import check_quiescent, example_repo, merges

NOW = 1_900_000_000.0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/done signed minutes in the drive", Command("done", "signed minutes in the drive")),
        ("/done\nline one\nline two", Command("done", "line one\nline two")),
        ("/handback", Command("handback", "")),
        ("  /APPROVE  ", Command("approve", "")),
        ("/approve looks right", Command("approve", "looks right")),
        ("please /done", None),
        ("/donee x", None),
        ("/deploy", None),
        ("", None),
    ],
)
def test_parse(body: str, expected: Command | None) -> None:
    assert parse(body) == expected


def _quiet_repo(tmp_path: Path) -> Repo:
    repo = example_repo(tmp_path / "repo")
    spawn(repo.path, SpawnOptions(engine_spec("offline")), sleep=lambda _s: None)
    return open_repo(repo.path)


def _comment(repo: Repo, task_id: str, who: str, body: str) -> int:
    issue = repo.forge.issue_by_key(task_id)
    assert issue is not None
    return repo.forge.add_comment(issue.number, who, body).id


@pytest.mark.slow
def test_listed_people_move_tasks_by_commenting(tmp_path: Path) -> None:
    repo = _quiet_repo(tmp_path)
    waiting = [t for t in repo.tasks() if t.state is State.NEEDS_HUMAN]
    pending = repo.forge.list_pull_requests("open")
    assert len(waiting) >= 2 and pending
    finished, back = waiting[0], waiting[1]

    _comment(repo, finished.id, "mallory", "/done I did it")  # not listed: ignored
    done_id = _comment(repo, finished.id, DEMO_HUMAN, "/done Signed lease, filed in the drive")
    _comment(repo, back.id, DEMO_HUMAN, "/handback")
    approve_id = _comment(repo, pending[0].task_key, DEMO_HUMAN, "/approve")
    _comment(repo, waiting[2].id, DEMO_HUMAN, "Thanks, looking at it")  # not a command

    handled = process(repo, NOW)
    assert {(h.task, h.verb) for h in handled} == {
        (finished.id, "done"),
        (back.id, "handback"),
        (pending[0].task_key, "approve"),
    }
    repo = open_repo(repo.path)
    task = repo.task(finished.id)
    assert task is not None and task.state is State.DONE
    assert task.evidence[-1].proof == "Signed lease, filed in the drive"
    assert task.assignee == DEMO_HUMAN
    handed = repo.task(back.id)
    assert handed is not None and handed.state is State.CLEARED
    assert merges(repo)[(finished.id, "human")] == 1

    # each command is answered once, by the swarm, naming it
    issue = repo.forge.issue_by_key(finished.id)
    assert issue is not None
    replies = [c for c in repo.forge.list_comments(issue.number) if c.author == AUTHOR]
    assert [f'handled="{done_id}"' in c.body for c in replies].count(True) == 1
    assert process(open_repo(repo.path), NOW + 1) == []

    # the approval counts: the next pass merges the approved pull request
    spawn(repo.path, SpawnOptions(engine_spec("offline")), sleep=lambda _s: None)
    repo = open_repo(repo.path)
    approved = repo.task(pending[0].task_key)
    assert approved is not None and approved.state is State.DONE
    pr_issue = repo.forge.issue_by_key(pending[0].task_key)
    assert pr_issue is not None
    assert any(
        f'handled="{approve_id}"' in c.body for c in repo.forge.list_comments(pr_issue.number)
    )
    check_quiescent(repo)


@pytest.mark.slow
def test_a_command_that_cannot_apply_is_answered_not_obeyed(tmp_path: Path) -> None:
    repo = _quiet_repo(tmp_path)
    waiting = next(t for t in repo.tasks() if t.state is State.NEEDS_HUMAN)
    _comment(repo, waiting.id, DEMO_HUMAN, "/done")  # no evidence
    _comment(repo, waiting.id, DEMO_HUMAN, "/approve")  # nothing to approve
    handled = process(repo, NOW)
    assert [h.verb for h in handled] == ["done", "approve"]
    assert "not carried out" in handled[0].outcome and "evidence" in handled[0].outcome
    assert "no open pull request" in handled[1].outcome
    task = open_repo(repo.path).task(waiting.id)
    assert task is not None and task.state is State.NEEDS_HUMAN
