"""The task index: what it returns is always what main's task files say, however main moved
and whoever moved it; the cache only saves parsing."""

from __future__ import annotations

import json
import math
import random
import subprocess
import time

import pytest

from planexe import read_plan
from swarm.cli.demo import DEMO_HUMAN, example_plan_path
from swarm.errors import SwarmError
from swarm.gitstore import MAIN, Identity
from swarm.human import change_settings
from swarm.layout import ledger_path, subtask_dir, task_path
from swarm.llm.api import LedgerLine
from swarm.llm.ledger import ledger_to_jsonl, ledger_total
from swarm.materialize import materialize
from swarm.repo import FORGE_DIR, Repo, open_repo
from swarm.states import State
from swarm.task import to_yaml
from swarm.task_index import STORE, TaskIndex, blob_id


@pytest.fixture
def repo(tmp_path) -> Repo:
    out = tmp_path / "repo"
    materialize(read_plan(example_plan_path()), out, humans=(DEMO_HUMAN,))
    return open_repo(out)


def as_seen(entries) -> list[tuple[object, ...]]:
    return [
        (
            e.id,
            e.path,
            e.title,
            e.state,
            e.phase,
            e.subtask,
            e.depends_on,
            e.planned.end,
            e.blocked_reason,
        )
        for e in entries
    ]


def parsed(repo: Repo, rev: str = MAIN) -> list[tuple[object, ...]]:
    """The same fields read the slow way: every task file parsed."""
    return [
        (
            t.id,
            task_path(t.id, t.title),
            t.title,
            t.state,
            (t.phase.code, t.phase.title),
            (t.subtask.code, t.subtask.title),
            t.depends_on,
            t.planned.end,
            t.blocked_reason,
        )
        for t in repo.tasks(rev)
    ]


def commit_files(repo: Repo, files: dict[str, bytes | None]) -> str:
    """A commit on main made by hand, outside the swarm (as a push to main would be)."""
    base = repo.git.resolve(MAIN)
    assert base is not None
    who = Identity("someone", "someone@example.invalid")
    return repo.git.commit(MAIN, repo.git.apply(base, files), "by hand", who, [base], base)


def test_entries_are_the_task_files_of_main(repo):
    with TaskIndex(repo.path) as index:
        assert as_seen(index.entries(repo.git)) == parsed(repo)


def test_materialize_leaves_every_task_file_in_the_index(repo):
    """So that the first status after materialize parses nothing."""
    files = repo.git.files(MAIN, "tasks")
    with TaskIndex(repo.path) as index:
        assert set(index._lookup("tasks", list(files.values()))) == set(files.values())


def test_a_change_nobody_remembered_is_parsed_not_missed(repo):
    """A task file changed on main by anyone (here by hand, so never remembered) is seen at
    once: entries are looked up by the file's blob id, so a cached entry cannot be stale."""
    with TaskIndex(repo.path) as index:
        before = index.entries(repo.git)
        first = repo.tasks()[0]
        changed = first.model_copy(update={"state": State.BLOCKED, "blocked_reason": "by hand"})
        commit_files(repo, {task_path(first.id, first.title): to_yaml(changed).encode()})
        after = index.entries(repo.git)
    assert as_seen(after) == parsed(repo)
    assert after[0].state is State.BLOCKED and after[0].blocked_reason == "by hand"
    assert before[0].state is State.TODO
    # and from an older commit, the older state
    with TaskIndex(repo.path) as index:
        old = repo.git.log_first_parent(MAIN)[-1]
        assert as_seen(index.entries(repo.git, old)) == parsed(repo, old)


def test_a_subtask_s_entries_are_its_task_files(repo):
    """What the issue sync lists after a merge: one folder's tasks, also one changed by hand
    and so never remembered, and on a store that has forgotten everything."""
    first = repo.tasks()[0]
    changed = first.model_copy(update={"state": State.BLOCKED, "blocked_reason": "by hand"})
    commit_files(repo, {task_path(first.id, first.title): to_yaml(changed).encode()})
    everything = parsed(repo)
    folders = sorted({t[5][0] for t in everything})
    for forget in (False, True):
        if forget:
            (repo.path / FORGE_DIR / STORE).unlink()
        with TaskIndex(repo.path) as index:
            for code in folders:
                found = index.folder_entries(repo.git, subtask_dir(code))
                assert as_seen(found) == [t for t in everything if t[5][0] == code], code
    assert found and index.folder_entries(repo.git, "tasks/99/99.99") == []


def test_deleting_the_store_loses_nothing(repo):
    (repo.path / FORGE_DIR / STORE).unlink()
    with TaskIndex(repo.path) as index:
        assert as_seen(index.entries(repo.git)) == parsed(repo)
    assert (repo.path / FORGE_DIR / STORE).exists()  # what it parsed, it kept


def test_a_remembered_entry_is_the_parse_of_its_file(repo):
    task = repo.tasks()[1]
    moved = task.model_copy(update={"state": State.RESEARCHED})
    data = to_yaml(moved).encode()
    with TaskIndex(repo.path) as index:
        index.remember([(moved, data)])
        commit_files(repo, {task_path(task.id, task.title): data})
        assert as_seen(index.entries(repo.git)) == parsed(repo)


def test_blob_id_is_gits(repo):
    oid = next(iter(repo.git.files(MAIN, "tasks").values()))
    assert blob_id(repo.git.blob(oid)) == oid
    out = subprocess.run(
        ["git", "hash-object", "--stdin"], input=b"hello\n", capture_output=True, check=True
    )
    assert blob_id(b"hello\n") == out.stdout.decode().strip()


