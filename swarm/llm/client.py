"""`LiteLLM`: the StructuredLLM that agents use, over litellm.

One `ask` is one question to the routed model. In order:
1. the cache (when given): a stored answer that still validates is returned for free;
2. before every call, the budget: spent so far (on this task, before and by this client) plus
   the call's estimated cost must stay within the task's budget, else BudgetExceeded and no call;
3. the call: a transient failure (see `errors`) is retried with backoff up to the policy's bound,
   any other litellm failure ends the question with ModelFailed and the table's hint;
4. the answer is validated against the schema; an invalid one is shown back to the model with
   the errors and asked again, up to `max_reasks` times, then ModelFailed.
Every call and cache hit appends a LedgerLine to `self.ledger` ("ok", "invalid" or "error").
Exceptions that are not litellm's propagate unchanged: they are bugs, not model failures.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from swarm.errors import SwarmError
from swarm.llm import prompt
from swarm.llm.api import BudgetExceeded, Complexity, LedgerLine, ModelFailed, StructuredLLM
from swarm.llm.cache import CachedAnswer, ResponseCache, cache_key
from swarm.llm.errors import ErrorInfo, classify, summary
from swarm.llm.ledger import ledger_total
from swarm.llm.loader import litellm_ready
from swarm.llm.pricing import estimate_cost, response_cost
from swarm.llm.retry import RetryPolicy, retry_after
from swarm.llm.router import OFFLINE, Routing
from swarm.settings import Settings
from swarm.states import Role

T = TypeVar("T", bound=BaseModel)
# num_retries=0: litellm's own retries (and the OpenAI SDK's 2) would not show in the ledger;
# timeout: litellm waits 600 s by default, longer than a claim's lease (900 s) allows for retries
CALL_DEFAULTS: dict[str, Any] = {"num_retries": 0, "timeout": 120.0}
Outcome = Literal["ok", "invalid", "error"]


@dataclass(frozen=True)
class _Reply:
    attempt: int
    at: float
    latency_s: float
    text: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


class LiteLLM(StructuredLLM):
    def __init__(
        self,
        *,
        task: str,
        stage: str,
        role: str,
        settings: Settings,
        budget_usd: float,
        model_override: str | None = None,
        spent_usd: float = 0.0,
        cache: ResponseCache | None = None,
        retry: RetryPolicy | None = None,
        max_reasks: int = 2,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        completion_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        """The model comes from `settings.roles.<role>` unless `model_override` (--model) names
        one (see `router`). `spent_usd` is what the task spent before this client (the runtime
        sums its ledger). `completion_kwargs` go to every `litellm.completion` call."""
        if budget_usd < 0 or spent_usd < 0 or max_reasks < 0:
            raise ValueError("budget_usd, spent_usd and max_reasks must be >= 0")
        self.routing = Routing.from_settings(settings, Role(role), model_override)
        _refuse_offline(self.routing, role)
        self.task, self.stage, self.role = task, stage, role
        self.budget_usd, self.spent_before = budget_usd, spent_usd
        self.cache, self.retry, self.max_reasks = cache, retry or RetryPolicy(), max_reasks
        self.clock, self.sleep, self.rand = clock, sleep, rand
        self.extra: dict[str, Any] = {**CALL_DEFAULTS, **(completion_kwargs or {})}
        self.ledger: list[LedgerLine] = []

    @property
    def spent_usd(self) -> float:
        return self.spent_before + ledger_total(self.ledger)

    def ask(self, system: str, user: str, schema: type[T], complexity: Complexity = "simple") -> T:
        model = self.routing.pick(complexity)
        schema_json = prompt.schema_of(schema)
        messages = prompt.build_messages(system, user, schema_json)
        key = cache_key(model, messages, schema_json)
        cached = self._from_cache(key, model, schema)
        if cached is not None:
            return cached
        answer, reply = self._converse(model, messages, schema, schema_json)
        if self.cache is not None:
            stored = CachedAnswer(model, reply.text, reply.tokens_in, reply.tokens_out)
            self.cache.put(key, stored)
        return answer

    def _from_cache(self, key: str, model: str, schema: type[T]) -> T | None:
        if self.cache is None:
            return None
        at, start = self.clock(), time.perf_counter()
        hit = self.cache.get(key)
        if hit is None:
            return None
        try:
            answer = prompt.parse_answer(hit.text, schema)
        except ValidationError:  # the schema's validators changed since: ask again
            return None
        latency = time.perf_counter() - start
        reply = _Reply(1, at, latency, hit.text, hit.tokens_in, hit.tokens_out)
        self._record(model, reply, "ok", cached=True)
        return answer

    def _converse(
        self, model: str, messages: list[prompt.Message], schema: type[T], schema_json: Any
    ) -> tuple[T, _Reply]:
        attempts = itertools.count(1)
        for _ in range(self.max_reasks + 1):
            reply = self._call(model, messages, schema_json, attempts)
            try:
                answer = prompt.parse_answer(reply.text, schema)
            except ValidationError as exc:
                self._record(model, reply, "invalid")
                messages, problem = prompt.reask(messages, reply.text, exc), exc
                continue
            self._record(model, reply, "ok")
            return answer, reply
        raise ModelFailed(
            f"{self._who(model)} gave no valid {schema.__name__} in {self.max_reasks + 1} "
            f"answers; the last one had these problems:\n{prompt.describe_errors(problem)}"
        )

    def _call(
        self, model: str, messages: list[prompt.Message], schema_json: Any, attempts: Iterator[int]
    ) -> _Reply:
        tries = 0
        while True:
            tries += 1
            self._check_budget(model, messages, schema_json)
            attempt, at, start = next(attempts), self.clock(), time.perf_counter()
            try:
                response = self._complete(model, messages)
            except Exception as exc:  # sorted by the table; what it does not know is re-raised
                info = classify(exc)
                if info is None:
                    raise
                self._record(model, _Reply(attempt, at, time.perf_counter() - start), "error")
                if not info.retryable or tries >= self.retry.max_attempts:
                    raise ModelFailed(self._failure(model, exc, info, tries)) from None
                self.sleep(self.retry.delay(tries, retry_after(exc), self.rand()))
                continue
            return self._reply(response, model, attempt, at, time.perf_counter() - start)

    def _complete(self, model: str, messages: list[prompt.Message]) -> Any:
        litellm_ready()
        import litellm

        return litellm.completion(model=model, messages=messages, **self.extra)

    def _check_budget(self, model: str, messages: list[prompt.Message], schema_json: Any) -> None:
        provider, max_tokens = self.extra.get("custom_llm_provider"), self.extra.get("max_tokens")
        estimate = estimate_cost(model, messages, schema_json, provider, max_tokens)
        spent = self.spent_usd
        if spent + estimate > self.budget_usd:
            raise BudgetExceeded(self.task, spent, self.budget_usd)

    def _reply(self, response: Any, model: str, attempt: int, at: float, latency: float) -> _Reply:
        choices = getattr(response, "choices", None) or []
        content = (
            getattr(getattr(choices[0], "message", None), "content", None) if choices else None
        )
        usage = getattr(response, "usage", None)
        return _Reply(
            attempt,
            at,
            latency,
            text=content if isinstance(content, str) else "",
            tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
            tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=response_cost(response, model, self.extra.get("custom_llm_provider")),
        )

    def _record(self, model: str, reply: _Reply, outcome: Outcome, cached: bool = False) -> None:
        line = LedgerLine(
            task=self.task,
            stage=self.stage,
            role=self.role,
            model=model,
            tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out,
            cost_usd=reply.cost_usd,
            latency_s=round(reply.latency_s, 4),
            attempt=reply.attempt,
            cached=cached,
            outcome=outcome,
            at=reply.at,
        )
        self.ledger.append(line)

    def _who(self, model: str) -> str:
        return f"task {self.task} ({self.stage}, {self.role}): model {model}"

    def _failure(self, model: str, exc: BaseException, info: ErrorInfo, tries: int) -> str:
        after = f" after {tries} tries" if tries > 1 else ""
        return (
            f"{self._who(model)} failed{after}: {type(exc).__name__}: {summary(exc)}; {info.hint}"
        )


def _refuse_offline(routing: Routing, role: str) -> None:
    checks: tuple[tuple[Complexity, str], ...] = (("simple", "model"), ("complex", "complex_model"))
    for complexity, key in checks:
        if routing.pick(complexity) == OFFLINE:
            where = "--model" if routing.override else f"roles.{role}.{key} in swarm.yaml"
            raise SwarmError(
                f"{where} is 'offline', which has no model to call: name a litellm model "
                "there (e.g. gpt-4o-mini) or run the offline engine with --model offline"
            )
