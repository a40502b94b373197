"""`swarm issues DIR`: one issue per task and per subtask, filtered by state."""

from __future__ import annotations

import json

import pytest

from swarm.forge.base import IssueSpec
from swarm.forge.local import LocalForge
from tests.swarm.cli.cli_helpers import assert_one_error_line, call, run_swarm

ISSUE_KEYS = {"number", "key", "title", "body", "labels", "milestone", "state", "parent_key"}


def close_issues(repo, keys):
    with LocalForge(repo) as forge:
        chosen = [i for i in forge.list_issues() if i.key in keys]
        specs = [
            IssueSpec(i.key, i.title, i.body, i.labels, i.milestone, "closed", i.parent_key)
            for i in chosen
        ]
        forge.upsert_issues(specs)
    assert len(chosen) == len(keys)


def test_issues_json_prints_the_documented_keys(example_plan, example_repo):
    ran = run_swarm("issues", example_repo, "--json")
    assert ran.code == 0, ran.err
    assert ran.err == ""
    issues = json.loads(ran.out)
    assert len(issues) == len(example_plan.detailed_tasks) + len(example_plan.subtasks)
    for issue in issues:
        assert set(issue) == ISSUE_KEYS
        assert issue["body"] is None  # bodies are long; the listing leaves them out
        assert issue["state"] == "open"
    keys = {i["key"] for i in issues}
    assert {n.code for n in example_plan.detailed_tasks} <= keys
    assert [i["number"] for i in issues] == list(range(1, len(issues) + 1))


def test_issues_text_lists_every_issue(example_plan, example_repo, capsys):
    ran = call(capsys, "issues", example_repo)
    assert ran.code == 0, ran.err
    *rows, total = ran.out.splitlines()
    count = len(example_plan.detailed_tasks) + len(example_plan.subtasks)
    assert total == f"{count} issues"
    assert len(rows) == count
    assert rows[0].startswith("#1     open   ")
    assert "[kind:task," in rows[0]


def test_issues_state_filters(example_repo, capsys):
    close_issues(example_repo, {"1.1.1", "subtask:1.1"})
    everything = json.loads(call(capsys, "issues", example_repo, "--json").out)
    opened = json.loads(call(capsys, "issues", example_repo, "--json", "--state", "open").out)
    closed = json.loads(call(capsys, "issues", example_repo, "--json", "--state", "closed").out)
    assert sorted(i["key"] for i in closed) == ["1.1.1", "subtask:1.1"]
    assert all(i["state"] == "closed" for i in closed)
    assert all(i["state"] == "open" for i in opened)
    assert len(opened) == len(everything) - 2
    text = call(capsys, "issues", example_repo, "--state", "closed").out.splitlines()
    assert text[-1] == "2 issues"
    assert all(" closed " in row for row in text[:-1])


def test_issues_state_must_be_known(example_repo, capsys):
    ran = call(capsys, "issues", example_repo, "--state", "stale")
    assert ran.code == 2
    assert "Invalid value for '--state'" in ran.err


@pytest.mark.parametrize("kind", ["empty-dir", "file", "missing"])
def test_issues_of_something_that_is_not_a_repository(kind, tmp_path, capsys):
    target = tmp_path / "target"
    if kind == "empty-dir":
        target.mkdir()
    elif kind == "file":
        target.write_text("x\n")
    ran = call(capsys, "issues", target)
    assert ran.code == 2
    problem = "no such directory" if kind == "missing" else "not a plan-swarm repository"
    assert_one_error_line(ran.err, str(target), problem)


def test_issues_command_refuses_a_non_repository(tmp_path):
    ran = run_swarm("issues", tmp_path)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository")
