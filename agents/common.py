"""What the three roles share: the LLM factory type, ledger lines, complexity routing, the
state check and the call that keeps only this stage's ledger lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from agents.base import WorkContext
from agents.text import quote_plan
from swarm.errors import EXIT_FAILED_CHECK, SwarmError
from swarm.llm.api import Complexity, LedgerLine, StructuredLLM
from swarm.states import STAGE_OF, Role, State
from swarm.task import TaskFile

T = TypeVar("T", bound=BaseModel)

# The runtime hands the LLM engine a factory: (task, stage, role) -> a StructuredLLM whose
# routing, budget, cache and ledger are the LLM layer's business.
LLMFactory = Callable[[TaskFile, str, Role], StructuredLLM]

STAGE: dict[Role, str] = {
    Role.RESEARCH: "research",
    Role.COMPLIANCE: "compliance",
    Role.EXECUTOR: "execute",
}
SOURCE_STATE: dict[Role, State] = {
    Role.RESEARCH: State.TODO,
    Role.COMPLIANCE: State.RESEARCHED,
    Role.EXECUTOR: State.CLEARED,
}
COMPLEX_DEPENDENCIES = 3
# the stage names here are the lifecycle's (swarm.states.STAGE_OF); a rename there must land here
assert all(STAGE_OF[SOURCE_STATE[r]] == STAGE[r] for r in STAGE)


class LLMRole:
    """What every role's LLM engine shares: its name and the factory of its model client."""

    role: Role
    engine: str = "llm"

    def __init__(self, llm: LLMFactory) -> None:
        self._llm = llm


class WrongState(SwarmError):
    """The role was asked to work on a task that is not in the state its stage starts from."""

    def __init__(self, role: Role, task: TaskFile) -> None:
        want = SOURCE_STATE[role]
        super().__init__(
            f"the {role} agent works on tasks in state {want}; task {task.id} is {task.state}",
            EXIT_FAILED_CHECK,
        )


def check_state(role: Role, ctx: WorkContext) -> None:
    if ctx.task.state is not SOURCE_STATE[role]:
        raise WrongState(role, ctx.task)


def offline_ledger(ctx: WorkContext, role: Role) -> tuple[LedgerLine, ...]:
    """One zero-cost line, so every stage leaves a trace in the task's ledger."""
    line = LedgerLine(
        task=ctx.task.id,
        stage=STAGE[role],
        role=str(role),
        model="offline",
        tokens_in=0,
        tokens_out=0,
        cost_usd=0.0,
        latency_s=0.0,
        attempt=1,
        at=ctx.now,
    )
    return (line,)


def complexity(task: TaskFile, tier: int | None) -> Complexity:
    """'complex' for tasks with many dependencies or a tier of 2 or more."""
    if len(task.depends_on) >= COMPLEX_DEPENDENCIES or (tier or 1) >= 2:
        return "complex"
    return "simple"


def ask(
    llm: StructuredLLM, system: str, user: str, schema: type[T], level: Complexity
) -> tuple[T, tuple[LedgerLine, ...]]:
    """The answer and the ledger lines this call added (a shared LLM's earlier lines stay out)."""
    before = len(llm.ledger)
    answer = llm.ask(system, user, schema, level)
    return answer, tuple(llm.ledger[before:])


def models_of(lines: tuple[LedgerLine, ...]) -> str:
    names = sorted({line.model for line in lines})
    return ", ".join(names) or "unknown model"


def render(ctx: WorkContext, lines: list[str], engine: str) -> bytes:
    """A note's bytes. The offline engine's notes quote the plan through `quote_plan`; the LLM
    engine's are left as the model wrote them, so the gates judge the model's own words."""
    text = "\n".join(lines).rstrip() + "\n"
    if engine == "offline":
        text = quote_plan(text, ctx.settings.gates.hype_words)
    return text.encode()


def llm_banner(lines: tuple[LedgerLine, ...]) -> str:
    return (
        f"> Written by plan-swarm's LLM engine ({models_of(lines)}) from the plan's content. "
        "Plan items are quoted from the plan; the assessment around them is the model's."
    )
