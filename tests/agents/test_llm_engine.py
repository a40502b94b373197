"""The LLM engine through a scripted StructuredLLM: prompts filled from the task, structured
answers rendered and applied, the gates passed, the rules kept as a floor, and no plan item or
section the model made up reaches the repository."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from agents import build
from agents.executor import deliverable_schema
from agents.prompts import load, parse
from swarm.errors import SwarmError
from swarm.layout import compliance_path, deliverables_dir, research_path
from swarm.llm.api import LedgerLine
from swarm.states import Role, State
from tests.agents.fake_llm import Factory, FakeLLM
from tests.agents.harness import World, describe, example_plan

RESEARCH = {
    "summary": "The task needs a survey of comparable workshops and of cycling data for three "
    "districts, ending in a recommendation of one district.",
    "needs": ["opening hours and fees of five workshops", "Leipzig cycling data by district"],
    "points": [
        {"ref": "A1", "why": "The membership assumption sets the demand the memo must test."},
        {"ref": "R99", "why": "An item the model made up, which must not appear."},
    ],
    "open_questions": ["Which district data does the city publish?"],
}


def compliance(tier: int, reason: str = "") -> Any:
    """An answer citing the first requirement the prompt offers, and one it does not."""

    def answer(user: str) -> dict[str, Any]:
        offered = re.findall(r"^- ((?:P|S|B|CA|G)\d+): ", user, re.MULTILINE)
        cited = [{"ref": ref, "why": "It governs what this task prepares."} for ref in offered[:1]]
        return {
            "risk_tier": tier,
            "categories": ["desk work"] if tier == 1 else ["legal filing"],
            "rationale": "The task is judged by what it does in the world, as the rules say.",
            "requirements": [*cited, {"ref": "X1", "why": "Not a plan item; must be dropped."}],
            "escalation_reason": reason,
        }

    return answer


def deliverable(user: str) -> dict[str, Any]:
    """A valid answer for whatever number of criteria the prompt lists."""
    count = len(re.findall(r"^\d+\. ", user.split("Acceptance criteria:")[1], re.MULTILINE))
    count = min(count, 4)
    sections = [
        {"heading": f"Part {n}", "body": f"Content for criterion {n}, from the plan's figures."}
        for n in range(1, count + 1)
    ]
    evidence = [
        {"criterion": n, "section": f"Part {n}", "statement": "This part covers it fully."}
        for n in range(1, count + 1)
    ]
    return {
        "summary": "A draft of the deliverable, from the plan.",
        "sections": sections,
        "evidence": evidence,
    }


def run_stages(world: World, task_id: str, scripts: list[Any]) -> tuple[Factory, list[str]]:
    factory = Factory(scripts)
    problems = []
    for role in (Role.RESEARCH, Role.COMPLIANCE, Role.EXECUTOR):
        if world.tasks[task_id].state not in (State.TODO, State.RESEARCHED, State.CLEARED):
            break
        if role is Role.EXECUTOR:
            world.finish_dependencies(task_id)
        judged = world.stage(task_id, build(role, llm=factory))
        if judged.errors:
            problems.append(describe(judged.errors))
        assert judged.result.ledger == tuple(factory.made[-1].ledger)
    return factory, problems


def test_a_desk_task_goes_through_all_stages_and_passes_the_gates() -> None:
    world = World.of(example_plan())
    factory, problems = run_stages(world, "1.1.1", [RESEARCH, compliance(1), deliverable])
    assert not problems, problems
    task = world.tasks["1.1.1"]
    assert (task.state, task.risk_tier, task.approval_required) == (State.DONE, 1, False)
    assert factory.asked == [
        ("1.1.1", "research", Role.RESEARCH),
        ("1.1.1", "compliance", Role.COMPLIANCE),
        ("1.1.1", "execute", Role.EXECUTOR),
    ]
    brief = world.files[research_path("1.1.1")].decode()
    assert "LLM engine (fake/model-1)" in brief and "**A1**" in brief and "R99" not in brief
    assert "1 item(s) the model cited are not plan items" in brief
    note = world.files[compliance_path("1.1.1")].decode()
    offered = re.findall(r"^- ((?:P|S|B|CA|G)\d+): ", factory.made[1].calls[0].user, re.M)
    assert offered and f"**{offered[0]}**" in note and "X1" not in note
    assert "1 cited requirement(s) are not plan items offered; left out." in note
    proofs = [e.proof for e in task.evidence]
    path = f"{deliverables_dir('1.1.1')}/research-comparable-workshops-and-local-demand.md"
    assert proofs == [f"{path}#part-{n}" for n in range(1, len(proofs) + 1)]
    assert "## Part 1" in world.files[path].decode()


def test_prompts_carry_the_task_and_route_by_complexity() -> None:
    world = World.of(example_plan())
    factory, _ = run_stages(world, "1.1.1", [RESEARCH, compliance(1), deliverable])
    calls = [llm.calls[0] for llm in factory.made]
    assert all("Task 1.1.1: Research comparable workshops" in c.user for c in calls)
    assert all("{{" not in c.user for c in calls)
    assert [c.complexity for c in calls] == ["simple", "simple", "simple"]
    world = World.of(example_plan())  # 3.1.2: tier 2 and six dependencies
    factory, problems = run_stages(world, "3.1.2", [RESEARCH, compliance(2), deliverable])
    assert not problems, problems
    assert [llm.calls[0].complexity for llm in factory.made] == ["complex"] * 3
    assert world.tasks["3.1.2"].approval_required is True


def test_the_rules_are_a_floor_the_model_cannot_lower() -> None:
    world = World.of(example_plan())
    _, problems = run_stages(world, "2.2.2", [RESEARCH, compliance(1)])
    assert not problems, problems
    task = world.tasks["2.2.2"]
    assert (task.state, task.risk_tier) == (State.NEEDS_HUMAN, 3)
    note = world.files[compliance_path("2.2.2")].decode()
    assert "The model proposed tier 1; the rule table's tier 3 stands" in note
    assert task.escalation is not None and task.escalation.startswith("Needs a person: risk tier 3")


def test_the_model_may_raise_a_tier_and_its_reason_is_the_handoff() -> None:
    world = World.of(example_plan())
    reason = "The memo will be read out at a public hearing, which a person must attend."
    _, problems = run_stages(world, "1.1.1", [RESEARCH, compliance(3, reason)])
    assert not problems, problems
    task = world.tasks["1.1.1"]
    assert task.state is State.NEEDS_HUMAN
    assert task.escalation is not None and reason in task.escalation


def test_an_executor_model_that_needs_a_person_hands_the_task_over() -> None:
    world = World.of(example_plan())

    def refuse(user: str) -> dict[str, Any]:
        return {
            **deliverable(user),
            "needs_person": True,
            "person_reason": "The memo needs site visits in three districts.",
        }

    _, problems = run_stages(world, "1.1.1", [RESEARCH, compliance(1), refuse])
    assert not problems, problems
    task = world.tasks["1.1.1"]
    assert task.state is State.NEEDS_HUMAN
    assert task.escalation is not None and "site visits" in task.escalation
    assert f"{deliverables_dir('1.1.1')}/handoff.md" in world.files


def test_a_tier_3_task_handed_back_is_escalated_without_a_model_call() -> None:
    world = World.of(example_plan())
    task = world.tasks["3.2.2"].model_copy(
        update={"state": State.CLEARED, "risk_tier": 3, "approval_required": True}
    )
    world.put(task)
    factory = Factory([])
    result = build(Role.EXECUTOR, llm=factory).work(world.context("3.2.2"))
    assert result.task.state is State.NEEDS_HUMAN and not factory.asked
    assert [line.model for line in result.ledger] == ["offline"]


def test_the_deliverable_schema_demands_each_criterion_once_in_an_existing_section() -> None:
    schema = deliverable_schema(2)
    good = deliverable("Acceptance criteria:\n1. a\n2. b\n")
    assert schema.model_validate(good)
    with pytest.raises(ValidationError, match="at least 2"):
        schema.model_validate({**good, "evidence": good["evidence"][:1]})
    twice = [good["evidence"][0], {**good["evidence"][1], "criterion": 1}]
    with pytest.raises(ValidationError, match="exactly once"):
        schema.model_validate({**good, "evidence": twice})
    elsewhere = [good["evidence"][0], {**good["evidence"][1], "section": "Appendix"}]
    with pytest.raises(ValidationError, match="do not exist"):
        schema.model_validate({**good, "evidence": elsewhere})
    assert deliverable_schema(2) is schema


def test_only_this_stages_ledger_lines_are_reported() -> None:
    world = World.of(example_plan())
    shared = FakeLLM([RESEARCH], task="1.1.1", stage="research")
    earlier = LedgerLine("0.0.0", "research", "research", "m", 1, 1, 0.1, 0.1, 1)
    shared.ledger.append(earlier)  # a line of an earlier question of the same client
    result = build(Role.RESEARCH, llm=lambda t, s, r: shared).work(world.context("1.1.1"))
    assert len(shared.ledger) == 2 and result.ledger == (shared.ledger[1],)


def test_every_prompt_file_has_a_system_and_user_part() -> None:
    for role in ("research", "compliance", "executor"):
        prompt = load(role)
        assert len(prompt.system) > 300 and prompt.placeholders
    with pytest.raises(SwarmError, match="'# System' and a '# User'"):
        parse("x", "# System\nonly a system prompt\n")
    with pytest.raises(SwarmError, match="without values \\['b'\\]"):
        parse("x", "# System\ns\n# User\n{{a}} {{b}}\n").fill({"a": "1"})


def test_build_takes_exactly_one_engine() -> None:
    with pytest.raises(SwarmError, match="exactly one engine"):
        build(Role.RESEARCH)
    with pytest.raises(SwarmError, match="exactly one engine"):
        build(Role.RESEARCH, offline=True, llm=Factory([]))
    with pytest.raises(SwarmError, match="people do"):
        build(Role.HUMAN, offline=True)
    assert build(Role.COMPLIANCE, offline=True).engine == "offline"
    assert build(Role.COMPLIANCE, llm=Factory([])).engine == "llm"
