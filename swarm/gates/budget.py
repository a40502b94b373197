"""The `budget` rule: a task's ledger in the head stays within `budgets.per_task_usd`.

The ledger `ledger/<phase>/<subtask>/<id>.jsonl` holds one JSON object per model call with a
numeric `cost_usd`.
When the pull request changes the ledger, every line must be such an object with a finite,
non-negative cost (a negative cost would buy budget back): a malformed line is a `schema` error.

Over budget is an error for an agent's pull request, except one that hands the task to a person
(to needs_human or blocked): that is how an agent that ran out of money stops, and its ledger has
to land so that the person sees what was spent. People's pull requests are not held to the
budget: they are the ones who decide to spend more.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

from swarm.gates.context import Context, finding
from swarm.gates.lifecycle import states
from swarm.gates.model import Finding
from swarm.layout import ledger_path
from swarm.states import State

_HANDS_OVER = frozenset({State.NEEDS_HUMAN, State.BLOCKED})


def check_budget(ctx: Context) -> Iterator[Finding]:
    if ctx.task_id is None:
        return
    path = ledger_path(ctx.task_id)
    text = ctx.head_text(path)
    if text is None:
        if ctx.inp.head.read(path) is not None and path in ctx.paths:
            yield finding("schema", path, "the ledger is not UTF-8 text")
        return
    total, problems = _total(text)
    if path in ctx.paths:
        for problem in problems:
            yield finding("schema", path, problem)
    limit = ctx.budgets.per_task_usd
    if total > limit and _held_to_budget(ctx):
        yield finding(
            "budget",
            path,
            f"task {ctx.task_id} has spent ${total:.2f}, over its budget of ${limit:.2f} "
            "(budgets.per_task_usd): hand it to a person instead",
        )


def _held_to_budget(ctx: Context) -> bool:
    if not ctx.is_agent:
        return False
    pair = states(ctx)
    return pair is None or pair[1].state not in _HANDS_OVER


def _total(text: str) -> tuple[float, list[str]]:
    """The sum of the well-formed lines' costs, and what is wrong with the others."""
    total = 0.0
    problems: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        cost, problem = _cost(line)
        if problem is not None:
            problems.append(f"ledger line {n} {problem}")
        else:
            total += cost
    return total, problems


def _cost(line: str) -> tuple[float, str | None]:
    try:
        record = json.loads(line)
    except ValueError:
        return 0.0, "is not JSON"
    if not isinstance(record, dict):
        return 0.0, "is not a JSON object"
    cost = record.get("cost_usd")
    if isinstance(cost, bool) or not isinstance(cost, int | float):
        return 0.0, "has no numeric cost_usd"
    if not math.isfinite(cost) or cost < 0:
        return 0.0, "has a cost_usd that is not a finite, non-negative number"
    return float(cost), None
