"""The exception table: complete for the installed litellm, and sorting as documented."""

from __future__ import annotations

import inspect

import httpx
import litellm
import litellm.exceptions
import pytest

from swarm.llm.errors import EXCEPTIONS, classify, redact, summary


def litellm_exceptions() -> set[str]:
    """Exception classes defined in litellm.exceptions, and those litellm exports at its top
    level from its own modules (not re-exported ones such as zoneinfo's)."""
    defined = {
        name
        for name, obj in vars(litellm.exceptions).items()
        if inspect.isclass(obj)
        and issubclass(obj, Exception)
        and obj.__module__ == litellm.exceptions.__name__
    }
    exported = {
        name
        for name in dir(litellm)
        if inspect.isclass(obj := getattr(litellm, name))
        and issubclass(obj, Exception)
        and obj.__module__.split(".")[0] == "litellm"
    }
    return defined | exported


def test_every_litellm_exception_is_in_the_table():
    found = litellm_exceptions()
    assert len(found) > 25, "litellm's exceptions were not found: has the module moved?"
    missing = sorted(found - EXCEPTIONS.keys())
    assert not missing, f"add to swarm/llm/errors.py EXCEPTIONS: {', '.join(missing)}"


def make(cls: type[Exception]) -> Exception:
    response = httpx.Response(400, request=httpx.Request("POST", "https://api.example.invalid"))
    extra = {"response": response} if "response" in inspect.signature(cls).parameters else {}
    return cls(message="m", llm_provider="openai", model="gpt-4o-mini", **extra)


TRANSIENT = [
    litellm.RateLimitError,
    litellm.Timeout,
    litellm.APIConnectionError,
    litellm.ServiceUnavailableError,
    litellm.InternalServerError,
    litellm.BadGatewayError,
]
PERMANENT = [
    litellm.AuthenticationError,
    litellm.PermissionDeniedError,
    litellm.NotFoundError,
    litellm.BadRequestError,
    litellm.ContextWindowExceededError,
    litellm.ContentPolicyViolationError,
    litellm.UnprocessableEntityError,
]


@pytest.mark.parametrize("cls", TRANSIENT, ids=lambda c: c.__name__)
def test_transient_failures_are_retried(cls):
    info = classify(make(cls))
    assert info is not None and info.retryable


@pytest.mark.parametrize("cls", PERMANENT, ids=lambda c: c.__name__)
def test_permanent_failures_are_not(cls):
    info = classify(make(cls))
    assert info is not None and not info.retryable and info.hint


def test_the_rest_of_the_permanent_ones():
    budget = litellm.BudgetExceededError(current_cost=2.0, max_budget=1.0)
    unknown = litellm.LiteLLMUnknownProvider(model="nobody/model")
    for exc in (budget, unknown, litellm.ModelNotMappedError("x")):
        info = classify(exc)
        assert info is not None and not info.retryable


def test_a_subclass_is_treated_like_its_listed_parent():
    class NewRateLimit(litellm.RateLimitError):
        pass

    assert classify(make(NewRateLimit)) == EXCEPTIONS["RateLimitError"]


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (529, True), (429, True), (400, False)]
)
def test_generic_errors_are_sorted_by_their_status(status, retryable):
    request = httpx.Request("POST", "https://api.example.invalid")
    exc = litellm.APIError(status, "m", "openai", "gpt-4o-mini", request=request)
    info = classify(exc)
    assert info is not None and info.retryable is retryable
    mock = litellm.MockException(status, "m", "openai", "gpt-4o-mini")
    assert classify(mock) is not None and classify(mock).retryable is retryable


def test_what_is_not_litellms_is_not_judged():
    assert classify(ValueError("a bug")) is None
    assert classify(KeyError("k")) is None


def test_secrets_are_redacted():
    env = {"OPENAI_API_KEY": "sk-abcdefghijklmnop", "MY_TOKEN": "tok123456789", "HOME": "/root"}
    text = "key sk-abcdefghijklmnop, token tok123456789, other sk-zzzzzzzzzzzz, AIza" + "x" * 30
    assert redact(text, env) == "key [redacted], token [redacted], other [redacted], [redacted]"
    assert redact("Authorization: Bearer abcdefgh123", {}) == "Authorization: [redacted]"
    assert redact('{"api_key": "hunter2hunter2"}', {}) == '{"api_key": "[redacted]"}'
    assert redact("nothing to hide in /root", env) == "nothing to hide in /root"


def test_the_summary_is_one_clean_line():
    exc = litellm.APIConnectionError(
        message="boom\nTraceback (most recent call last):\n  secret",
        llm_provider="x",
        model="m",
    )
    assert summary(exc) == "boom"
    assert summary(RuntimeError("x" * 500), limit=20) == "x" * 19 + "…"
