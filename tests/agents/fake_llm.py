"""The test double of the StructuredLLM protocol: scripted answers, validated like the real
client validates them (the answer is re-validated against the schema the agent asked for), and
one ledger line per call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from swarm.llm.api import Complexity, LedgerLine
from swarm.states import Role
from swarm.task import TaskFile

T = TypeVar("T", bound=BaseModel)
Script = dict[str, Any] | Callable[[str], dict[str, Any]]  # an answer, or one built from the prompt


@dataclass
class Call:
    system: str
    user: str
    schema: type[BaseModel]
    complexity: Complexity


@dataclass
class FakeLLM:
    answers: list[Script]
    model: str = "fake/model-1"
    ledger: list[LedgerLine] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    task: str = "?"
    stage: str = "?"

    def ask(self, system: str, user: str, schema: type[T], complexity: Complexity = "simple") -> T:
        self.calls.append(Call(system, user, schema, complexity))
        script = self.answers.pop(0)
        data = script(user) if callable(script) else script
        answer = schema.model_validate(data)
        self.ledger.append(
            LedgerLine(
                task=self.task,
                stage=self.stage,
                role="agent",
                model=self.model,
                tokens_in=len(system + user) // 4,
                tokens_out=len(answer.model_dump_json()) // 4,
                cost_usd=0.001,
                latency_s=0.0,
                attempt=1,
            )
        )
        return answer


@dataclass
class Factory:
    """Hands out one FakeLLM per call and remembers what it was asked for."""

    scripts: list[Script]
    asked: list[tuple[str, str, Role]] = field(default_factory=list)
    made: list[FakeLLM] = field(default_factory=list)

    def __call__(self, task: TaskFile, stage: str, role: Role) -> FakeLLM:
        self.asked.append((task.id, stage, role))
        llm = FakeLLM([self.scripts.pop(0)], task=task.id, stage=stage)
        self.made.append(llm)
        return llm
