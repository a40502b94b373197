"""The offline engine on the five real PlanExe plans: every stage of every task passes the real
gates with a legal move, no warning either (the engine hedges the plan's large figures and
elides its hype words), and each plan gets tasks of every tier."""

from __future__ import annotations

from collections import Counter

import pytest

from agents import build
from agents.planview import view
from agents.tiers import assess
from swarm.states import Role, State
from tests.agents.harness import World, load_plan
from tests.agents.test_offline import run_plan
from tests.shared_plans import PLANS, largest, needs_shared_plans, plan_path

pytestmark = [needs_shared_plans, pytest.mark.shared_plans]


@pytest.mark.parametrize("name", sorted(PLANS))
def test_every_stage_of_every_task_passes_the_gates(name: str) -> None:
    world = World.of(load_plan(plan_path(name)))
    run = run_plan(world)
    shown = list(run.problems.items())[:10]
    assert not run.problems, "\n".join(f"{t}: {'; '.join(p)}" for t, p in shown)
    states = Counter(run.outcome.values())
    assert set(states) <= {State.DONE, State.NEEDS_HUMAN}
    assert len(world.tasks) == PLANS[name][1]


@pytest.mark.parametrize("name", sorted(PLANS))
def test_tiers_spread_over_all_three(name: str) -> None:
    plan = load_plan(plan_path(name))
    world = World.of(plan)
    tiers = Counter(assess(t, view(plan)).tier for t in world.tasks.values())
    assert set(tiers) == {1, 2, 3}, tiers
    # most work of a plan is desk work; a rule table that sends most tasks to people is broken
    assert tiers[1] >= 0.4 * len(world.tasks), tiers
    print(f"{name}: {dict(sorted(tiers.items()))}")


def test_the_offline_engine_gives_the_same_bytes_twice_on_the_largest_plan() -> None:
    def run() -> dict[str, bytes]:
        world = World.of(load_plan(largest()))
        for task_id in list(world.tasks):
            for role in (Role.RESEARCH, Role.COMPLIANCE, Role.EXECUTOR):
                if world.tasks[task_id].state not in (State.TODO, State.RESEARCHED, State.CLEARED):
                    break
                result = build(role, offline=True).work(world.context(task_id))
                world.files.update(result.files)
                world.put(result.task)
        return world.files

    assert run() == run()
