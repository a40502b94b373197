"""Every exception litellm exports: whether a retry can help, and what a person should do.

A test fails when litellm exports an exception that is missing here, so a litellm upgrade cannot
slip in an error we treat by accident. Only transient failures are retried: rate limits,
timeouts, lost connections and the provider's 5xx. The generic classes (`APIError`,
`OpenAIError`, `MockException`) carry an HTTP status, and that status decides.

An exception is looked up by its class and then its bases, so a subclass litellm adds later is
treated like its parent until it gets its own line. Anything that is not a litellm exception is
not ours to judge: the client lets it propagate as the bug it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorInfo:
    retryable: bool
    hint: str
    by_status: bool = False  # a generic class: its HTTP status decides whether to retry


_KEY = "set the provider's API key (e.g. OPENAI_API_KEY) in the agent's environment"
_MODEL = "check roles.<role>.model in swarm.yaml or --model"
_DOWN = "the provider's servers are down or overloaded; try again later"
_PERSON = "hand the task to a person (needs_human)"
_PROXY = "a litellm proxy or guardrail refused the request; see its configuration"

EXCEPTIONS: dict[str, ErrorInfo] = {
    # transient: retried with backoff
    "APIConnectionError": ErrorInfo(True, "could not reach the provider; check the network"),
    "Timeout": ErrorInfo(True, "the provider did not answer in time; it may be overloaded"),
    "RateLimitError": ErrorInfo(
        True, "the provider is rate limiting this key: lower roles.*.agents or check the quota"
    ),
    "ServiceUnavailableError": ErrorInfo(True, _DOWN),
    "InternalServerError": ErrorInfo(True, _DOWN),
    "BadGatewayError": ErrorInfo(True, _DOWN),
    "MidStreamFallbackError": ErrorInfo(True, "the provider's stream broke off; " + _DOWN),
    "RouterRateLimitError": ErrorInfo(True, "every deployment of the litellm router is cooling"),
    "RouterRateLimitErrorBasic": ErrorInfo(True, "every deployment of the litellm router is busy"),
    # generic: the HTTP status decides (408, 429 and 5xx are retried)
    "APIError": ErrorInfo(False, "the provider answered with an error", by_status=True),
    "OpenAIError": ErrorInfo(False, "the provider answered with an error", by_status=True),
    "MockException": ErrorInfo(False, "a mock error from litellm (tests)", by_status=True),
    # the request or the account is wrong: a retry gives the same answer
    "AuthenticationError": ErrorInfo(False, f"the provider rejected the API key: {_KEY}"),
    "PermissionDeniedError": ErrorInfo(False, "this API key may not use this model or region"),
    "PaymentRequiredError": ErrorInfo(False, "the provider account is out of credit"),
    "NotFoundError": ErrorInfo(False, f"the provider does not know this model: {_MODEL}"),
    "LiteLLMUnknownProvider": ErrorInfo(
        False, f"litellm does not know this model's provider; use 'provider/model': {_MODEL}"
    ),
    "BadRequestError": ErrorInfo(False, f"the provider rejected the request: {_MODEL}"),
    "InvalidRequestError": ErrorInfo(False, f"the provider rejected the request: {_MODEL}"),
    "UnprocessableEntityError": ErrorInfo(False, "the provider could not process the request"),
    "UnsupportedParamsError": ErrorInfo(
        False, "the model does not support a parameter that was sent (see litellm drop_params)"
    ),
    "ContextWindowExceededError": ErrorInfo(
        False, "the prompt is longer than the model's window: set roles.<role>.complex_model"
    ),
    "ContentPolicyViolationError": ErrorInfo(
        False, f"the provider refused the content under its safety policy: {_PERSON}"
    ),
    "RejectedRequestError": ErrorInfo(False, _PROXY),
    "GuardrailRaisedException": ErrorInfo(False, _PROXY),
    "BlockedPiiEntityError": ErrorInfo(False, _PROXY),
    "ModifyResponseException": ErrorInfo(False, _PROXY),
    "SensitiveDataRouteException": ErrorInfo(False, _PROXY),
    "BudgetExceededError": ErrorInfo(False, "litellm's own budget (litellm.max_budget) is spent"),
    "ModelNotMappedError": ErrorInfo(
        False, "litellm has no price for this model: register one with litellm.register_model"
    ),
    "APIResponseValidationError": ErrorInfo(False, "the provider's answer had an unknown shape"),
    "JSONSchemaValidationError": ErrorInfo(
        False, "litellm's own JSON schema check failed (turn off enable_json_schema_validation)"
    ),
    "ImageFetchError": ErrorInfo(False, "litellm could not fetch an image in the prompt"),
    "VectorStoreSearchError": ErrorInfo(False, "a vector store search failed"),
    "ToolLoopMaxRoundsExceeded": ErrorInfo(False, "litellm's tool loop hit its round limit"),
}


def classify(exc: BaseException) -> ErrorInfo | None:
    """The table's entry for a litellm exception (or its nearest listed base); None otherwise."""
    for cls in type(exc).__mro__:
        info = EXCEPTIONS.get(cls.__name__)
        if info is not None and cls.__module__.split(".")[0] == "litellm":
            return _by_status(exc, info) if info.by_status else info
    return None


def _by_status(exc: BaseException, info: ErrorInfo) -> ErrorInfo:
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        return info
    if status >= 500:
        return EXCEPTIONS["InternalServerError"]
    if status == 429:
        return EXCEPTIONS["RateLimitError"]
    if status == 408:
        return EXCEPTIONS["Timeout"]
    return ErrorInfo(False, f"{info.hint} (HTTP {status})")


_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)
_SECRET_SHAPES = (
    re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"),  # OpenAI, Anthropic, many others
    re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"),  # Google
    re.compile(r"\b(?:gh[pousr]|github_pat)_[A-Za-z0-9_]{16,}"),  # GitHub
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._\-]{8,}"),
    re.compile(r"(?i)(api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` without the values of secret-looking environment variables or key-shaped strings."""
    env = os.environ if environ is None else environ
    for name, value in env.items():
        if len(value) >= 8 and _SECRET_NAME.search(name):
            text = text.replace(value, "[redacted]")
    for shape in _SECRET_SHAPES:
        text = shape.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


_LITELLM_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)+")


def summary(exc: BaseException, limit: int = 300) -> str:
    """The exception's first line, without litellm's repeated class prefixes, secrets redacted."""
    lines = str(exc).strip().splitlines()
    first = _LITELLM_PREFIX.sub("", lines[0] if lines else "").strip()
    text = redact(first or type(exc).__name__)
    return text if len(text) <= limit else text[: limit - 1] + "…"
