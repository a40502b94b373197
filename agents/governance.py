"""The plan's governance escalations, read from the run's decision escalation matrix.

Newer PlanExe runs carry `governance_phase4_decision_escalation_matrix.md`: blocks of a bold
title followed by "Escalation Level:", "Approval Process:", "Rationale:" lines. The materialized
repository keeps it under plan/attachments/; older runs (and the example plan) have none, and
then there is simply nothing to match. Parsed and indexed once per file content.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from agents.planview import Collection, Item

MATRIX = "plan/attachments/governance_phase4_decision_escalation_matrix.md"
_TITLE = re.compile(r"^\*\*(?P<title>.+?)\*\*\s*$")
_FIELD = re.compile(r"^(?P<key>[A-Za-z ]+):\s*(?P<value>.+)$")
_KEYS = {
    "escalation level": "level",
    "approval process": "process",
    "rationale": "rationale",
    "negative consequences": "consequences",
}


def escalations(read: Callable[[str], bytes | None]) -> Collection:
    data = read(MATRIX)
    return _parse(data or b"")


@functools.lru_cache(maxsize=16)
def _parse(data: bytes) -> Collection:
    items: list[Item] = []
    title = ""
    fields: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        head = _TITLE.match(line.strip())
        if head:
            _flush(items, title, fields)
            title, fields = head.group("title").strip(), {}
            continue
        found = _FIELD.match(line.strip())
        if found and title:
            key = _KEYS.get(found.group("key").strip().lower())
            if key:
                fields[key] = found.group("value").strip()
    _flush(items, title, fields)
    return Collection(items)


def _flush(items: list[Item], title: str, fields: dict[str, str]) -> None:
    if not title or "level" not in fields:
        return
    n = len(items) + 1
    text = f"{title} {fields.get('rationale', '')} {fields.get('consequences', '')}"
    details = tuple((k, fields.get(k, "")) for k in ("level", "process", "rationale"))
    items.append(Item(f"G{n}", title, text, MATRIX, details))
