"""The ledger file `ledger/<phase>/<subtask>/<task>.jsonl`: one JSON object per model call or
cache hit.

The runtime appends the client's lines to it and commits it with the task's work; the `budget`
gate sums its `cost_usd` values, and so does `ledger_total`, which is how a resumed task knows
what it has already spent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

from pydantic import TypeAdapter, ValidationError

from swarm.errors import SwarmError
from swarm.llm.api import LedgerLine

_LINE = TypeAdapter(LedgerLine)


def ledger_to_jsonl(lines: Iterable[LedgerLine]) -> bytes:
    return b"".join(
        json.dumps(line.as_dict(), ensure_ascii=False).encode() + b"\n" for line in lines
    )


def ledger_from_jsonl(data: bytes | str, where: str = "ledger") -> list[LedgerLine]:
    lines: list[LedgerLine] = []
    for n, text in _numbered(data, where):
        try:
            lines.append(_LINE.validate_json(text))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"]) or "line"
            raise SwarmError(f"{where} line {n}: {loc}: {first['msg']}", 1) from None
    return lines


def ledger_total(source: Iterable[LedgerLine] | bytes | str, where: str = "ledger") -> float:
    """What the lines cost in all. Text is read as the gate reads it: only `cost_usd` counts."""
    if isinstance(source, bytes | str):
        return math.fsum(_cost(text, n, where) for n, text in _numbered(source, where))
    return math.fsum(line.cost_usd for line in source)


def _numbered(data: bytes | str, where: str) -> Iterable[tuple[int, str]]:
    try:
        text = data.decode() if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise SwarmError(f"{where}: not UTF-8 text", 1) from None
    return ((n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip())


def _cost(text: str, n: int, where: str) -> float:
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    cost = record.get("cost_usd") if isinstance(record, dict) else None
    if isinstance(cost, bool) or not isinstance(cost, int | float):
        raise SwarmError(f"{where} line {n}: not a JSON object with a numeric cost_usd", 1)
    if not math.isfinite(cost) or cost < 0:
        raise SwarmError(f"{where} line {n}: cost_usd is not a finite, non-negative number", 1)
    return float(cost)
