"""The LLM engine through the real client and real litellm (`mock_response`): a desk task's
three stages, each answer parsed by the client, rendered by the agent and passed by the gates,
with the client's ledger lines as the stage's ledger."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agents import build
from agents.criteria import criteria
from swarm.layout import ledger_path, research_path
from swarm.llm.client import LiteLLM
from swarm.settings import Roles, RoleSettings
from swarm.states import Role, State
from swarm.task import TaskFile
from tests.agents.harness import World, describe, example_plan
from tests.agents.test_llm_engine import RESEARCH

# litellm builds a pydantic schema of its own types at its first call and pydantic warns about
# one of them: not ours
pytestmark = pytest.mark.filterwarnings("ignore:Item 'summary' on TypedDict:UserWarning")

COMPLIANCE = {
    "risk_tier": 1,
    "categories": ["desk work"],
    "rationale": "Desk research from published data and the plan; nothing leaves the team.",
    "requirements": [],
    "escalation_reason": "",
}


def deliverable(task: TaskFile) -> dict[str, Any]:
    count = len(criteria(task))
    return {
        "summary": "A research memo drafted from the plan's content and public cycling data.",
        "sections": [
            {"heading": f"Finding {n}", "body": f"What the plan gives for criterion {n}, sourced."}
            for n in range(1, count + 1)
        ],
        "evidence": [
            {"criterion": n, "section": f"Finding {n}", "statement": "Covered with sources."}
            for n in range(1, count + 1)
        ],
    }


def test_three_stages_through_litellm_pass_the_gates() -> None:
    world = World.of(example_plan())
    role = RoleSettings(model="gpt-4o-mini")
    routed = world.settings.model_copy(
        update={"roles": Roles(research=role, compliance=role, executor=role)}
    )
    answers = {
        "research": RESEARCH,
        "compliance": COMPLIANCE,
        "execute": deliverable(world.tasks["1.1.1"]),
    }

    def factory(task: TaskFile, stage: str, role: Role) -> LiteLLM:
        mock = json.dumps(answers[stage])
        return LiteLLM(
            task=task.id,
            stage=stage,
            role=str(role),
            settings=routed,
            budget_usd=0.5,
            completion_kwargs={"mock_response": mock},
        )

    for agent_role in (Role.RESEARCH, Role.COMPLIANCE, Role.EXECUTOR):
        judged = world.stage("1.1.1", build(agent_role, llm=factory))
        assert not judged.errors, describe(judged.errors)
        (line,) = judged.result.ledger
        assert (line.model, line.outcome, line.task) == ("gpt-4o-mini", "ok", "1.1.1")
        assert line.tokens_in > 0 and line.tokens_out > 0
    task = world.tasks["1.1.1"]
    assert (task.state, task.risk_tier) == (State.DONE, 1)
    assert "gpt-4o-mini" in world.files[research_path("1.1.1")].decode()
    ledger = world.files[ledger_path("1.1.1")].decode().splitlines()
    assert [json.loads(x)["stage"] for x in ledger] == ["research", "compliance", "execute"]
