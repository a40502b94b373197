"""The handoff a person receives when a task goes to needs_human: why, what to achieve, how
to prove it, where the context is and by when. It is the task's `escalation` text, so the human
lane's issue can show it as it is, and the notes repeat it for the pull request's reviewer."""

from __future__ import annotations

from agents.criteria import criteria
from agents.text import first_sentence, one_line
from swarm.layout import compliance_path, research_path, task_path
from swarm.task import TaskFile


def context_links(task: TaskFile) -> list[str]:
    return [
        research_path(task.id),
        compliance_path(task.id),
        task_path(task.id, task.title),
        "plan/plan.json",
    ]


def deadline(task: TaskFile) -> str:
    if task.planned.end is None:
        return "not scheduled in the plan"
    return f"{task.planned.end.isoformat()} (planned end in the plan's schedule)"


def handoff(task: TaskFile, reason: str) -> str:
    """The escalation text: plain lines, readable in YAML, an issue and a pull request."""
    purpose = first_sentence(task.description) or task.title
    lines = [
        f"Needs a person: {one_line(reason)}",
        f"Purpose: {purpose}",
        "Acceptance evidence:",
        *(f"- {c}" for c in criteria(task, by_person=True)),
        f"Context: {', '.join(context_links(task))}",
        f"Deadline: {deadline(task)}",
    ]
    return "\n".join(lines)


def handoff_markdown(task: TaskFile, reason: str) -> list[str]:
    """The same handoff as a Markdown section body."""
    lines = [f"**Why a person:** {one_line(reason)}", ""]
    lines += [f"**Purpose:** {first_sentence(task.description) or task.title}", ""]
    lines += ["**Acceptance evidence the person provides:**", ""]
    lines += [f"- [ ] {c}" for c in criteria(task, by_person=True)]
    lines += ["", "**Context:** " + ", ".join(f"`{p}`" for p in context_links(task)), ""]
    lines += [f"**Deadline:** {deadline(task)}"]
    return lines
