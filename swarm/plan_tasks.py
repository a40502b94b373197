"""From a Plan to its task files: the pure heart of materialization.

Dependency rule. PlanExe records dependencies between subtasks (sometimes phases), never
between detailed tasks. A dependency "B depends on A" means A's work is finished before B's can
be: so every detailed task under B depends on every detailed task under A. Each lifted
dependency keeps PlanExe's explanation in `dependency_notes`. PlanExe's Gantt also runs
siblings one after another, but that is a layout rule of its scheduler, not a constraint the
plan states, so siblings are not made to wait for each other.
"""

from __future__ import annotations

from collections import defaultdict

from planexe.model import Plan, WbsNode
from swarm import relevance
from swarm.errors import SwarmError
from swarm.schedule import schedule
from swarm.task import (
    DependencyNote,
    Estimate,
    LinkedRisk,
    NodeRef,
    Planned,
    TaskFile,
)

RISK_LINKS, RISK_THRESHOLD = 3, 4.0
ASSUMPTION_LINKS, ASSUMPTION_THRESHOLD = 3, 4.0


def build_tasks(plan: Plan) -> list[TaskFile]:
    """One TaskFile per detailed task (WBS depth 3), in WBS order."""
    leaves = _detailed_under(plan)
    deps, notes = _lift_dependencies(plan, leaves)
    _check_acyclic(plan, deps)
    spans = schedule(plan)
    risks = relevance.Index([f"{r.area} {r.description} {r.impact}" for r in plan.risks])
    assumptions = relevance.Index(list(plan.assumptions))
    out = []
    for node in plan.detailed_tasks:
        subtask = plan.by_id[node.parent_id or ""]
        phase = plan.by_id[subtask.parent_id or ""]
        query = relevance.words(f"{node.name} {node.description} {subtask.name}")
        span = spans.get(node.id)
        out.append(
            TaskFile(
                id=node.code,
                planexe_id=node.id,
                title=node.name,
                description=node.description,
                resources=node.resources,
                phase=_ref(phase),
                subtask=_ref(subtask),
                depends_on=tuple(sorted(deps[node.id], key=_code_key)),
                dependency_notes=tuple(notes[node.id]),
                estimate_days=Estimate(**node.estimate.model_dump()),
                planned=Planned(start=span[0], end=span[1]) if span else Planned(),
                delay_risks=subtask.delay_risks,
                mitigation=subtask.mitigation,
                risks=tuple(_risk(plan, i) for i in risks.top(query, RISK_LINKS, RISK_THRESHOLD)),
                assumptions=tuple(
                    plan.assumptions[i]
                    for i in assumptions.top(query, ASSUMPTION_LINKS, ASSUMPTION_THRESHOLD)
                ),
            )
        )
    return out


def _ref(node: WbsNode) -> NodeRef:
    return NodeRef(code=node.code, title=node.name, planexe_id=node.id)


def _risk(plan: Plan, index: int) -> LinkedRisk:
    risk = plan.risks[index]
    return LinkedRisk(
        ref=f"R{index + 1}",
        area=risk.area,
        summary=risk.description,
        likelihood=risk.likelihood,
        severity=risk.severity,
    )


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split("."))


def _detailed_under(plan: Plan) -> dict[str, list[WbsNode]]:
    """node id -> the detailed tasks at or below it."""
    under: dict[str, list[WbsNode]] = defaultdict(list)
    for node in plan.detailed_tasks:
        under[node.id].append(node)
        for ancestor in plan.ancestors(node.id):
            under[ancestor.id].append(node)
    return under


def _lift_dependencies(
    plan: Plan, leaves: dict[str, list[WbsNode]]
) -> tuple[dict[str, set[str]], dict[str, list[DependencyNote]]]:
    deps: dict[str, set[str]] = defaultdict(set)
    notes: dict[str, list[DependencyNote]] = defaultdict(list)
    for dep in plan.dependencies:
        before = [n.code for n in leaves.get(dep.depends_on, [])]
        on = plan.by_id[dep.depends_on].code
        for task in leaves.get(dep.dependent, []):
            deps[task.id].update(c for c in before if c != task.code)
            note = DependencyNote(on=on, explanation=dep.explanation)
            if note not in notes[task.id]:
                notes[task.id].append(note)
    return deps, notes


def _check_acyclic(plan: Plan, deps: dict[str, set[str]]) -> None:
    """Kahn's algorithm over the lifted graph; a cycle is bad input, named by its tasks."""
    by_code = {n.code: n for n in plan.detailed_tasks}
    waiting = {n.code: set(deps.get(n.id, ())) for n in plan.detailed_tasks}
    dependents: dict[str, list[str]] = defaultdict(list)
    for code, before in waiting.items():
        for b in before:
            dependents[b].append(code)
    free = [c for c, before in waiting.items() if not before]
    while free:
        code = free.pop()
        for d in dependents[code]:
            waiting[d].discard(code)
            if not waiting[d]:
                free.append(d)
        waiting.pop(code)
    if waiting:
        stuck = sorted(waiting, key=_code_key)[:4]
        names = ", ".join(f"{c} {by_code[c].name!r}" for c in stuck)
        raise SwarmError(
            f"the plan's dependencies form a cycle once lifted to detailed tasks "
            f"(involving {names}); fix task_dependencies_raw.json"
        )