def test_a_broken_task_file_is_loud(repo):
    first = repo.tasks()[0]
    commit_files(repo, {task_path(first.id, first.title): b"state: [unclosed\n"})
    with TaskIndex(repo.path) as index, pytest.raises(SwarmError, match=first.id):
        index.entries(repo.git)


def test_ledger_cost_is_the_sum_of_main_s_ledgers(repo):
    def line(task: str, cost: float) -> LedgerLine:
        return LedgerLine(task, "research", "research", "m", 1, 1, cost, 0.1, 1)

    first, second = (t.id for t in repo.tasks()[:2])
    ledgers: dict[str, bytes | None] = {
        ledger_path(first): ledger_to_jsonl([line(first, 0.25), line(first, 0.5)]),
        ledger_path(second): ledger_to_jsonl([line(second, 0.125)]),
    }
    commit_files(repo, ledgers)
    with TaskIndex(repo.path) as index:
        assert index.ledger_cost(repo.git) == 0.875
        assert index.ledger_cost(repo.git) == 0.875  # from the cache now
        index.remember_ledger(b"not a ledger", 99.0)  # remembered, but not on main
        assert index.ledger_cost(repo.git) == 0.875


def test_settings_changes_do_not_disturb_the_index(repo):
    settings = repo.settings().model_copy(update={"max_stage_attempts": 5})
    assert change_settings(repo, DEMO_HUMAN, settings, time.time()).merged
    with TaskIndex(repo.path) as index:
        assert as_seen(index.entries(repo.git)) == parsed(repo)


def _random_edit(rng: random.Random, repo: Repo) -> dict[str, bytes | None]:
    """Some task files moved on, one sometimes deleted, a ledger written, a stray file."""
    tasks = repo.tasks()
    edits: dict[str, bytes | None] = {}
    for task in rng.sample(tasks, k=min(len(tasks), rng.randint(1, 4))):
        state = rng.choice([State.RESEARCHED, State.BLOCKED, State.TODO])
        moved = task.model_copy(update={"state": state, "title": f"{task.title} {rng.random()}"})
        edits[task_path(task.id, task.title)] = None
        edits[task_path(moved.id, moved.title)] = to_yaml(moved).encode()
    if rng.random() < 0.2 and len(tasks) > 5:
        gone = rng.choice(tasks)
        edits[task_path(gone.id, gone.title)] = None
    task_id = rng.choice(tasks).id
    line = LedgerLine(task_id, "research", "research", "m", 1, 1, rng.choice([0.5, 0.25]), 0.1, 1)
    edits[ledger_path(task_id)] = rng.choice([ledger_to_jsonl([line]), None])
    edits["tasks/README.md"] = rng.choice([b"not a task\n", None])
    return edits


def _ledger_total_parsed(repo: Repo) -> float:
    return math.fsum(
        ledger_total(repo.git.blob(blob), path)
        for path, blob in repo.git.files(MAIN, "ledger").items()
    )


@pytest.mark.parametrize("seed", range(6))
def test_a_listing_patched_from_an_older_one_is_main_s(repo, seed):
    """Each status on a main that moved patches the latest kept listing with what changed
    in between; however main moved, the result is what parsing every file gives."""
    rng = random.Random(seed)
    with TaskIndex(repo.path) as index:
        for _ in range(8):
            commit_files(repo, _random_edit(rng, repo))
            if rng.random() < 0.7:  # sometimes main moves twice between two looks
                assert as_seen(index.entries(repo.git)) == parsed(repo)
                assert index.ledger_cost(repo.git) == _ledger_total_parsed(repo)


def test_main_s_listing_is_kept_and_only_the_latest_few(repo):
    with TaskIndex(repo.path) as index:
        folders = []
        for n in range(6):
            first = repo.tasks()[0]
            moved = first.model_copy(update={"blocked_reason": f"reason {n}"})
            commit_files(repo, {task_path(first.id, first.title): to_yaml(moved).encode()})
            index.entries(repo.git)
            folders.append(repo.git.folder_id(MAIN, "tasks"))
        kept = {t for (t,) in index._conn().execute("SELECT tree FROM folders")}
    assert kept == set(folders[-4:])


def test_a_listing_whose_folder_is_gone_is_not_trusted(repo):
    """A kept listing of a folder this repository no longer has (say the store was copied
    from another clone) is not patched from: the folder is read whole."""
    with TaskIndex(repo.path) as index:
        index._keep("tasks", "0" * 40, json.dumps({"1/1.1/9.9.9-ghost.yaml": ["9.9.9"]}))
        first = repo.tasks()[0]
        moved = first.model_copy(update={"blocked_reason": "x"})
        commit_files(repo, {task_path(first.id, first.title): to_yaml(moved).encode()})
        assert as_seen(index.entries(repo.git)) == parsed(repo)


def test_status_after_materialize_lists_nothing_anew(repo):
    """materialize keeps main's listing, built from the tasks it had at hand, so the first
    status neither parses nor walks; it is the listing reading the folder would give."""
    folder = repo.git.folder_id(MAIN, "tasks")
    assert folder is not None
    with TaskIndex(repo.path) as index:
        kept = index._kept("tasks", folder)
        assert kept is not None
        assert as_seen(index.entries(repo.git)) == parsed(repo)
        index._conn().execute("DELETE FROM folders")
        index.entries(repo.git)
        read = index._kept("tasks", folder)
    assert read is not None
    assert list(json.loads(kept).items()) == list(json.loads(read).items())
