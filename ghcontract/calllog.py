"""Thread-safe logs of the requests a server answered, for counting API calls."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Generic, NamedTuple, TypeVar, overload


class Call(NamedTuple):
    """One REST request: the method, the spec's path template, the status (0: no response)."""

    method: str
    path: str
    status: int


class GitCall(NamedTuple):
    """One smart-HTTP request: ``service`` is ``info/refs``, ``git-upload-pack`` or
    ``git-receive-pack`` (for info/refs, the ``?service=`` asked for is appended)."""

    method: str
    repo: str
    service: str
    status: int


class Violation(NamedTuple):
    """A request GitHub would refuse, or a response GitHub would not give.

    ``kind``: ``request`` (fails the description), ``response`` (a server bug), ``unknown-path``
    (no such route in the description), ``unemulated`` (a real route or feature this server
    does not implement)."""

    kind: str
    method: str
    path: str
    detail: str


T = TypeVar("T", Call, GitCall, Violation)


class CallLog(Generic[T]):
    def __init__(self) -> None:
        self._items: list[T] = []
        self._lock = threading.Lock()

    def append(self, item: T) -> None:
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[T]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.snapshot())

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        with self._lock:
            return self._items[index]

    def count(self, method: str | None = None, path: str | None = None, **where: object) -> int:
        """Entries matching every given field (``method`` compared case-insensitively)."""
        return len(self.filter(method, path, **where))

    def filter(
        self, method: str | None = None, path: str | None = None, **where: object
    ) -> list[T]:
        out = []
        for item in self.snapshot():
            fields = item._asdict()
            if method is not None and str(fields["method"]).upper() != method.upper():
                continue
            if path is not None and _where(item) != path:
                continue
            if any(fields.get(k) != v for k, v in where.items()):
                continue
            out.append(item)
        return out

    def counter(self) -> Counter[tuple[str, str]]:
        """How many times each (method, path template) — or (method, service) — was called."""
        return Counter((item.method, _where(item)) for item in self)

    def __repr__(self) -> str:
        return f"CallLog({self.snapshot()!r})"


def _where(item: Call | GitCall | Violation) -> str:
    return item.service if isinstance(item, GitCall) else item.path
