"""A stage's view of main: task files found by id without listing tasks/ each time, and always
as main has them now."""

from __future__ import annotations

from swarm.gitstore import MAIN, Identity
from swarm.layout import task_path
from swarm.runtime.context import StageContext
from swarm.states import State
from swarm.task import to_yaml
from tests.swarm.runtime.invariants import example_repo


def test_a_task_is_read_as_main_has_it_now(tmp_path):
    repo = example_repo(tmp_path / "repo")
    ctx = StageContext(repo)
    tasks = repo.tasks()
    assert [ctx.task(t.id) for t in tasks] == tasks
    assert ctx.task("9.9.9") is None and ctx.task_blob("9.9.9") == ""

    first = tasks[0]
    moved = first.model_copy(update={"state": State.RESEARCHED})
    base = repo.git.resolve(MAIN)
    assert base is not None
    tree = repo.git.apply(base, {task_path(first.id, first.title): to_yaml(moved).encode()})
    repo.git.commit(MAIN, tree, "by hand", Identity("x", "x@example.invalid"), [base], base)
    assert ctx.task(first.id) == moved == repo.task(first.id)
    assert ctx.task_blob(first.id) == repo.git.blob_id(MAIN, task_path(first.id, first.title))
    assert ctx.unfinished_dependencies(tasks[-1]) == list(tasks[-1].depends_on)
