"""The offline engine on the project's example plan: every stage of every task passes the real
gates, moves the task along a legal edge, says it is the offline engine, is deterministic and
fast, and leaves evidence that points at the deliverable's own sections."""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field

import pytest

from agents import WrongState, build
from agents.base import Agent
from agents.planview import view
from agents.text import OFFLINE_BANNER
from swarm.layout import deliverables_dir, research_path
from swarm.states import Role, State
from tests.agents.harness import NOW, World, describe, example_plan, legal_move

RESEARCH, COMPLIANCE, EXECUTOR = (
    build(role, offline=True) for role in (Role.RESEARCH, Role.COMPLIANCE, Role.EXECUTOR)
)
AGENTS: tuple[Agent, ...] = (RESEARCH, COMPLIANCE, EXECUTOR)
ACTIVE = (State.TODO, State.RESEARCHED, State.CLEARED)


@dataclass
class Run:
    problems: dict[str, list[str]] = field(default_factory=dict)  # by task
    outcome: dict[str, State] = field(default_factory=dict)  # each task's state after its stages


def run_plan(world: World) -> Run:
    """Every task through the three stages (its dependencies marked done on main first, as if
    people had finished them); the gate findings (errors and warnings) and illegal moves."""
    run = Run()
    problems = run.problems
    for task_id in list(world.tasks):
        for agent in AGENTS:
            before = world.tasks[task_id]
            if before.state not in ACTIVE:
                break
            if agent is EXECUTOR:
                world.finish_dependencies(task_id)
            judged = world.stage(task_id, agent)
            after = judged.result.task
            # warnings count too: the engine hedges the plan's figures and elides hype words
            found = [describe(judged.findings)] if judged.findings else []
            if not legal_move(before, after, agent):
                found.append(f"{agent.role}: illegal move {before.state} -> {after.state}")
            if found:
                problems.setdefault(task_id, []).extend(found)
        run.outcome[task_id] = world.tasks[task_id].state
    return run


@pytest.fixture(scope="module")
def example_run() -> tuple[World, Run]:
    world = World.of(example_plan())
    run = run_plan(world)
    assert not run.problems, "\n".join(f"{t}:\n{'; '.join(p)}" for t, p in run.problems.items())
    return world, run


@pytest.fixture(scope="module")
def finished(example_run: tuple[World, Run]) -> World:
    return example_run[0]


def test_every_task_ends_done_or_with_a_person(example_run: tuple[World, Run]) -> None:
    states = list(example_run[1].outcome.values())
    assert len(states) == 35
    assert set(states) <= {State.DONE, State.NEEDS_HUMAN}
    assert states.count(State.NEEDS_HUMAN) == 14


def test_every_note_says_it_comes_from_the_offline_engine(finished: World) -> None:
    notes = [p for p in finished.files if p.startswith(("research/", "compliance/", "deliv"))]
    assert len(notes) == 35 * 2 + 21  # tier-3 tasks stop at compliance
    for path in notes:
        text = finished.files[path].decode()
        assert OFFLINE_BANNER in text.splitlines()[:5], path


def test_the_offline_engine_is_deterministic() -> None:
    first, second = World.of(example_plan()), World.of(example_plan())
    run_plan(first)
    run_plan(second)
    assert first.files == second.files


def test_evidence_points_at_sections_of_the_deliverable(finished: World) -> None:
    done = [t for t in finished.tasks.values() if t.risk_tier in (1, 2)]
    assert done
    for task in done:
        assert 2 <= len(task.evidence) <= 4, task.id
        for item in task.evidence:
            path, _, section = item.proof.partition("#")
            text = finished.files[path].decode()
            headings = {_anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}
            assert section in headings, (task.id, item.proof)
            assert item.criterion in text


def _anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_tier_2_deliverables_say_what_the_approver_lets_happen(finished: World) -> None:
    for task in finished.tasks.values():
        if task.risk_tier == 2:
            text = _deliverable(finished, task.id)
            assert "## For the approver" in text
            assert "nothing was sent, published, ordered, signed or paid" in text


def _deliverable(world: World, task_id: str) -> str:
    paths = [p for p in world.files if p.startswith(f"{deliverables_dir(task_id)}/")]
    assert len(paths) == 1, paths
    return world.files[paths[0]].decode()


def test_tier_3_tasks_carry_a_handoff(finished: World) -> None:
    for task in finished.tasks.values():
        if task.risk_tier == 3:
            assert task.risk_tier == 3 and task.approval_required is True
            text = task.escalation or ""
            for part in ("Needs a person:", "Purpose:", "Acceptance evidence:", "Context:"):
                assert part in text, (task.id, part)
            assert research_path(task.id) in text
            assert task.planned.end is not None
            assert f"Deadline: {task.planned.end.isoformat()}" in text


def test_research_ranks_items_best_first(finished: World) -> None:
    text = finished.files[research_path("2.2.1")].decode()
    for section in ("Assumptions that bear on it", "Documents to find"):
        body = text.split(f"## {section}")[1].split("\n## ")[0]
        scores = [float(s) for s in re.findall(r"\(score (\d+\.\d)\)", body)]
        assert scores and scores == sorted(scores, reverse=True), section
    assert "| R1 |" in text and "plan/risks.md#R1" in text


def test_every_stage_leaves_one_offline_ledger_line() -> None:
    world = World.of(example_plan())
    result = RESEARCH.work(world.context("1.1.1"))
    (line,) = result.ledger
    assert (line.model, line.cost_usd, line.tokens_in, line.tokens_out) == ("offline", 0, 0, 0)
    assert (line.task, line.stage, line.role, line.at) == ("1.1.1", "research", "research", NOW)


def test_a_role_refuses_a_task_in_another_state() -> None:
    world = World.of(example_plan())
    with pytest.raises(WrongState, match=r"state researched; task 1\.1\.1 is todo"):
        COMPLIANCE.work(world.context("1.1.1"))


def test_an_offline_stage_takes_less_than_5_ms() -> None:
    world = World.of(example_plan())
    view(world.plan)  # the per-plan index is built once, then reused by every stage
    times: list[float] = []
    for task_id in list(world.tasks):
        for agent in AGENTS:
            if world.tasks[task_id].state not in ACTIVE:
                break
            ctx = world.context(task_id)
            start = time.perf_counter()
            result = agent.work(ctx)
            times.append(time.perf_counter() - start)
            world.files.update(result.files)
            world.tasks[task_id] = result.task
    assert statistics.mean(times) < 0.005, f"mean {statistics.mean(times) * 1000:.2f} ms"
