"""Reading a materialized repository: task files found in their WBS folders, and a clear
refusal of the flat layout of earlier versions."""

from __future__ import annotations

import pytest

from planexe import read_plan
from swarm.cli.demo import example_plan_path
from swarm.errors import SwarmError
from swarm.gitstore import MAIN, Identity
from swarm.layout import task_dir
from swarm.materialize import materialize
from swarm.repo import Repo, open_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    out = tmp_path_factory.mktemp("repo") / "repo"
    materialize(read_plan(example_plan_path()), out)
    return open_repo(out)


def commit(repo: Repo, files: dict[str, bytes | None]) -> None:
    base = repo.git.resolve(MAIN)
    assert base is not None
    who = Identity("someone", "someone@example.invalid")
    repo.git.commit(MAIN, repo.git.apply(base, files), "by hand", who, [base], base)


def test_every_task_file_sits_in_its_subtasks_folder(repo: Repo) -> None:
    tasks = repo.tasks()
    paths = [p for p in repo.git.paths(MAIN, "tasks")]
    assert len(paths) == len(tasks) > 0
    for task, path in zip(tasks, sorted(paths, key=_wbs_order), strict=True):
        assert path.startswith(f"tasks/{task.phase.code}/{task.subtask.code}/{task.id}-")
        assert task_dir(task.id) == f"tasks/{task.phase.code}/{task.subtask.code}"


def _wbs_order(path: str) -> tuple[int, ...]:
    return tuple(int(p) for p in path.rsplit("/", 1)[1].split("-", 1)[0].split("."))


def test_one_task_and_one_subtasks_tasks_are_read_from_their_folder(repo: Repo) -> None:
    tasks = repo.tasks()
    for task in tasks:
        assert repo.task(task.id) == task
    by_subtask = {t.subtask.code for t in tasks}
    assert len(by_subtask) > 1
    for code in by_subtask:
        assert repo.tasks(subtask=code) == [t for t in tasks if t.subtask.code == code]


@pytest.mark.parametrize("task_id", ["9.9.9", "1.1", "1", "", "a.b.c", "1.1.1.1"])
def test_no_such_task_is_none(repo: Repo, task_id: str) -> None:
    assert repo.task(task_id) is None


def test_the_flat_layout_of_earlier_versions_is_refused_by_name(tmp_path) -> None:
    out = tmp_path / "old"
    materialize(read_plan(example_plan_path()), out)
    repo = open_repo(out)
    moved: dict[str, bytes | None] = {}
    for path in repo.git.paths(MAIN, "tasks"):
        moved[path] = None
        moved["tasks/" + path.rsplit("/", 1)[1]] = repo.git.read(MAIN, path)
    commit(repo, moved)
    with pytest.raises(SwarmError, match=r"lie flat in tasks/.*materialize the plan again"):
        open_repo(out)


def test_the_plan_title_is_the_settings_one(repo: Repo) -> None:
    assert repo.plan_title() == repo.settings().plan.title != ""


@pytest.mark.parametrize(
    "text", [b"plan: [unclosed\n", b"plan: {}\n", b"plan:\n  title: [1, 2]\n", b"\xff\xfe"]
)
def test_a_title_that_cannot_be_read_is_the_settings_error(tmp_path, text: bytes) -> None:
    out = tmp_path / "repo"
    materialize(read_plan(example_plan_path()), out)
    broken = open_repo(out)
    commit(broken, {"swarm.yaml": text})
    with pytest.raises(SwarmError, match=r"swarm\.yaml"):
        broken.plan_title()
