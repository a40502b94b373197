"""`swarm human done|handback|unblock|cancel DIR TASK --as NAME`: people's moves, each a pull
request through the same gates, merged at once when they pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarm.human import MAX_EVIDENCE_BYTES
from swarm.layout import deliverables_dir
from swarm.states import State
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
    run_swarm,
    task_on_main,
)

NEEDS, CLEARED, DONE, BLOCKED, TODO = "1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2"
STATES = {
    NEEDS: State.NEEDS_HUMAN,
    CLEARED: State.CLEARED,
    DONE: State.DONE,
    BLOCKED: State.BLOCKED,
    TODO: State.TODO,
}
REASON = "The landlord has not answered; a person must call."


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    flow = flow_now(tmp_path_factory.mktemp("human"))
    assert flow.research(NEEDS).merged
    assert flow.comply(NEEDS, tier=3).merged
    flow.to_cleared(CLEARED)
    flow.to_cleared(DONE)
    assert flow.execute(DONE).merged
    claim = flow.claim(BLOCKED, "research", "research-1")
    change = flow.task_change(BLOCKED, state=State.BLOCKED, blocked_reason=REASON)
    assert flow.merge(flow.propose(BLOCKED, "research", "research-1", change, claim.token)).merged
    flow.repo.forge.close()
    for tid, state in STATES.items():
        assert task_on_main(flow.repo.path, tid).state is state, tid
    return flow.repo.path


@pytest.fixture
def repo(built, tmp_path) -> Path:
    return copy_repo(built, tmp_path)


def merged_as(out: str, task: str, action: str, repo: Path) -> int:
    """The one line a human command prints, checked against main; the pull request number."""
    head = main_head(repo)
    prefix = f"{task}: {action} merged as #"
    assert out.startswith(prefix) and out.endswith(f" ({head[:12]})\n"), out
    number = int(out[len(prefix) :].split()[0])
    trailers = parse(git("log", "-1", "--format=%B", "main", cwd=repo))
    assert (trailers["Swarm-PR"], trailers["Swarm-Task"]) == (str(number), task)
    assert (trailers["Swarm-Stage"], trailers["Swarm-Agent"]) == ("human", HUMAN)
    return number


def test_done_with_a_statement(repo, capsys):
    statement = "Board elected on 3 March; minutes signed by all five founders."
    ran = call(capsys, "human", "done", repo, NEEDS, "--as", HUMAN, "--evidence", statement)
    assert ran.code == 0, ran.err
    number = merged_as(ran.out, NEEDS, "done", repo)
    task = task_on_main(repo, NEEDS)
    assert (task.state, task.assignee) == (State.DONE, HUMAN)
    assert (task.evidence[-1].criterion, task.evidence[-1].proof) == (
        f"confirmed by {HUMAN}",
        statement,
    )
    pr = prs_json(capsys, repo)[number]
    assert (pr["state"], pr["check"], pr["author"]) == ("merged", "success", HUMAN)
    assert call(capsys, "verify", repo).code == 0


def test_done_with_a_file_keeps_it_under_deliverables(repo, tmp_path, capsys):
    scan = tmp_path / "Signed Minutes.PDF"
    scan.write_bytes(b"%PDF-1.4 the signed minutes\n")
    ran = call(capsys, "human", "done", repo, NEEDS, "--as", HUMAN, "--evidence", scan)
    assert ran.code == 0, ran.err
    merged_as(ran.out, NEEDS, "done", repo)
    kept = git("ls-tree", "-r", "--name-only", "main", f"{deliverables_dir(NEEDS)}/", cwd=repo)
    assert kept.splitlines() == [f"{deliverables_dir(NEEDS)}/evidence-signed-minutes.pdf"]
    stored = git("show", f"main:{kept}", cwd=repo)
    assert stored + "\n" == scan.read_text()
    task = task_on_main(repo, NEEDS)
    assert (task.state, task.evidence[-1].proof) == (State.DONE, kept)


def test_done_from_the_real_command(repo):
    ran = run_swarm("human", "done", repo, NEEDS, "--as", HUMAN, "--evidence", "Done by hand.")
    assert ran.code == 0, ran.err
    merged_as(ran.out, NEEDS, "done", repo)
    assert task_on_main(repo, NEEDS).state is State.DONE


def test_evidence_over_the_limit_is_refused(repo, tmp_path, capsys):
    big = tmp_path / "video.mp4"
    with open(big, "wb") as fh:
        fh.truncate(MAX_EVIDENCE_BYTES + 1)
    head = main_head(repo)
    ran = call(capsys, "human", "done", repo, NEEDS, "--as", HUMAN, "--evidence", big)
    assert ran.code == 2
    assert_one_error_line(ran.err, "video.mp4", "over the")
    assert main_head(repo) == head


def test_handback_gives_the_task_to_the_agents(repo, capsys):
    ran = call(capsys, "human", "handback", repo, NEEDS, "--as", HUMAN)
    assert ran.code == 0, ran.err
    merged_as(ran.out, NEEDS, "handback", repo)
    task = task_on_main(repo, NEEDS)
    assert (task.state, task.escalation) == (State.CLEARED, None)


@pytest.mark.parametrize("to", [None, "todo", "researched", "cleared"])
def test_unblock(to, repo, capsys):
    extra = ["--to", to] if to else []
    ran = call(capsys, "human", "unblock", repo, BLOCKED, "--as", HUMAN, *extra)
    assert ran.code == 0, ran.err
    merged_as(ran.out, BLOCKED, "unblock", repo)
    task = task_on_main(repo, BLOCKED)
    assert (task.state, task.blocked_reason) == (State(to or "todo"), None)


@pytest.mark.parametrize("task", [NEEDS, TODO, BLOCKED])
def test_cancel(task, repo, capsys):
    ran = call(capsys, "human", "cancel", repo, task, "--as", HUMAN)
    assert ran.code == 0, ran.err
    merged_as(ran.out, task, "cancel", repo)
    assert task_on_main(repo, task).state is State.CANCELLED


@pytest.mark.parametrize(
    ("action", "task"),
    [
        (["done", "--evidence", "It is done."], TODO),
        (["done", "--evidence", "It is done."], CLEARED),
        (["cancel"], DONE),
    ],
    ids=["done-todo", "done-cleared", "cancel-done"],
)
def test_the_gates_refuse_a_move_from_the_wrong_state(action, task, repo, capsys):
    head = main_head(repo)
    command, *options = action
    ran = call(capsys, "human", command, repo, task, "--as", HUMAN, *options)
    assert ran.code == 1
    assert ran.out == ""
    assert_one_error_line(ran.err, "not merged: [transition]", STATES[task].value)
    assert main_head(repo) == head
    assert task_on_main(repo, task).state is STATES[task]
    # the refused move stays on the record as an open pull request with a failed check
    [pr] = [pr for pr in prs_json(capsys, repo).values() if pr["stage"] == "human"]
    assert (pr["task_key"], pr["state"], pr["check"]) == (task, "open", "failure")
    assert ran.err.startswith(f"error: #{pr['number']} not merged")


@pytest.mark.parametrize(
    ("action", "task", "source"),
    [
        (["handback"], CLEARED, "needs_human"),
        (["handback"], BLOCKED, "needs_human"),
        (["unblock", "--to", "cleared"], NEEDS, "blocked"),
        (["unblock"], TODO, "blocked"),
    ],
    ids=["handback-cleared", "handback-blocked", "unblock-needs-human", "unblock-todo"],
)
def test_handback_and_unblock_start_only_from_their_state(action, task, source, repo, capsys):
    # the lifecycle alone would let some of these through under the wrong name (a person may
    # move needs_human -> cleared, but that is a handback, not an unblock)
    head = main_head(repo)
    before = prs_json(capsys, repo)
    command, *options = action
    ran = call(capsys, "human", command, repo, task, "--as", HUMAN, *options)
    assert ran.code == 1
    assert_one_error_line(
        ran.err, f"{task} is {STATES[task].value}: {command} moves only a {source} task"
    )
    assert main_head(repo) == head
    assert prs_json(capsys, repo) == before


@pytest.mark.parametrize(
    "action", [["done", "--evidence", "x"], ["handback"], ["unblock"], ["cancel"]]
)
def test_someone_not_listed_exits_2_and_opens_nothing(action, repo, capsys):
    command, *options = action
    before = json.dumps(prs_json(capsys, repo))
    ran = call(capsys, "human", command, repo, NEEDS, "--as", "mallory", *options)
    assert ran.code == 2
    assert_one_error_line(ran.err, "mallory is not listed in swarm.yaml humans")
    assert json.dumps(prs_json(capsys, repo)) == before


def test_an_unknown_task_exits_2(repo, capsys):
    ran = call(capsys, "human", "cancel", repo, "9.9.9", "--as", HUMAN)
    assert ran.code == 2
    assert_one_error_line(ran.err, "no task 9.9.9 on main")


def test_done_requires_evidence(repo, capsys):
    ran = call(capsys, "human", "done", repo, NEEDS, "--as", HUMAN)
    assert ran.code == 2
    assert "Missing option '--evidence'" in ran.err


@pytest.mark.parametrize("command", ["done", "handback", "unblock", "cancel"])
def test_a_directory_that_is_not_a_repository_exits_2(command, tmp_path, capsys):
    (tmp_path / "notes.md").write_text("hi\n")
    extra = ["--evidence", "x"] if command == "done" else []
    ran = call(capsys, "human", command, tmp_path, NEEDS, "--as", HUMAN, *extra)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(tmp_path), "not a plan-swarm repository")
