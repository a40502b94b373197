"""Where a plan stands: counts per state, overall and per phase, the derived conditions (ready,
claimed, in review), cost so far and progress against the plan's schedule. Pure over its inputs.

The inputs are task files or their entries in the task index (swarm.task_index): both have the
few fields read here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from swarm.states import ORDER, TERMINAL, State


class _Node(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def title(self) -> str: ...


class _Planned(Protocol):
    @property
    def end(self) -> dt.date | None: ...


class TaskView(Protocol):
    """What status and the subtask issues read of a task: TaskFile and task_index.TaskEntry
    both have it."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def state(self) -> State: ...
    @property
    def phase(self) -> _Node: ...
    @property
    def subtask(self) -> _Node: ...
    @property
    def depends_on(self) -> tuple[str, ...]: ...
    @property
    def planned(self) -> _Planned: ...
    @property
    def blocked_reason(self) -> str | None: ...


def summarize(tasks: Sequence[TaskView]) -> dict[str, Any]:
    # one pass, counting (phase, state) pairs: status runs this over every task of the plan
    pairs: Counter[tuple[str, State]] = Counter((t.phase.code, t.state) for t in tasks)
    titles: dict[str, str] = {}
    for t in tasks:
        if t.phase.code not in titles:
            titles[t.phase.code] = t.phase.title
    phases: dict[str, Counter[State]] = {code: Counter() for code in titles}
    total: Counter[State] = Counter()
    for (code, state), n in pairs.items():
        phases[code][state] += n
        total[state] += n
    return {
        "tasks": len(tasks),
        "finished": sum(n for state, n in total.items() if state in TERMINAL),
        "states": {s.value: total[s] for s in ORDER},
        "phases": [
            {
                "code": code,
                "title": titles[code],
                "states": {s.value: counts[s] for s in ORDER},
                "tasks": sum(counts.values()),
            }
            for code, counts in phases.items()
        ],
    }


def ready(tasks: Sequence[TaskView]) -> list[str]:
    """Cleared tasks whose dependencies are all done: what executors can take now."""
    done = {t.id for t in tasks if t.state is State.DONE}
    return [t.id for t in tasks if t.state is State.CLEARED and set(t.depends_on) <= done]


def schedule_progress(tasks: Sequence[TaskView], today: dt.date) -> dict[str, Any]:
    due = [t for t in tasks if t.planned.end is not None and t.planned.end <= today]
    behind = [t.id for t in due if t.state not in TERMINAL]
    return {
        "today": today.isoformat(),
        "planned_done_by_today": len(due),
        "done": sum(1 for t in tasks if t.state is State.DONE),
        "behind": behind,
    }


def per_task(
    tasks: Sequence[TaskView],
    claimed: Mapping[str, str],
    in_review: Mapping[str, int],
    issues: Mapping[str, int],
) -> list[dict[str, Any]]:
    ready_now = set(ready(tasks))
    out = []
    for t in tasks:
        out.append(
            {
                "id": t.id,
                "title": t.title,
                "state": t.state.value,
                "ready": t.id in ready_now,
                "claimed_by": claimed.get(t.id),
                "pull_request": in_review.get(t.id),
                "issue": issues.get(t.id),
                "waiting_on": _waiting_on(t, in_review),
                "planned_end": t.planned.end.isoformat() if t.planned.end else None,
            }
        )
    return out


def _waiting_on(t: TaskView, in_review: Collection[str]) -> str:
    if t.state is State.NEEDS_HUMAN:
        return "a person (handoff in the issue)"
    if t.state is State.BLOCKED:
        return f"a person to unblock: {t.blocked_reason or ''}".strip()
    if t.state is State.CLEARED and t.id in in_review:
        return "approval of its pull request"
    if t.state in TERMINAL:
        return ""
    return "agents"
