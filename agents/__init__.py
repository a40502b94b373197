"""The roles that carry a plan forward: research, compliance and executor, each with an offline
engine (rules over the plan's own content) and an LLM engine (prompts in agents/prompts/).

The runtime builds an agent per role and engine:

    build(Role.RESEARCH, offline=True)
    build(Role.EXECUTOR, llm=factory)   # factory(task, stage, role) -> StructuredLLM

and calls `agent.work(ctx)` with a WorkContext; the WorkResult holds the new task file, the
files to commit, a one-line summary and the ledger lines of the stage.
"""

from __future__ import annotations

from agents.base import Agent, WorkContext, WorkResult
from agents.common import LLMFactory, WrongState
from agents.compliance import LLMCompliance, OfflineCompliance
from agents.executor import LLMExecutor, OfflineExecutor
from agents.research import LLMResearch, OfflineResearch
from swarm.errors import EXIT_BAD_INPUT, SwarmError
from swarm.states import Role

_OFFLINE: dict[Role, type[OfflineResearch | OfflineCompliance | OfflineExecutor]] = {
    Role.RESEARCH: OfflineResearch,
    Role.COMPLIANCE: OfflineCompliance,
    Role.EXECUTOR: OfflineExecutor,
}
_LLM: dict[Role, type[LLMResearch | LLMCompliance | LLMExecutor]] = {
    Role.RESEARCH: LLMResearch,
    Role.COMPLIANCE: LLMCompliance,
    Role.EXECUTOR: LLMExecutor,
}


def build(role: Role, *, offline: bool = False, llm: LLMFactory | None = None) -> Agent:
    """The agent for `role`: the offline engine, or the LLM engine over `llm` (exactly one)."""
    if offline == (llm is not None):
        raise SwarmError("build an agent with exactly one engine: offline=True or llm=<factory>")
    if role not in _OFFLINE:
        raise SwarmError(f"no agent works as {role}: people do", EXIT_BAD_INPUT)
    if llm is not None:
        return _LLM[role](llm)
    return _OFFLINE[role]()


__all__ = ["Agent", "LLMFactory", "WorkContext", "WorkResult", "WrongState", "build"]
