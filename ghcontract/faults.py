"""Faults armed on a server: what a flaky GitHub does to a client.

``server.faults.arm(kind, method, path, ...)`` matches requests by method and the spec's path
template (``fnmatch`` patterns allowed, ``"*"`` for any; smart-HTTP requests match as
``git:info/refs``, ``git:git-upload-pack``, ``git:git-receive-pack``).

Kinds:

- ``status_500``/``status_502``/``status_503``: that status with GitHub's body, nothing done.
- ``secondary_limit``: 403 "You have exceeded a secondary rate limit…" with ``Retry-After``;
  ``secondary_limit_429``: the same as 429.
- ``primary_limit``: 403 "API rate limit exceeded…" with ``X-RateLimit-Remaining: 0`` and a reset
  ``reset_in`` seconds ahead.
- ``ref_exists_422``: 422 "Reference already exists", nothing done (a lost create race).
- ``reset_before``: the request is read, then the connection is reset (TCP RST), nothing done.
- ``reset_after``: the request takes effect, then the connection is reset with no response: the
  worst case for a non-idempotent POST.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from typing import Literal, get_args

FaultKind = Literal[
    "status_500",
    "status_502",
    "status_503",
    "secondary_limit",
    "secondary_limit_429",
    "primary_limit",
    "ref_exists_422",
    "reset_before",
    "reset_after",
]
KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass
class Fault:
    kind: FaultKind
    method: str = "*"
    path: str = "*"
    times: int | None = 1  # fire at most this often (None: no limit)
    every: int = 1  # fire on every Nth matching request only
    skip: int = 0  # let the first `skip` matching requests through
    probability: float = 1.0
    retry_after: int = 1  # secondary limits: the Retry-After header, seconds
    reset_in: int = 1  # primary limit: X-RateLimit-Reset this many seconds ahead
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        return self.path == "*" or self.path == path or fnmatch.fnmatchcase(path, self.path)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._armed: list[Fault] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.history: list[tuple[FaultKind, str, str]] = []  # (kind, method, path) when fired

    def arm(
        self,
        kind: FaultKind,
        method: str = "*",
        path: str = "*",
        *,
        times: int | None = 1,
        every: int = 1,
        skip: int = 0,
        probability: float = 1.0,
        retry_after: int = 1,
        reset_in: int = 1,
    ) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(KINDS)}")
        if every < 1:
            raise ValueError("every must be >= 1")
        fault = Fault(kind, method, path, times, every, skip, probability, retry_after, reset_in)
        with self._lock:
            self._armed.append(fault)
        return fault

    def disarm(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._armed:
                self._armed.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    @property
    def armed(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._armed if not f.exhausted]

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault that fires on this request, if any (counts it as fired)."""
        with self._lock:
            for fault in self._armed:
                if fault.exhausted or not fault.matches(method, path):
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip or (fault.seen - fault.skip) % fault.every:
                    continue
                if fault.probability < 1.0 and self._random.random() >= fault.probability:
                    continue
                fault.fired += 1
                self.history.append((fault.kind, method.upper(), path))
                return fault
        return None
