"""Planned dates for every WBS node, the way PlanExe schedules a plan.

PlanExe's Gantt is strictly sequential within each parent (first child starts with its parent,
each sibling starts when the previous one ends, a parent spans its children), and a leaf lasts
its realistic estimate, at least one day. Dates PlanExe wrote itself (its schedule CSV) win;
the rest are computed from the start date with the same rule.
"""

from __future__ import annotations

import datetime as dt

from planexe.model import Plan, WbsNode

Span = tuple[dt.date, dt.date]  # start, end (exclusive)


def node_days(node: WbsNode) -> int:
    days = node.estimate.realistic
    return days if days is not None and days > 0 else 1


def plan_start(plan: Plan) -> dt.date | None:
    return plan.start_date or plan.plan_date or plan.root.start


def schedule(plan: Plan) -> dict[str, Span]:
    """node id -> (start, end) for every node, or {} when the plan has no date at all."""
    start = plan_start(plan)
    if start is None:
        return {}
    spans: dict[str, Span] = {}
    _place(plan, plan.root, start, spans)
    return spans


def _place(plan: Plan, node: WbsNode, cursor: dt.date, spans: dict[str, Span]) -> dt.date:
    start = node.start or cursor
    if not node.children:
        end = node.end or start + dt.timedelta(days=node_days(node))
    else:
        child_cursor = start
        for child_id in node.children:
            child_cursor = _place(plan, plan.by_id[child_id], child_cursor, spans)
        end = node.end or child_cursor
    spans[node.id] = (start, max(end, start))
    return spans[node.id][1]
