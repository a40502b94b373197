"""Tolerant access to LLM-written JSON: values of the wrong type become empty, never crash."""

from __future__ import annotations

from typing import Any


def text(value: Any) -> str:
    """A string field: strings are stripped, numbers are formatted, anything else is ''."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return ""


def texts(value: Any) -> tuple[str, ...]:
    """A list-of-strings field; a lone string counts as a one-item list; blanks are dropped."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (text(v) for v in value) if t)


def records(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list (anything else is skipped)."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, dict)]


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def identifier(value: Any) -> str:
    """An id: a non-empty string, or an integer (team roles use ints). Else ''."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""
