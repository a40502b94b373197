"""Fixtures for the LLM layer: settings, a scripted provider, and a client with fast retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import litellm
import pytest
from pydantic import BaseModel

from swarm.llm.client import LiteLLM
from swarm.llm.retry import RetryPolicy
from swarm.settings import PlanRef, Roles, RoleSettings, Settings
from tests.swarm.llm.scripted import PROVIDER, Reply, ScriptedLLM

VALID = '{"title": "Market scan", "points": 3}'

# litellm 1.106 builds a pydantic schema of its own types at its first chat call and pydantic
# warns about one of them; nothing of ours
LITELLM_NOISE = pytest.mark.filterwarnings("ignore:Item 'summary' on TypedDict:UserWarning")


class Brief(BaseModel):
    title: str
    points: int


def make_settings(model: str = "gpt-4o-mini", complex_model: str | None = None) -> Settings:
    role = RoleSettings(model=model, complex_model=complex_model)
    return Settings(
        plan_swarm_version="0.1.0",
        plan=PlanRef(planexe_id="p1", title="Plan", digest="0" * 8),
        roles=Roles(research=role, compliance=role, executor=role),
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Callable[..., LiteLLM]:
    """A client for task T1's research stage; any constructor argument can be overridden,
    and `model=` sets the routed model. Sleeps are recorded, not slept."""

    def make(model: str = "gpt-4o-mini", **overrides: Any) -> LiteLLM:
        args: dict[str, Any] = {
            "task": "T1",
            "stage": "research",
            "role": "research",
            "settings": make_settings(model),
            "budget_usd": 1.0,
            "retry": RetryPolicy(max_attempts=3, base_backoff_s=0.01, max_backoff_s=5.0),
            "sleep": sleeps.append,
            "rand": lambda: 0.5,
        }
        args.update(overrides)
        return LiteLLM(**args)

    return make


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ScriptedLLM]]:
    """Register a ScriptedLLM as litellm's provider `scripted` for this test."""

    def register(replies: list[Reply], tokens: tuple[int, int] = (1200, 350)) -> ScriptedLLM:
        handler = ScriptedLLM(replies, tokens)
        monkeypatch.setattr(
            litellm, "custom_provider_map", [{"provider": PROVIDER, "custom_handler": handler}]
        )
        return handler

    yield register


def via_script(**kwargs: Any) -> dict[str, Any]:
    """completion_kwargs that send the routed model's calls to the scripted provider."""
    return {"custom_llm_provider": PROVIDER, **kwargs}
