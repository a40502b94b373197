"""A fake litellm provider: a `CustomLLM` that plays a script of replies, in order.

Registered through `litellm.custom_provider_map`, so the client under test goes through
litellm's real `completion` (provider routing, exception passing, usage, cost) all the way.
A reply is the answer's text, an exception to raise, or a ready `ModelResponse`.
"""

from __future__ import annotations

from typing import Any

import litellm
from litellm import CustomLLM, ModelResponse, Usage

PROVIDER = "scripted"
Reply = str | Exception | ModelResponse


class ScriptedLLM(CustomLLM):
    def __init__(self, replies: list[Reply], tokens: tuple[int, int] = (1200, 350)) -> None:
        super().__init__()
        self.replies = list(replies)
        self.tokens = tokens
        self.calls: list[list[dict[str, Any]]] = []  # the messages of each call

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        self.calls.append([dict(m) for m in messages])
        if not self.replies:
            raise AssertionError(f"{PROVIDER}: called {len(self.calls)} times, script exhausted")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, ModelResponse):
            return reply
        return answer(reply, *self.tokens)


def answer(text: str, prompt_tokens: int, completion_tokens: int) -> ModelResponse:
    usage = Usage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )
    return ModelResponse(choices=[{"message": {"role": "assistant", "content": text}}], usage=usage)


def rate_limited(retry_after: str | None = None) -> litellm.RateLimitError:
    headers = {"retry-after": retry_after} if retry_after else None
    return litellm.RateLimitError("slow down", llm_provider=PROVIDER, model="m", headers=headers)


def unavailable() -> litellm.ServiceUnavailableError:
    return litellm.ServiceUnavailableError("overloaded", llm_provider=PROVIDER, model="m")


def bad_key(message: str = "invalid api key") -> litellm.AuthenticationError:
    return litellm.AuthenticationError(message, llm_provider=PROVIDER, model="m")
