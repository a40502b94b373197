"""Markdown blocks the notes and deliverables share: the task's header, what it needs from the
plan (description, resources, estimate, schedule, dependencies), ranked plan items, sources."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agents.planview import Item, Ranked
from agents.text import cell, clip, days
from planexe.model import Plan
from swarm.task import TaskFile


def where(task: TaskFile, plan: Plan) -> str:
    return (
        f"Plan *{plan.title}* · phase {task.phase.code} {task.phase.title} · "
        f"subtask {task.subtask.code} {task.subtask.title}"
    )


def estimate(task: TaskFile) -> str:
    e = task.estimate_days
    if e.ongoing:
        return "ongoing or not applicable (the plan gives -1)"
    if e.realistic is None and e.min is None and e.max is None:
        return "no estimate in the plan"
    spread = f"min {days(e.min)}, max {days(e.max)}" if e.min or e.max else "no range given"
    source = {"planexe": "PlanExe's estimate", "split": "the subtask's days shared out"}
    return f"{days(e.realistic)} ({spread}; {source.get(e.source, 'source unknown')})"


def schedule(task: TaskFile) -> str:
    p = task.planned
    if p.start is None and p.end is None:
        return "not scheduled in the plan"
    start = p.start.isoformat() if p.start else "?"
    end = p.end.isoformat() if p.end else "?"
    return f"{start} → {end}"


def dependencies(task: TaskFile, deps: Sequence[TaskFile]) -> str:
    if not task.depends_on:
        return "none"
    states = {d.id: str(d.state) for d in deps}
    listed = ", ".join(f"{d} ({states.get(d, 'state unknown')})" for d in task.depends_on)
    return listed


def needs_table(task: TaskFile, deps: Sequence[TaskFile]) -> list[str]:
    rows = [
        ("Resources", ", ".join(task.resources) or "none named"),
        ("Estimate", estimate(task)),
        ("Schedule", schedule(task)),
        ("Depends on", dependencies(task, deps)),
    ]
    if task.delay_risks:
        rows.append(("Delay risks (subtask)", task.delay_risks))
    if task.mitigation:
        rows.append(("Mitigation (subtask)", task.mitigation))
    lines = ["| | |", "|---|---|"]
    lines += [f"| {name} | {cell(value, 400)} |" for name, value in rows]
    for note in task.dependency_notes:
        if note.explanation:
            lines.append(f"| Why it waits for {note.on} | {cell(note.explanation, 400)} |")
    return lines


def ranked_list(found: Sequence[Ranked], total: int, noun: str) -> list[str]:
    """Best first: ref, score, the item's text and its extra details."""
    if total == 0:
        return [f"_The plan lists no {noun}._"]
    if not found:
        return [f"_None of the plan's {total} {noun} shares a distinctive word with this task._"]
    out = []
    for n, r in enumerate(found, 1):
        out.append(f"{n}. **{r.item.ref}** (score {r.score:.1f}) {item_text(r.item)}")
    return out


def item_text(item: Item) -> str:
    """One line for an item: its title, then the details a reader needs to judge it."""
    parts = [clip(item.title, 300)]
    for key, label in (
        ("severity", "severity"),
        ("likelihood", "likelihood"),
        ("detail", ""),
        ("access", "access"),
        ("recency", "recency"),
        ("mitigation", "mitigation"),
    ):
        value = item.detail(key)
        if value:
            parts.append(f"{label}: {clip(value, 240)}" if label else clip(value, 240))
    return " — ".join(parts)


def risk_table(found: Sequence[Ranked], total: int) -> list[str]:
    if total == 0 or not found:
        return ranked_list(found, total, "risks")
    lines = ["| ref | risk | severity | likelihood | score |", "|---|---|---|---|---|"]
    for r in found:
        i = r.item
        lines.append(
            f"| {i.ref} | {cell(i.title, 260)} | {cell(i.detail('severity') or '?')} | "
            f"{cell(i.detail('likelihood') or '?')} | {r.score:.1f} |"
        )
    return lines


def sources(items: Iterable[Item], extra: Iterable[str] = ()) -> list[str]:
    """Where each item came from, once per item, after the task's own files."""
    lines = [f"- `{path}`" for path in extra]
    seen: set[str] = set()
    for item in items:
        if item.ref not in seen:
            seen.add(item.ref)
            lines.append(f"- {item.ref}: `{item.source}`")
    return lines
