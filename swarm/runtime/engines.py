"""Which engine the agents run on: the offline engine, or a model through litellm.

The choice travels to luigi's worker processes as a JSON string (`engine_spec`):
`{"model": "offline"}` or `{"model": "gpt-4o-mini", "litellm": {...extra completion kwargs}}`.
The per-role routing of swarm.yaml applies unless a model is forced.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import agents
from agents.base import Agent, WorkContext, WorkResult
from swarm.llm.api import StructuredLLM
from swarm.repo import FORGE_DIR, Repo
from swarm.runtime.context import StageContext
from swarm.states import Role
from swarm.task import TaskFile

OFFLINE = "offline"
_ENGINES: dict[str, Engine] = {}


def engine_spec(model: str = OFFLINE, litellm_kwargs: dict[str, Any] | None = None) -> str:
    spec: dict[str, Any] = {"model": model}
    if litellm_kwargs:
        spec["litellm"] = litellm_kwargs
    return json.dumps(spec, sort_keys=True)


@dataclass
class Engine:
    model: str
    litellm: dict[str, Any] = field(default_factory=dict)
    _contexts: dict[str, StageContext] = field(default_factory=dict)
    _caches: dict[str, Any] = field(default_factory=dict)
    _seconds: float = 0.0

    @property
    def offline(self) -> bool:
        return self.model == OFFLINE

    def context(self, repo: Repo) -> StageContext:
        key = f"{repo.path}@{os.getpid()}"  # handles opened before luigi forks stay there
        if key not in self._contexts:
            self._contexts[key] = StageContext(repo)
        return self._contexts[key]

    def cache(self, repo: Repo) -> Any:
        from swarm.llm.cache import ResponseCache

        key = f"{repo.path}@{os.getpid()}"
        if key not in self._caches:
            self._caches[key] = ResponseCache(repo.path / FORGE_DIR / "llm-cache.sqlite3")
        return self._caches[key]

    def agent(self, role: Role, repo: Repo) -> Agent:
        if self.offline:
            return _Timed(agents.build(role, offline=True), self)
        ctx = self.context(repo)

        def llm_for(task: TaskFile, stage: str, role: Role) -> StructuredLLM:
            from swarm.llm.client import LiteLLM

            settings = ctx.settings
            return LiteLLM(
                task=task.id,
                stage=stage,
                role=role.value,
                settings=settings,
                model_override=None if self.model == "routed" else self.model,
                budget_usd=settings.budgets.per_task_usd,
                spent_usd=ctx.spent(task.id),
                cache=self.cache(repo),
                completion_kwargs=dict(self.litellm),
            )

        return _Timed(agents.build(role, llm=llm_for), self)

    def engine_seconds(self) -> float:
        return self._seconds

    def preload(self, repo: Repo) -> None:
        """Do once in the parent what every stage would otherwise do after luigi forks it:
        import litellm and warm its tokenizer (seconds, for the LLM engine), read the plan."""
        self.context(repo).plan  # noqa: B018 - a cached property, read to warm it
        if self.offline:
            return
        from swarm.llm.loader import litellm_ready

        litellm_ready()
        import litellm

        litellm.token_counter(model="gpt-4o-mini", text="warm up the tokenizer")
        # litellm's first completion in a process loads much of it lazily: pay that once here
        litellm.completion(
            model="gpt-4o-mini",
            mock_response="ok",
            messages=[{"role": "user", "content": "warm up"}],
        )


@dataclass
class _Timed:
    """Counts the time spent inside the engine, so the runtime's own overhead can be measured."""

    inner: Agent
    owner: Engine

    @property
    def role(self) -> Role:
        return self.inner.role

    @property
    def engine(self) -> str:
        return self.inner.engine

    def work(self, ctx: WorkContext) -> WorkResult:
        start = time.perf_counter()
        try:
            return self.inner.work(ctx)
        finally:
            self.owner._seconds += time.perf_counter() - start


def load_engine(spec: str) -> Engine:
    if spec not in _ENGINES:
        data = json.loads(spec)
        _ENGINES[spec] = Engine(
            model=str(data.get("model", OFFLINE)), litellm=dict(data.get("litellm", {}))
        )
    return _ENGINES[spec]
