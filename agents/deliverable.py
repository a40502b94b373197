"""The offline executor's deliverable: a working draft assembled from the plan, with one
section per acceptance criterion, so each evidence item can point at the section it names.

Sections: purpose, inputs (the research brief's open questions and the compliance note's tier,
read through ctx.read), the plan's documents to create that match the task, the steps, the
criteria with the points each must cover, figures and ranges, risks and mitigations, open points,
what an approver lets happen (tier 2), and the criteria table.
"""

from __future__ import annotations

import re

from agents import brief
from agents.base import WorkContext
from agents.criteria import criteria, sourced_criteria
from agents.planview import PlanView, Ranked, task_query
from agents.research import open_questions
from agents.text import (
    OFFLINE_BANNER,
    bullet_list,
    cell,
    clip,
    heading_text,
    markdown_sections,
    one_line,
    sentences,
)
from swarm import relevance
from swarm.layout import compliance_path, deliverables_dir, research_path
from swarm.task import EvidenceItem, TaskFile

DOC_SCORE = 2.0
_DIGIT = re.compile(r"\d")
DRAFT_NOTE = (
    "> A working draft assembled from the plan: it organises what the plan says this task "
    "needs. What the plan does not give is listed under open points, not invented."
)


def meta(ctx: WorkContext) -> list[str]:
    task = ctx.task
    tier = task.risk_tier
    approval = "a person approves before merge" if task.approval_required else "no approval needed"
    return [
        f"**Task** {task.id} · **Risk tier** {tier if tier is not None else 'not set'} "
        f"({approval}) · **Planned** {brief.schedule(task)}",
        "",
        brief.where(task, ctx.plan),
        "",
    ]


def render_offline(
    ctx: WorkContext, plan: PlanView, path: str
) -> tuple[list[str], list[EvidenceItem]]:
    task = ctx.task
    lines = [f"# {task.title}", "", OFFLINE_BANNER, "", DRAFT_NOTE, "", *meta(ctx)]
    lines += ["## Purpose", "", *_purpose(task), ""]
    lines += ["## Inputs", "", *_inputs(ctx), ""]
    lines += ["## Documents this task contributes to", "", *_documents(task, plan), ""]
    lines += ["## Steps", ""]
    lines += [f"{n}. {s}" for n, s in enumerate(sentences(task.description), 1)] or [
        f"1. {task.title}."
    ]
    lines.append("")
    crit = sourced_criteria(task)
    lines += ["## Work against the acceptance criteria", ""]
    for n, (criterion, source) in enumerate(crit, 1):
        lines += _criterion_section(n, criterion, source, plan)
    lines += ["## Figures and ranges", "", *_figures(task), ""]
    lines += ["## Risks and mitigations", "", *_risks(task, plan), ""]
    lines += ["## Open points", "", *bullet_list(_open_points(ctx, plan), "_None._"), ""]
    if task.approval_required:
        lines += ["## For the approver", "", *approver(task), ""]
    lines += ["## Acceptance criteria", ""]
    lines += ["| # | criterion | addressed in |", "|---|---|---|"]
    evidence = []
    for n, (criterion, _) in enumerate(crit, 1):
        lines.append(f"| {n} | {cell(criterion, 300)} | [Criterion {n}](#criterion-{n}) |")
        evidence.append(EvidenceItem(criterion=criterion, proof=f"{path}#criterion-{n}"))
    return lines, evidence


def _purpose(task: TaskFile) -> list[str]:
    first = sentences(task.description)[:1]
    lead = first[0] if first else f"{task.title}."
    return [
        lead,
        "",
        f"It is part of subtask {task.subtask.code} *{task.subtask.title}* in phase "
        f"{task.phase.code} *{task.phase.title}*.",
    ]


def _inputs(ctx: WorkContext) -> list[str]:
    task = ctx.task
    out = []
    brief, note_at = research_path(task.id), compliance_path(task.id)
    research = ctx.read(brief)
    if research:
        questions = _section_items(research, "Open questions")
        out.append(
            f"- Research brief `{brief}`: {len(questions)} open question(s), "
            "carried into the open points below."
        )
    else:
        out.append(f"- No research brief at `{brief}`.")
    note = ctx.read(note_at)
    if note:
        out.append(f"- Compliance note `{note_at}`: {_tier_line(note)}")
    else:
        out.append(f"- No compliance note at `{note_at}`.")
    for dep in task.depends_on:
        out.append(f"- Output of task {dep}: `{deliverables_dir(dep)}/`")
    if task.resources:
        out.append(f"- People and tools named by the plan: {', '.join(task.resources)}")
    return out


def _section_items(data: bytes, heading: str) -> list[str]:
    body = markdown_sections(data.decode("utf-8", "replace")).get(heading, [])
    return [line[2:].strip() for line in body if line.startswith("- ")]


