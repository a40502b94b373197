"""How long to wait before retrying a transient failure.

Exponential backoff with jitter: the n-th retry waits base * 2**(n-1), stretched by up to
`jitter` of itself at random so that agents that failed together do not retry together. When
the provider says how long to wait (a Retry-After header), the wait is at least that. No wait is
longer than `max_backoff_s`.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # tries of one model call, the first included
    base_backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_backoff_s < 0 or self.max_backoff_s < 0:
            raise ValueError(f"retry policy out of range: {self}")

    def delay(self, failures: int, retry_after: float | None, rand: float) -> float:
        """The wait after the `failures`-th failed try; `rand` is uniform in [0, 1)."""
        backoff = self.base_backoff_s * 2.0 ** (failures - 1) * (1 + self.jitter * rand)
        wait = max(backoff, retry_after or 0.0)
        return min(wait, self.max_backoff_s)


def retry_after(exc: BaseException, now: float | None = None) -> float | None:
    """Seconds the provider asked us to wait, from the exception's headers; None if it did not."""
    for headers in _headers(exc):
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            value = headers.get(name)
            if value is not None:
                seconds = _seconds(str(value), scale, now)
                if seconds is not None:
                    return seconds
    return None


def _headers(exc: BaseException) -> list[Mapping[str, object]]:
    found: list[Mapping[str, object]] = []
    own = getattr(exc, "headers", None)
    if isinstance(own, Mapping):
        found.append({str(k).lower(): v for k, v in own.items()})
    response_headers = getattr(getattr(exc, "response", None), "headers", None)
    if response_headers is not None and hasattr(response_headers, "get"):
        found.append(response_headers)  # httpx.Headers: case-insensitive already
    return found


def _seconds(value: str, scale: float, now: float | None) -> float | None:
    try:
        return max(0.0, float(value) * scale)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
