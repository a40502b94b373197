"""The README of a materialized repository: what the plan is and where it stands.

The status block sits between markers so the integrator can refresh it after merges without
touching the rest.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from importlib import resources

from planexe.model import Plan
from swarm.schedule import schedule
from swarm.states import ORDER, State
from swarm.status import TaskView
from swarm.task import TaskFile

STATUS_START = "<!-- plan-swarm:status:start -->"
STATUS_END = "<!-- plan-swarm:status:end -->"


def render(plan: Plan, tasks: Sequence[TaskFile]) -> str:
    parts = [
        _header(plan),
        status_block(tasks),
        _gantt(plan),
        _dependency_graph(plan),
        resources.files("repo_templates").joinpath("README.howto.md").read_text("utf-8"),
    ]
    return "\n".join(p.rstrip() + "\n" for p in parts if p)


def _header(plan: Plan) -> str:
    lines = [f"# {plan.title}", ""]
    if plan.final_deliverable:
        lines += [f"**Final deliverable:** {plan.final_deliverable}", ""]
    if plan.purpose_detailed or plan.topic:
        lines += [plan.purpose_detailed or plan.topic, ""]
    a = plan.assessment
    verdict = a.verdict.value.replace("_", " ")
    lines += [f"**Go / no-go:** {verdict}. {_first_sentences(a.text)}".rstrip(), ""]
    lines += [
        "This repository was made by plan-swarm from a finished PlanExe plan: one YAML file per "
        "detailed task in `tasks/<phase>/<subtask>/`, the plan itself in `plan/` (see "
        "`plan/prompt.md`, `plan/assessment.md`, `plan/risks.md`), settings in `swarm.yaml`.",
        "",
    ]
    return "\n".join(lines)


def _first_sentences(text: str, limit: int = 2) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    rest = (
        parts[1:]
        if parts and parts[0].lower().startswith(("proceed", "execute", "do not"))
        else parts
    )
    return " ".join(rest[:limit])


def status_block(tasks: Sequence[TaskView]) -> str:
    states = [s for s in ORDER]
    rows: dict[tuple[str, str], Counter[State]] = defaultdict(Counter)
    for t in tasks:
        rows[(t.phase.code, t.phase.title)][t.state] += 1
    head = "| phase | " + " | ".join(s.value for s in states) + " | total |"
    sep = "|---|" + "---:|" * (len(states) + 1)
    lines = [STATUS_START, "## Status", "", head, sep]
    total: Counter[State] = Counter()
    for (code, title), counts in rows.items():
        total.update(counts)
        cells = " | ".join(str(counts[s]) for s in states)
        lines.append(f"| {code} {title} | {cells} | {sum(counts.values())} |")
    cells = " | ".join(f"**{total[s]}**" for s in states)
    lines += [f"| **all** | {cells} | **{sum(total.values())}** |", "", STATUS_END]
    return "\n".join(lines)


def _gantt(plan: Plan) -> str:
    spans = schedule(plan)
    if not spans:
        return "## Schedule\n\n_The plan has no start date, so there is no schedule._\n"
    lines = [
        "## Schedule",
        "",
        "```mermaid",
        "gantt",
        "  dateFormat YYYY-MM-DD",
        "  axisFormat %Y-%m",
    ]
    for phase in plan.phases:
        lines.append(f"  section {_label(phase.code + ' ' + phase.name)}")
        for sub_id in phase.children:
            sub = plan.by_id[sub_id]
            start, end = spans[sub.id]
            days = max((end - start).days, 1)
            ident = "s" + sub.code.replace(".", "_")
            lines.append(f"  {_label(sub.code + ' ' + sub.name)} :{ident}, {start}, {days}d")
    lines += ["```", ""]
    return "\n".join(lines)


def _dependency_graph(plan: Plan) -> str:
    if not plan.dependencies:
        return ""
    lines = ["## Dependencies between subtasks", "", "```mermaid", "flowchart LR"]
    seen: set[str] = set()
    for dep in plan.dependencies:
        a, b = plan.by_id[dep.depends_on], plan.by_id[dep.dependent]
        for node in (a, b):
            if node.id not in seen:
                seen.add(node.id)
                label = _label(f"{node.code} {node.name}").replace('"', "#quot;")
                lines.append(f'  n{node.code.replace(".", "_")}["{label}"]')
        lines.append(f"  n{a.code.replace('.', '_')} --> n{b.code.replace('.', '_')}")
    lines += ["```", "", 'An arrow reads "must be done before".', ""]
    return "\n".join(lines)


def _label(text: str) -> str:
    return re.sub(r"[:;#`]", " ", text).strip()
