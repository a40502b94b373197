"""The research role (todo → researched): a brief `research/<phase>/<subtask>/<id>.md` on what
the task needs and which of the plan's assumptions, risks, documents, resources and criticism
bear on it.

Offline engine: every collection of the plan is ranked against the task (swarm.relevance, query =
title + description + subtask title) and the best few are shown with their scores, best first;
open questions come from fixed rules over the task and those items. LLM engine: the same ranked
candidates go to the model, which picks and explains; items are quoted from the plan by their
reference, so the model cannot invent a plan item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from agents import brief, prompts
from agents.base import WorkContext, WorkResult
from agents.common import (
    LLMRole,
    ask,
    check_state,
    complexity,
    llm_banner,
    offline_ledger,
    render,
)
from agents.planview import Collection, Item, PlanView, Ranked, task_query, view
from agents.text import OFFLINE_BANNER, bullet_list, clip, sentences
from agents.tiers import assess
from swarm import relevance
from swarm.layout import research_path, task_path
from swarm.llm.api import LedgerLine
from swarm.states import Role, State
from swarm.task import TaskFile

LIMIT = 4  # items shown per collection
MIN_SCORE = 2.0  # at least one distinctive shared word
LLM_LIMIT = 6  # candidates offered to the model per collection
MAX_QUESTIONS = 6


def note_path(task_id: str) -> str:
    return research_path(task_id)


@dataclass(frozen=True)
class Section:
    heading: str
    noun: str  # "assumptions", for "the plan lists no assumptions"
    collection: Collection
    table: bool = False


def sections(plan: PlanView) -> list[Section]:
    return [
        Section("Assumptions that bear on it", "assumptions", plan.assumptions),
        Section("Risks", "risks", plan.risks, table=True),
        Section("Documents to find", "documents to find", plan.documents_to_find),
        Section("Related resources", "related resources", plan.related),
        Section("Expert criticism", "points of expert criticism", plan.criticism),
    ]


class OfflineResearch:
    role: Role = Role.RESEARCH
    engine: str = "offline"

    def work(self, ctx: WorkContext) -> WorkResult:
        check_state(self.role, ctx)
        plan = view(ctx.plan)
        query = task_query(ctx.task)
        ranked = [(s, s.collection.rank(query, LIMIT, MIN_SCORE)) for s in sections(plan)]
        lines = _head(ctx, OFFLINE_BANNER)
        lines += [
            "> Plan items are ranked by lexical relevance to the task: the score adds up the "
            "distinctive words an item shares with the task's title and description "
            "(higher is closer).",
            "",
        ]
        used: list[Item] = []
        for section, found in ranked:
            lines += [f"## {section.heading}", ""]
            if section.table:
                lines += brief.risk_table(found, len(section.collection))
            else:
                lines += brief.ranked_list(found, len(section.collection), section.noun)
            lines.append("")
            used += [r.item for r in found]
        questions = open_questions(ctx, dict((s.heading, f) for s, f in ranked))
        lines += ["## Open questions", "", *bullet_list(questions, "_None found._"), ""]
        lines += _sources(ctx, used)
        return _result(ctx, lines, "offline", offline_ledger(ctx, self.role))


def _head(ctx: WorkContext, banner: str) -> list[str]:
    task = ctx.task
    lines = [f"# Research brief: {task.id} {task.title}", "", banner, ""]
    lines += [brief.where(task, ctx.plan), ""]
    lines += ["## What the task needs", "", task.description or "_No description._", ""]
    lines += [*brief.needs_table(task, ctx.dependencies), ""]
    team = view(ctx.plan).team.rank(_resource_query(task), 3, MIN_SCORE)
    if team:
        names = "; ".join(f"{r.item.ref} {r.item.title}" for r in team)
        lines += [f"Team roles of the plan that match the resources: {names}.", ""]
    return lines


def _resource_query(task: TaskFile) -> frozenset[str]:
    return relevance.words(" ".join(task.resources))


def _sources(ctx: WorkContext, used: list[Item]) -> list[str]:
    own = [task_path(ctx.task.id, ctx.task.title)]
    lines = ["## Sources", ""]
    lines += brief.sources(used, own)
    return [*lines, ""]


def _result(
    ctx: WorkContext, lines: list[str], engine: str, ledger: tuple[LedgerLine, ...]
) -> WorkResult:
    task = ctx.task.model_copy(update={"state": State.RESEARCHED})
    return WorkResult(
        task=task,
        files={note_path(ctx.task.id): render(ctx, lines, engine)},
        summary=f"research {ctx.task.id}: brief for {clip(ctx.task.title, 60)} ({engine})",
        ledger=ledger,
    )


# --- open questions (offline rules) -------------------------------------------------------------

_WHETHER = re.compile(r"\b(whether|which|if)\b\s+(.*)", re.IGNORECASE)


def open_questions(ctx: WorkContext, found: dict[str, list[Ranked]]) -> list[str]:
    task = ctx.task
    out: list[str] = []
    for sentence in sentences(task.description):
        match = _WHETHER.search(sentence)
        if match and len(match.group(2).split()) >= 3:
            out.append(f"{match.group(1).capitalize()} {match.group(2).rstrip('.')}?")
    out += _estimate_questions(task)
    for r in found.get("Risks", [])[:1]:
        severity = r.item.detail("severity") or "unrated"
        risk = clip(r.item.title, 120).rstrip(".")
        out.append(f"How does the work guard against {r.item.ref} ({severity}): {risk}?")
    for r in found.get("Documents to find", [])[:2]:
        access = r.item.detail("access")
        hint = f" (access: {clip(access, 80)})" if access else ""
        out.append(f"Can {r.item.ref} {clip(r.item.title, 100)} be found in time{hint}?")
    for r in found.get("Expert criticism", [])[:1]:
        out.append(f'Does the task answer the criticism {r.item.ref} "{clip(r.item.title, 100)}"?')
    waiting = [d.id for d in ctx.dependencies if d.state is not State.DONE]
    if waiting:
        out.append(f"Which outputs of {', '.join(waiting)} (not done yet) does this task need?")
    return out[:MAX_QUESTIONS]


def _estimate_questions(task: TaskFile) -> list[str]:
    e = task.estimate_days
    if e.ongoing:
        return ["The plan marks this work as ongoing: what ends it, and who decides?"]
    if e.realistic is None:
        return ["The plan gives no duration for this task: how long will it take?"]
    if e.min and e.max and e.max >= 2 * e.min:
        return [f"What decides whether it takes {e.min} or {e.max} days?"]
    return []


# --- LLM engine ---------------------------------------------------------------------------------


class PlanPoint(BaseModel):
    ref: str = Field(description="the reference of a plan item listed in the prompt, e.g. R3")
    why: str = Field(min_length=10, description="one or two sentences: how it bears on the task")


class ResearchBrief(BaseModel):
    summary: str = Field(min_length=40, description="what the task needs, 2-4 sentences")
    needs: list[str] = Field(
        min_length=1, max_length=8, description="inputs, data, skills or decisions it needs"
    )
    points: list[PlanPoint] = Field(
        max_length=20,
        description="the listed plan items that bear on the task, most relevant first",
    )
    open_questions: list[str] = Field(max_length=8)


class LLMResearch(LLMRole):
    role = Role.RESEARCH

    def work(self, ctx: WorkContext) -> WorkResult:
        check_state(self.role, ctx)
        plan = view(ctx.plan)
        query = task_query(ctx.task)
        offered = [r for s in sections(plan) for r in s.collection.rank(query, LLM_LIMIT, 0.1)]
        prompt = prompts.load("research")
        user = prompt.fill(_prompt_values(ctx, offered))
        tier = ctx.task.risk_tier or assess(ctx.task, plan).tier
        llm = self._llm(ctx.task, "research", self.role)
        answer, ledger = ask(llm, prompt.system, user, ResearchBrief, complexity(ctx.task, tier))
        lines = _head(ctx, llm_banner(ledger)) + render_llm(answer, offered)
        used = _known(answer, offered)
        lines += _sources(ctx, [i for i, _ in used])
        return _result(ctx, lines, "llm", ledger)


def _prompt_values(ctx: WorkContext, offered: list[Ranked]) -> dict[str, str]:
    task = ctx.task
    items = "\n".join(
        f"- {r.item.ref} [{r.item.source}] {clip(brief.item_text(r.item), 400)}" for r in offered
    )
    return {
        "plan_title": ctx.plan.title,
        "plan_purpose": clip(ctx.plan.purpose_detailed or ctx.plan.prompt, 600),
        "task_id": task.id,
        "task_title": task.title,
        "task_description": task.description or "(none)",
        "phase": f"{task.phase.code} {task.phase.title}",
        "subtask": f"{task.subtask.code} {task.subtask.title}",
        "resources": ", ".join(task.resources) or "(none named)",
        "estimate": brief.estimate(task),
        "schedule": brief.schedule(task),
        "dependencies": brief.dependencies(task, ctx.dependencies),
        "plan_items": items or "(the plan has no items that share words with this task)",
    }


def _known(answer: ResearchBrief, offered: list[Ranked]) -> list[tuple[Item, str]]:
    by_ref = {r.item.ref: r.item for r in offered}
    return [(by_ref[p.ref.strip()], p.why) for p in answer.points if p.ref.strip() in by_ref]


def render_llm(answer: ResearchBrief, offered: list[Ranked]) -> list[str]:
    lines = ["## Summary", "", answer.summary.strip(), ""]
    lines += [
        "## What it needs",
        "",
        *bullet_list([n.strip() for n in answer.needs], "_None._"),
        "",
    ]
    lines += ["## Plan items that bear on it", ""]
    known = _known(answer, offered)
    for n, (item, why) in enumerate(known, 1):
        lines.append(f"{n}. **{item.ref}** {brief.item_text(item)}  ")
        lines.append(f"   Why it matters: {why.strip()}")
    if not known:
        lines.append("_The model named none of the plan's items._")
    dropped = len(answer.points) - len(known)
    if dropped:
        lines += [
            "",
            f"_{dropped} item(s) the model cited are not plan items offered to it; "
            "they are left out._",
        ]
    questions = [q.strip() for q in answer.open_questions if q.strip()]
    lines += ["", "## Open questions", "", *bullet_list(questions, "_None._"), ""]
    return lines


__all__ = ["LLMResearch", "OfflineResearch", "ResearchBrief", "note_path"]
