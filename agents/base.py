"""What every role is: a function of (task, plan context, repository snapshot) to a change set
and a target state. Roles never touch git or the forge; the runtime does.

Each role has two engines behind this interface: the offline engine (deterministic rules over
the plan's own content; it says so in what it writes) and the LLM engine (prompts kept as files
in agents/prompts/, structured output validated by pydantic).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from planexe.model import Plan
from swarm.llm.api import LedgerLine
from swarm.settings import Settings
from swarm.states import Role
from swarm.task import TaskFile


@dataclass(frozen=True)
class WorkContext:
    task: TaskFile  # as it is on main
    plan: Plan  # plan/plan.json on main
    settings: Settings
    read: Callable[[str], bytes | None]  # any file on main, e.g. a research brief
    dependencies: tuple[TaskFile, ...] = ()  # the task's dependencies as they are on main
    now: float = 0.0


@dataclass(frozen=True)
class WorkResult:
    """The change a role proposes: the new task file (its state and the fields the stage fills)
    and the other files it adds, all within the task's own paths."""

    task: TaskFile
    files: dict[str, bytes] = field(default_factory=dict)
    summary: str = ""  # one line for the pull request's title
    ledger: tuple[LedgerLine, ...] = ()


class Agent(Protocol):
    # read-only members: an agent's role and engine never change, and wrappers (the runtime's
    # timing proxy) can expose them as properties
    @property
    def role(self) -> Role: ...

    @property
    def engine(self) -> str:  # "offline" or "llm"
        ...

    def work(self, ctx: WorkContext) -> WorkResult: ...
