"""Which stages a pass runs, in what order, after what; and which stages are ready now."""

from __future__ import annotations

import pytest

from swarm.layout import task_dir
from swarm.runtime.stages import dependency_order, pass_stages, ready_by_state, remaining
from swarm.states import State
from swarm.task_index import Node, Planned, TaskEntry


def task(task_id: str, state: State = State.TODO, deps: tuple[str, ...] = ()) -> TaskEntry:
    return TaskEntry(
        id=task_id,
        path=f"{task_dir(task_id)}/{task_id}.yaml",
        title=task_id,
        state=state,
        phase=Node(task_id.split(".")[0], "phase"),
        subtask=Node(task_id.rsplit(".", 1)[0], "subtask"),
        depends_on=deps,
        planned=Planned(None),
        blocked_reason=None,
    )


def keys(stages) -> list[tuple[str, str]]:
    return [s.key for s in stages]


def test_remaining_stages_follow_the_state():
    assert remaining(State.TODO) == ("research", "compliance", "execute")
    assert remaining(State.RESEARCHED) == ("compliance", "execute")
    assert remaining(State.CLEARED) == ("execute",)
    for state in (State.DONE, State.NEEDS_HUMAN, State.BLOCKED, State.CANCELLED):
        assert remaining(state) == ()


def test_each_task_s_stages_come_together_each_after_the_last():
    stages = pass_stages([task("1.1.1"), task("1.1.2", State.RESEARCHED)])
    assert keys(stages) == [
        ("1.1.1", "research"),
        ("1.1.1", "compliance"),
        ("1.1.1", "execute"),
        ("1.1.2", "compliance"),
        ("1.1.2", "execute"),
    ]
    assert [s.after for s in stages] == [
        (),
        (("1.1.1", "research"),),
        (("1.1.1", "compliance"),),
        (),
        (("1.1.2", "compliance"),),
    ]
    # each stage with the longest chain of stages it starts: what luigid hands out first
    assert [s.chain for s in stages] == [3, 2, 1, 2, 1]


def test_an_execution_waits_for_its_dependencies_executions_and_comes_after_them():
    # 1.1.1 depends on a later task: dependency order, not WBS order, puts 2.1.1 first
    tasks = [task("1.1.1", deps=("2.1.1",)), task("2.1.1", State.CLEARED)]
    stages = pass_stages(tasks)
    assert keys(stages) == [
        ("2.1.1", "execute"),
        ("1.1.1", "research"),
        ("1.1.1", "compliance"),
        ("1.1.1", "execute"),
    ]
    assert stages[-1].after == (("1.1.1", "compliance"), ("2.1.1", "execute"))
    assert [s.chain for s in stages] == [2, 3, 2, 1]


def test_a_done_dependency_is_no_stage_to_wait_for():
    stages = pass_stages([task("1.1.1", State.DONE), task("1.1.2", State.CLEARED, ("1.1.1",))])
    assert keys(stages) == [("1.1.2", "execute")]
    assert stages[0].after == ()


@pytest.mark.parametrize("state", [State.NEEDS_HUMAN, State.BLOCKED, State.CANCELLED])
def test_nothing_downstream_of_a_task_waiting_on_people_is_executed(state):
    tasks = [
        task("1.1.1", state),
        task("1.1.2", State.CLEARED, ("1.1.1",)),
        task("1.1.3", deps=("1.1.2",)),
        task("1.1.4", State.CLEARED),
    ]
    assert keys(pass_stages(tasks)) == [
        ("1.1.3", "research"),
        ("1.1.3", "compliance"),
        ("1.1.4", "execute"),
    ]


def test_a_dependency_that_is_no_task_blocks_its_dependents_execution():
    assert keys(pass_stages([task("1.1.1", State.CLEARED, ("9.9.9",))])) == []


def test_dependency_order_is_wbs_order_among_tasks_free_to_go():
    tasks = [task("1.1.10"), task("1.1.2"), task("1.1.1", deps=("1.1.10",))]
    assert dependency_order(tasks) == ["1.1.2", "1.1.10", "1.1.1"]


def test_a_cycle_comes_last_and_is_never_executed():
    tasks = [task("1.1.1", deps=("1.1.2",)), task("1.1.2", deps=("1.1.1",)), task("1.1.3")]
    assert dependency_order(tasks) == ["1.1.3", "1.1.1", "1.1.2"]
    assert ("1.1.1", "execute") not in keys(pass_stages(tasks))
    assert ("1.1.1", "research") in keys(pass_stages(tasks))


def test_every_stage_comes_after_what_it_waits_for_on_a_larger_plan():
    tasks = [
        task(f"1.{s}.{i}", deps=(f"1.{s - 1}.1",) if s > 1 else ())
        for s in range(1, 6)
        for i in range(1, 4)
    ]
    stages = pass_stages(tasks)
    position = {s.key: n for n, s in enumerate(stages)}
    assert len(stages) == 3 * len(tasks)
    for s in stages:
        assert all(position[k] < position[s.key] for k in s.after)


def test_ready_by_state():
    tasks = [
        task("1.1.1", State.DONE),
        task("1.1.2", State.CLEARED, ("1.1.1",)),
        task("1.1.3", State.CLEARED, ("1.1.2",)),
        task("1.1.4"),
        task("1.1.5", State.RESEARCHED, ("1.1.2",)),
        task("1.1.6", State.NEEDS_HUMAN),
    ]
    assert ready_by_state(tasks) == [
        ("1.1.2", "execute"),
        ("1.1.4", "research"),
        ("1.1.5", "compliance"),
    ]
