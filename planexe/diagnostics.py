"""Collects the warnings of one read; the reader never prints."""

from __future__ import annotations

from planexe.model import PlanWarning


class Diagnostics:
    """An ordered, de-duplicated list of PlanWarning."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, str], PlanWarning] = {}

    def warn(self, code: str, message: str, file: str = "") -> None:
        key = (code, message, file)
        if key not in self._items:
            self._items[key] = PlanWarning(code=code, message=message, file=file)

    @property
    def items(self) -> tuple[PlanWarning, ...]:
        return tuple(self._items.values())
