"""GitHub's primary rate limit: a budget of requests per user per window."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Window:
    reset: float
    used: int = 0


@dataclass(frozen=True)
class Budget:
    limit: int
    remaining: int
    reset: int  # epoch seconds
    used: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Resource": "core",
        }


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def _current(self, login: str) -> _Window:
        now = self._clock()
        found = self._windows.get(login)
        if found is None or now >= found.reset:
            found = _Window(now + self.window)
            self._windows[login] = found
        return found

    def _budget(self, window: _Window) -> Budget:
        used = min(window.used, self.limit)
        return Budget(self.limit, self.limit - used, math.ceil(window.reset), used)

    def peek(self, login: str) -> Budget:
        with self._lock:
            return self._budget(self._current(login))

    def state(self, login: str) -> tuple[int, int, int, int]:
        budget = self.peek(login)
        return budget.limit, budget.remaining, budget.reset, budget.used

    def consume(self, login: str) -> tuple[Budget, bool]:
        """Count one request; False when the budget was already spent (answer 403)."""
        with self._lock:
            window = self._current(login)
            if window.used >= self.limit:
                return self._budget(window), False
            window.used += 1
            return self._budget(window), True

    def set_remaining(self, login: str, remaining: int) -> None:
        """Tests: spend the budget down to ``remaining`` in the current window."""
        with self._lock:
            window = self._current(login)
            window.used = max(self.limit - remaining, 0)
