"""Which model answers a role's question.

The rule, first match wins:
1. a model named on the command line (`--model`) answers every question, simple or complex;
2. a complex question goes to `roles.<role>.complex_model` when swarm.yaml sets one;
3. otherwise `roles.<role>.model`.

A question is complex when the task is of risk tier 2-3 or has many dependencies: the agents
decide that, the router only reads it. "offline" names the offline engine, not a litellm model:
the runtime uses the offline agents for it and never builds an LLM client.
"""

from __future__ import annotations

from dataclasses import dataclass

from swarm.llm.api import Complexity
from swarm.settings import RoleSettings, Settings
from swarm.states import AGENT_ROLES, Role

OFFLINE = "offline"


@dataclass(frozen=True)
class Routing:
    model: str
    complex_model: str | None = None
    override: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, role: Role, override: str | None = None) -> Routing:
        chosen = role_settings(settings, role)
        return cls(chosen.model, chosen.complex_model, override or None)

    def pick(self, complexity: Complexity) -> str:
        if self.override:
            return self.override
        if complexity == "complex" and self.complex_model:
            return self.complex_model
        return self.model

    def describe(self) -> str:
        """A short label for pull requests and logs, e.g. 'gpt-4o-mini / complex: gpt-4o'."""
        if self.override:
            return self.override
        if self.complex_model and self.complex_model != self.model:
            return f"{self.model} / complex: {self.complex_model}"
        return self.model


def pick_model(
    settings: Settings, role: Role, complexity: Complexity, override: str | None = None
) -> str:
    return Routing.from_settings(settings, role, override).pick(complexity)


def role_settings(settings: Settings, role: Role) -> RoleSettings:
    if role not in AGENT_ROLES:
        raise ValueError(f"role {role!s} has no model: only agent roles ask a model")
    chosen: RoleSettings = getattr(settings.roles, str(role))
    return chosen