def _tier_line(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith("**Risk tier"):
            return line.replace("**", "")
    return "no tier line found."


def _documents(task: TaskFile, plan: PlanView) -> list[str]:
    found = plan.documents_to_create.rank(task_query(task), 2, DOC_SCORE)
    if not found:
        return ["_None of the plan's documents to create matches this task._"]
    out: list[str] = []
    for r in found:
        i = r.item
        out += [f"### {i.ref} {heading_text(i.title)}", ""]
        out.append(f"{one_line(i.detail('description'))} (score {r.score:.1f}, `{i.source}`)")
        for key, label in (("responsible", "Responsible"), ("approval", "Approved by")):
            if i.detail(key):
                out += ["", f"**{label}:** {one_line(i.detail(key))}"]
        steps = [s for s in i.detail("steps").split("\n") if s.strip()]
        if steps:
            out += ["", *[f"{n}. {one_line(s)}" for n, s in enumerate(steps, 1)]]
        out.append("")
    return out


def _criterion_section(n: int, criterion: str, source: str, plan: PlanView) -> list[str]:
    lines = [f"### Criterion {n}", "", f"> {criterion}", ""]
    if not source:  # a fixed criterion about the document itself
        lines.append("Met by the sections Purpose, Inputs, Steps and Risks and mitigations.")
        return [*lines, ""]
    lines += [f"The plan asks: {source}", "", *_scaffold(source)]
    query = relevance.words(f"{criterion} {source}")
    related: list[Ranked] = []
    for collection in (plan.assumptions, plan.documents_to_find, plan.documents_to_create):
        related += collection.rank(query, 1, DOC_SCORE)
    if related:
        lines.append("What the plan gives for it:")
        lines += [f"- **{r.item.ref}** {clip(brief.item_text(r.item), 300)}" for r in related]
    else:
        lines.append("The plan gives no further content for this point; see the open points.")
    return [*lines, ""]


_PART_SPLIT = re.compile(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+")
_LEAD_IN = re.compile(r"\b(?:on|with|for|such as|including|like|of)\s+(.*)$", re.IGNORECASE)


def parts(sentence: str) -> list[str]:
    """The items a sentence enumerates ("on price, schedule and references" → three), when it
    enumerates at least two; they become the points the deliverable must cover."""
    body = sentence.rstrip(".")
    match = _LEAD_IN.search(body)
    # without a lead-in word the list starts after the sentence's verb ("Identify schools, …")
    tail = match.group(1) if match else body.partition(" ")[2]
    if "," not in tail:  # "quotes and specifications" is one thing, not a list
        return []
    found = [p.strip() for p in _PART_SPLIT.split(tail) if p.strip()]
    found = [p for p in found if len(p.split()) <= 8]
    return found[:8] if len(found) >= 2 else []


def _scaffold(source: str) -> list[str]:
    points = parts(source)
    if not points:
        return []
    lines = ["Points to cover, in the plan's words (to be completed with the facts found):", ""]
    return [*lines, *[f"- [ ] {p}" for p in points], ""]


def _figures(task: TaskFile) -> list[str]:
    out = [f"- Duration: {brief.estimate(task)}", f"- Schedule: {brief.schedule(task)}"]
    stated = [s for s in sentences(task.description) if _DIGIT.search(s)]
    out += [f"- The plan states: {s}" for s in stated]
    return out


def _risks(task: TaskFile, plan: PlanView) -> list[str]:
    found = plan.risks.rank(task_query(task), 3, DOC_SCORE)
    out = []
    if found:
        out += ["| ref | risk | severity | the plan's mitigation |", "|---|---|---|---|"]
        for r in found:
            i = r.item
            out.append(
                f"| {i.ref} | {cell(i.title, 200)} | {cell(i.detail('severity') or '?')} | "
                f"{cell(i.detail('action') or 'none given', 260)} |"
            )
        out.append("")
    if task.delay_risks:
        out.append(f"- Delay risk of the subtask: {one_line(task.delay_risks)}")
    if task.mitigation:
        out.append(f"- Mitigation of the subtask: {one_line(task.mitigation)}")
    return out or ["_The plan names no risk that matches this task._"]


def _open_points(ctx: WorkContext, plan: PlanView) -> list[str]:
    research = ctx.read(research_path(ctx.task.id))
    if research:
        found = _section_items(research, "Open questions")
        if found:
            return found
    query = task_query(ctx.task)
    ranked = {
        "Risks": plan.risks.rank(query, 1, DOC_SCORE),
        "Documents to find": plan.documents_to_find.rank(query, 2, DOC_SCORE),
        "Expert criticism": plan.criticism.rank(query, 1, DOC_SCORE),
    }
    return open_questions(ctx, ranked)


def approver(task: TaskFile) -> list[str]:
    actions = criteria(task, by_person=True)
    return [
        "This task needs a person's approval (risk tier 2). The agent has prepared the work "
        "only: nothing was sent, published, ordered, signed or paid. After approving this pull "
        "request, a person carries out:",
        "",
        *[f"- [ ] {a}" for a in actions],
    ]
