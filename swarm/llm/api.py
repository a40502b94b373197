"""The LLM layer's interface: what agents see of it. Implementation: swarm.llm.client."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel

from swarm.errors import SwarmError

T = TypeVar("T", bound=BaseModel)
Complexity = Literal["simple", "complex"]


@dataclass(frozen=True)
class LedgerLine:
    """One model call (or one cache hit), as committed in the task's ledger (see swarm.layout)."""

    task: str
    stage: str
    role: str
    model: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    latency_s: float
    attempt: int  # 1 for the first try of this request, 2.. for re-asks and retries
    cached: bool = False
    outcome: Literal["ok", "invalid", "error"] = "ok"
    at: float = 0.0  # seconds since the epoch

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BudgetExceeded(SwarmError):
    """The next call would take the task over its budget: it is not made."""

    def __init__(self, task: str, spent: float, budget: float) -> None:
        self.task, self.spent, self.budget = task, spent, budget
        super().__init__(
            f"task {task}: budget of ${budget:.2f} reached (${spent:.4f} spent); "
            "no further model calls are made for it",
            1,
        )


class ModelFailed(SwarmError):
    """The model could not give a valid answer (after retries and re-asks)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 1)


class StructuredLLM(Protocol):
    """Ask for an answer that validates as `schema`; every call lands in `ledger`."""

    ledger: list[LedgerLine]

    def ask(
        self,
        system: str,
        user: str,
        schema: type[T],
        complexity: Complexity = "simple",
    ) -> T: ...
