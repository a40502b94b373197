"""Where a plan stands: counts per state, overall and per phase. Pure over task files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from swarm.states import ORDER, TERMINAL
from swarm.task import TaskFile


def summarize(tasks: Sequence[TaskFile]) -> dict[str, Any]:
    total: Counter[str] = Counter(t.state.value for t in tasks)
    phases: dict[str, dict[str, Any]] = {}
    for t in tasks:
        entry = phases.setdefault(
            t.phase.code, {"code": t.phase.code, "title": t.phase.title, "states": Counter()}
        )
        entry["states"][t.state.value] += 1
    finished = sum(1 for t in tasks if t.state in TERMINAL)
    return {
        "tasks": len(tasks),
        "finished": finished,
        "states": {s.value: total[s.value] for s in ORDER},
        "phases": [
            {
                **p,
                "states": {s.value: p["states"][s.value] for s in ORDER},
                "tasks": sum(p["states"].values()),
            }
            for p in phases.values()
        ],
    }
