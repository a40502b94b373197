"""The PyGithub client as plan-swarm uses it: pacing, retries, and errors with no secret in them.

Pacing: GitHub asks integrations to space content-creating requests (at most 80 a minute
by default here); PyGithub's own `seconds_between_writes` does exactly that. Retries: rate
limits (403/429 with Retry-After, or the primary limit's reset) and, for requests that are
safe to repeat, 5xx and failed connections. A POST that fails with a 5xx may still have been
applied by GitHub, so it is not retried blindly: the forge first looks for what it created
(see GitHubForge._create).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import requests
from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException

from swarm.errors import SwarmError
from swarm.forge.github_target import GitHubTarget

_RETRIES = 8


class _Retry(GithubRetry):
    """GithubRetry, except that a POST whose fate is unknown (a 5xx, or a reply lost after
    the request left) goes back to the caller instead of being sent again."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method == "POST" and status_code >= 500:
            return False
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(
        self, method: str | None = None, url: str | None = None, *args: Any, **kw: Any
    ) -> Any:
        error = kw.get("error") if "error" in kw else (args[1] if len(args) > 1 else None)
        if method == "POST" and error is not None and self._is_read_error(error):
            raise error
        return super().increment(method, url, *args, **kw)


def retry_policy(backoff: float = 0.5, max_wait: float | None = 900.0) -> GithubRetry:
    return _Retry(
        # 429 (a secondary limit answered that way) is not in GithubRetry's list
        status_forcelist=[*range(500, 600), 429],
        total=_RETRIES,
        connect=3,
        read=3,
        backoff_factor=backoff,
        secondary_rate_wait=60.0,
        max_rate_limit_wait=max_wait,
    )


def client(target: GitHubTarget, token: str, *, backoff: float = 0.5) -> Github:
    writes = target.writes_per_minute
    return Github(
        base_url=target.api_url,
        auth=Auth.Token(token),
        per_page=100,
        retry=retry_policy(backoff),
        seconds_between_requests=0,
        seconds_between_writes=(60.0 / writes) if writes > 0 else 0,
        lazy=True,
        timeout=30,
    )


class ApiError(SwarmError):
    def __init__(self, message: str, status: int | None) -> None:
        self.status = status
        super().__init__(message, 1)


def message_of(exc: GithubException) -> str:
    data: Any = exc.data
    text = data.get("message", "") if isinstance(data, dict) else str(data or "")
    errors = data.get("errors") if isinstance(data, dict) else None
    if errors:
        details = [e.get("message") or e.get("code", "") for e in errors if isinstance(e, dict)]
        text = f"{text} ({'; '.join(d for d in details if d)})" if any(details) else text
    return text or exc.__class__.__name__


@contextlib.contextmanager
def api(what: str) -> Iterator[None]:
    """Turn the client's failures into one clear line naming the request."""
    try:
        yield
    except RateLimitExceededException as exc:
        raise ApiError(f"GitHub {what}: rate limit exhausted ({message_of(exc)})", 403) from None
    except GithubException as exc:
        raise ApiError(f"GitHub {what}: {exc.status} {message_of(exc)}", exc.status) from None
    except requests.exceptions.RequestException as exc:
        reason = type(exc).__name__
        raise ApiError(f"GitHub {what}: connection failed ({reason})", None) from None
