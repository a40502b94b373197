"""Which stages a pass runs, after which others, and which stages are ready now.

A pass runs every stage agents could still act on: a task's remaining stages from its state
on (research, compliance, execute), where execution comes after the task's compliance and the
execution of each dependency. An execution whose dependency no agent can finish in this pass
(it waits on a person, is blocked or cancelled) is left out, and so is everything downstream of
it: it would only find its dependency unfinished. The stages come in an order where each
follows what it waits for (the tasks in dependency order, WBS order among equals, each task's
stages together), so they can be handed to the scheduler as they come, a window at a time.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from swarm.states import STAGE_OF, State
from swarm.status import TaskView
from swarm.task_index import wbs_key

STAGES = ("research", "compliance", "execute")
Key = tuple[str, str]  # (task id, stage)


@dataclass(frozen=True)
class Stage:
    task: str
    stage: str
    after: tuple[Key, ...]  # stages of this pass that must finish first
    chain: int = 1  # stages in the longest chain this one starts, itself included

    @property
    def key(self) -> Key:
        return (self.task, self.stage)


def remaining(state: State) -> tuple[str, ...]:
    """The stages agents can still run on a task in `state`, in order."""
    stage = STAGE_OF.get(state)
    return STAGES[STAGES.index(stage) :] if stage else ()


def pass_stages(tasks: Sequence[TaskView]) -> list[Stage]:
    """The stages of a pass over these tasks (all of main's), each after what it waits for."""
    by_id = {t.id: t for t in tasks}
    out: list[Stage] = []
    executes: set[str] = set()  # tasks whose execution is in the pass
    for task_id in dependency_order(tasks):
        t = by_id[task_id]
        before: tuple[Key, ...] = ()
        for stage in remaining(t.state):
            if stage == "execute":
                if not all(d in executes or done(by_id.get(d)) for d in t.depends_on):
                    break  # a dependency nobody finishes in this pass: nothing to execute yet
                before += tuple((d, "execute") for d in t.depends_on if d in executes)
                executes.add(task_id)
            out.append(Stage(task_id, stage, before))
            before = ((task_id, stage),)
    return with_chains(out)


def with_chains(stages: list[Stage]) -> list[Stage]:
    """Each stage with the length of the longest chain of stages waiting on it. Started
    longest chain first, a pass does not end with a few agents working through the last
    tasks' stages one after another while the others have nothing to do."""
    chain = {s.key: 1 for s in stages}
    for s in reversed(stages):  # each stage comes after what it waits for
        for key in s.after:
            chain[key] = max(chain[key], chain[s.key] + 1)
    return [dataclasses.replace(s, chain=chain[s.key]) for s in stages]


def done(task: TaskView | None) -> bool:
    return task is not None and task.state is State.DONE


def dependency_order(tasks: Sequence[TaskView]) -> list[str]:
    """Task ids, each after its dependencies, WBS order among those free to go (Kahn's
    algorithm with a heap). Tasks in a dependency cycle (the plan reader refuses those) and
    downstream of one come last, in WBS order: `pass_stages` then leaves their executions
    out, since a dependency comes after them."""
    ids = {t.id for t in tasks}
    waiting = {t.id: {d for d in t.depends_on if d in ids} for t in tasks}
    dependents: dict[str, list[str]] = {}
    for task_id, deps in waiting.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(task_id)
    free = [(wbs_key(i), i) for i, deps in waiting.items() if not deps]
    heapq.heapify(free)
    out: list[str] = []
    while free:
        _, task_id = heapq.heappop(free)
        out.append(task_id)
        for later in dependents.get(task_id, ()):
            waiting[later].discard(task_id)
            if not waiting[later]:
                heapq.heappush(free, (wbs_key(later), later))
    placed = set(out)
    return out + sorted((i for i in waiting if i not in placed), key=wbs_key)


def ready_by_state(tasks: Sequence[TaskView]) -> list[Key]:
    """Stages whose task is in their state now and, for an execution, whose dependencies are
    all done: what an agent could start on at once, claims and pull requests aside."""
    done = {t.id for t in tasks if t.state is State.DONE}
    out: list[Key] = []
    for t in tasks:
        stage = STAGE_OF.get(t.state)
        if stage is None or (stage == "execute" and not set(t.depends_on) <= done):
            continue
        out.append((t.id, stage))
    return out
