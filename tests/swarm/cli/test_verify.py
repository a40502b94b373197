"""`swarm verify DIR`: replay main and prove every change of state legal."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from swarm import trailers
from swarm.gitstore import MAIN, GitStore
from swarm.layout import task_path
from swarm.pulls import identity
from swarm.states import State
from swarm.task import to_yaml
from tests.swarm.cli.cli_helpers import (
    assert_one_error_line,
    call,
    copy_repo,
    flow_now,
    git,
    main_head,
    run_swarm,
    task_on_main,
)

KEYS = {"ok", "commits", "merges", "violations", "notes"}
MERGES = 5  # 1.1.1: research, compliance, execute; 1.1.2: research, compliance


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    flow = flow_now(tmp_path_factory.mktemp("verify"))
    flow.to_cleared("1.1.1")
    assert flow.execute("1.1.1").merged
    flow.to_cleared("1.1.2")
    flow.repo.forge.close()
    return flow.repo.path


@pytest.fixture
def repo(built, tmp_path) -> Path:
    return copy_repo(built, tmp_path)


def commits_on_main(repo: Path) -> int:
    return len(git("rev-list", "--first-parent", MAIN, cwd=repo).splitlines())


def set_state(repo: Path, task_id: str, state: State) -> dict[str, bytes | None]:
    task = task_on_main(repo, task_id).model_copy(update={"state": state})
    return {task_path(task.id, task.title): to_yaml(task).encode()}


def test_a_clean_history_verifies(built, capsys):
    ran = call(capsys, "verify", built)
    assert ran.code == 0, ran.err
    assert ran.out == f"{commits_on_main(built)} commits, {MERGES} merges replayed: ok\n"


def test_json_from_the_real_command(built):
    ran = run_swarm("verify", built, "--json")
    assert ran.code == 0, ran.err
    data = json.loads(ran.out)
    assert set(data) == KEYS
    assert data == {
        "ok": True,
        "commits": commits_on_main(built),
        "merges": MERGES,
        "violations": [],
        "notes": [],
    }


def test_a_state_edited_by_hand_on_main_fails_and_names_the_commit(repo, capsys):
    store = GitStore.open(repo)
    base = main_head(repo)
    changes = set_state(repo, "1.1.2", State.DONE)
    [path] = changes
    tree = store.apply(base, changes)
    edit = store.commit(
        MAIN, tree, "mark 1.1.2 done", identity("mallory", time.time()), [base], base
    )
    ran = call(capsys, "verify", repo)
    assert ran.code == 1
    assert ran.err == ""
    lines = ran.out.splitlines()
    assert lines[0] == (
        f"violation [history] {edit[:12]} {path}: changed on main outside any pull request "
        "(1 file(s))"
    )
    assert lines[-1].endswith("merges replayed: 1 violation(s)")
    ran = call(capsys, "verify", repo, "--json")
    assert ran.code == 1
    data = json.loads(ran.out)
    assert data["ok"] is False
    assert data["violations"] == [
        {
            "commit": edit,
            "rule": "history",
            "path": path,
            "message": "changed on main outside any pull request (1 file(s))",
        }
    ]
    # the history before the edit is still clean
    assert call(capsys, "verify", repo, "--rev", f"{edit}~1").code == 0


def test_a_forged_merge_that_skips_the_lifecycle_fails(repo, capsys):
    # a merge commit dressed as a research agent's, moving a task from todo straight to done
    store = GitStore.open(repo)
    base = main_head(repo)
    tree = store.apply(base, set_state(repo, "1.2.1", State.DONE))
    fields = {"Swarm-Task": "1.2.1", "Swarm-Stage": "research", "Swarm-Agent": "research-1"}
    who = identity("research-1", time.time())
    side = store.write_commit(tree, trailers.format_message("1.2.1", fields), who, [base])
    message = trailers.format_message("Merge #99: 1.2.1", {"Swarm-PR": 99, **fields})
    forged = store.commit(MAIN, tree, message, who, [base, side], base)
    ran = call(capsys, "verify", repo, "--json")
    assert ran.code == 1
    violations = json.loads(ran.out)["violations"]
    assert violations and {v["commit"] for v in violations} == {forged}
    assert "transition" in {v["rule"] for v in violations}


def test_a_plain_clone_verifies_with_a_note(built, tmp_path, capsys):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(built), str(clone)], check=True)
    assert git("for-each-ref", "refs/swarm/", cwd=clone) == ""
    ran = call(capsys, "verify", clone)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].startswith("note: no claim refs here")
    assert "git fetch origin '+refs/swarm/*:refs/swarm/*'" in lines[0]
    assert lines[-1] == f"{commits_on_main(built)} commits, {MERGES} merges replayed: ok"
    data = json.loads(call(capsys, "verify", clone, "--json").out)
    assert data["ok"] is True
    assert len(data["notes"]) == 1 and "claims were not re-checked" in data["notes"][0]


def test_an_unknown_revision_exits_2(built, capsys):
    ran = call(capsys, "verify", built, "--rev", "no-such-rev")
    assert ran.code == 2
    assert_one_error_line(ran.err, "no commit 'no-such-rev'")


def test_a_directory_that_is_not_a_repository_exits_2(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    ran = call(capsys, "verify", tmp_path)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a git repository")
    ran = call(capsys, "verify", tmp_path / "nowhere")
    assert ran.code == 2
    assert_one_error_line(ran.err, "nowhere")
