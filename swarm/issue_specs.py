"""What the forge should show for a plan: labels, one milestone per phase, one issue per task,
one parent issue per subtask. Pure functions of the plan's task files; the forges upsert them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

from swarm.forge.base import IssueSpec, LabelSpec, MilestoneSpec
from swarm.layout import compliance_path, research_path, task_path
from swarm.states import NEXT_ROLE, TERMINAL, State
from swarm.status import TaskView
from swarm.task import TaskFile

STATE_COLORS = {
    State.TODO: "ededed",
    State.RESEARCHED: "c5def5",
    State.CLEARED: "0e8a16",
    State.DONE: "5319e7",
    State.NEEDS_HUMAN: "d93f0b",
    State.BLOCKED: "b60205",
    State.CANCELLED: "cccccc",
}
ROLES = ("research", "compliance", "executor", "human")


def state_label(state: State) -> str:
    return f"state:{state.value.replace('_', '-')}"


def labels(phase_codes: Sequence[str]) -> list[LabelSpec]:
    out = [LabelSpec(state_label(s), STATE_COLORS[s], f"task state: {s.value}") for s in State]
    out += [LabelSpec(f"role:{r}", "1d76db", f"whose turn it is: {r}") for r in ROLES]
    out += [LabelSpec(f"phase:{c}", "fbca04", f"WBS phase {c}") for c in phase_codes]
    out += [
        LabelSpec("kind:task", "bfdadc", "a detailed task of the plan (one task file)"),
        LabelSpec("kind:subtask", "d4c5f9", "a subtask of the plan: lists its detailed tasks"),
        LabelSpec("needs-human", "d93f0b", "waiting on a person: see the handoff"),
    ]
    return out


def milestone_title(code: str, title: str) -> str:
    return f"Phase {code}: {title}"


def milestones(tasks: Sequence[TaskFile]) -> list[MilestoneSpec]:
    ends: dict[str, dt.date | None] = {}
    titles: dict[str, str] = {}
    for t in tasks:
        titles[t.phase.code] = t.phase.title
        end = t.planned.end
        prev = ends.get(t.phase.code)
        ends[t.phase.code] = max(d for d in (prev, end) if d) if (prev or end) else None
    out = []
    for code, title in titles.items():
        end = ends[code]
        due = end - dt.timedelta(days=1) if end else None
        out.append(MilestoneSpec(milestone_title(code, title), f"WBS phase {code}", due))
    return out


def task_issue(task: TaskFile) -> IssueSpec:
    names = ["kind:task", state_label(task.state), f"phase:{task.phase.code}"]
    role = NEXT_ROLE[task.state]
    if role:
        names.append(f"role:{role}")
    if task.state is State.NEEDS_HUMAN:
        names.append("needs-human")
    return IssueSpec(
        key=task.id,
        title=f"[{task.id}] {task.title}",
        body=task_body(task),
        labels=tuple(names),
        milestone=milestone_title(task.phase.code, task.phase.title),
        state="closed" if task.state in TERMINAL else "open",
        parent_key=f"subtask:{task.subtask.code}",
    )


def task_body(task: TaskFile) -> str:
    e = task.estimate_days
    span = f"{e.min}–{e.max}" if e.min is not None and e.max is not None else "unknown range"
    days = "ongoing" if e.ongoing else f"{e.realistic} days ({span})"
    lines = [
        f"**Task {task.id}** · phase {task.phase.code} {task.phase.title} › "
        f"subtask {task.subtask.code} {task.subtask.title}",
        "",
        f"State: `{task.state.value}` · estimate: {days}"
        + (f" · planned {task.planned.start} → {task.planned.end}" if task.planned.start else ""),
        "",
        task.description or "_No description in the plan._",
        "",
    ]
    if task.depends_on:
        lines += [f"**Depends on:** {', '.join(task.depends_on)}", ""]
        lines += [f"- on {n.on}: {n.explanation}" for n in task.dependency_notes if n.explanation]
        lines.append("")
    if task.resources:
        lines += [f"**Resources:** {', '.join(task.resources)}", ""]
    if task.risks:
        lines += ["**Risks from the plan:**", ""]
        lines += [f"- {r.ref} ({r.severity or '?'}): {r.summary}" for r in task.risks]
        lines.append("")
    if task.assumptions:
        lines += ["**Assumptions:**", ""] + [f"- {a}" for a in task.assumptions] + [""]
    if task.state is State.NEEDS_HUMAN:
        lines += handoff(task)
    if task.state is State.BLOCKED and task.blocked_reason:
        lines += [f"**Blocked:** {task.blocked_reason}", ""]
    lines += [
        f"Task file: `{task_path(task.id, task.title)}`. Its state changes only through a merged "
        "pull request that passes the gates.",
    ]
    return "\n".join(lines)


def handoff(task: TaskFile) -> list[str]:
    """What a person needs to pick the task up: purpose, evidence, context, deadline."""
    deadline = task.planned.end.isoformat() if task.planned.end else "none in the plan"
    return [
        "## Handoff: this task needs a person",
        "",
        f"**Why a person:** {task.escalation or 'the compliance review routed it to people.'}",
        "",
        f"**Purpose:** {task.title}. {task.description}".strip(),
        "",
        "**Acceptance evidence:** what proves it is done — a signed document, a receipt, a "
        "reference number or a photo — given with `--evidence` below.",
        "",
        f"**Context:** research brief `{research_path(task.id)}`, compliance note "
        f"`{compliance_path(task.id)}`, the plan in `plan/` (risks `plan/risks.md`).",
        "",
        f"**Deadline:** {deadline} (the plan's schedule).",
        "",
        f"**When done:** `swarm human done . {task.id} --evidence TEXT|FILE --as NAME`; to give "
        f"it back to the agents: `swarm human handback . {task.id} --as NAME`.",
        "",
    ]


def subtask_issues(tasks: Sequence[TaskView], numbers: Mapping[str, int]) -> list[IssueSpec]:
    """Parent issues, one per subtask, listing their tasks as a task list."""
    groups: dict[str, list[TaskView]] = defaultdict(list)
    for t in tasks:
        groups[t.subtask.code].append(t)
    out = []
    for code, members in groups.items():
        first = members[0]
        items = []
        for t in members:
            mark = "x" if t.state in TERMINAL else " "
            ref = f"#{numbers[t.id]} " if t.id in numbers else ""
            items.append(f"- [{mark}] {ref}[{t.id}] {t.title}")
        body = "\n".join(
            [f"**Subtask {code}** of phase {first.phase.code} {first.phase.title}", "", *items]
        )
        done = all(t.state in TERMINAL for t in members)
        out.append(
            IssueSpec(
                key=f"subtask:{code}",
                title=f"[{code}] {first.subtask.title}",
                body=body,
                labels=("kind:subtask", f"phase:{first.phase.code}"),
                milestone=milestone_title(first.phase.code, first.phase.title),
                state="closed" if done else "open",
            )
        )
    return out
