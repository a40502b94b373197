"""Backoff and Retry-After."""

from __future__ import annotations

import email.utils

import httpx
import litellm
import pytest

from swarm.llm.retry import RetryPolicy, retry_after


def test_backoff_doubles_with_jitter_and_a_cap():
    policy = RetryPolicy(base_backoff_s=1.0, max_backoff_s=10.0, jitter=0.5)
    assert [policy.delay(n, None, 0.0) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 10]
    assert policy.delay(2, None, 1.0) == 3.0  # 2 s stretched by half


def test_a_retry_after_is_a_floor_but_not_above_the_cap():
    policy = RetryPolicy(base_backoff_s=1.0, max_backoff_s=30.0)
    assert policy.delay(1, 7.0, 0.0) == 7.0
    assert policy.delay(1, 0.1, 0.0) == 1.0
    assert policy.delay(1, 3600.0, 0.0) == 30.0


def test_a_policy_out_of_range_is_refused():
    with pytest.raises(ValueError, match="retry policy"):
        RetryPolicy(max_attempts=0)


def _unavailable(headers: dict[str, str]) -> Exception:
    response = httpx.Response(503, headers=headers, request=httpx.Request("POST", "https://x"))
    return litellm.ServiceUnavailableError("down", "openai", "m", response=response)


def test_retry_after_is_read_from_the_exception():
    rate = litellm.RateLimitError("slow", "openai", "m", headers={"Retry-After": "12"})
    assert retry_after(rate) == 12.0
    assert retry_after(_unavailable({"retry-after-ms": "1500"})) == 1.5
    assert retry_after(_unavailable({"retry-after": "2.5"})) == 2.5
    assert retry_after(_unavailable({})) is None
    assert retry_after(ValueError("no headers")) is None


def test_retry_after_as_a_date():
    when = email.utils.formatdate(1_000_030.0, usegmt=True)
    assert retry_after(_unavailable({"retry-after": when}), now=1_000_000.0) == 30.0
    assert retry_after(_unavailable({"retry-after": "soon"})) is None
