"""The executor role (cleared → done, or → needs_human): the deliverable the task calls for,
`deliverables/<phase>/<subtask>/<id>/<slug>.md`, and an evidence list against the task's
acceptance criteria.

When the work needs a person (risk tier 3, or no tier and the rule table finds legal or physical
work), the executor does not pretend: it hands the task over (state needs_human) with the
handoff in `escalation` and `handoff.md` beside it. Compliance normally routed those
already; this is the guard for tasks a person handed back or that skipped compliance.

Offline engine: a working draft assembled from the plan (purpose, inputs from the research brief
and compliance note, the documents the task contributes to, steps, figures, risks, open points)
with one section per acceptance criterion; each evidence item points at its section.
LLM engine: the model writes the sections and says which section meets which criterion (the
schema is built for the task's number of criteria); the code renders and links them.
"""

from __future__ import annotations

import functools
import re

from pydantic import BaseModel, Field, create_model, model_validator

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
from agents.compliance import escalation_reason
from agents.criteria import criteria
from agents.deliverable import DOC_SCORE, approver, meta, render_offline
from agents.handoff import handoff, handoff_markdown
from agents.planview import PlanView, task_query, view
from agents.text import (
    OFFLINE_BANNER,
    anchor,
    cell,
    clip,
    heading_text,
    one_line,
)
from agents.tier_rules import IRREVERSIBLE, LEGAL, NEGOTIATION, PHYSICAL
from agents.tiers import assess
from swarm.layout import compliance_path, deliverables_dir, research_path, slugify
from swarm.llm.api import LedgerLine
from swarm.states import Role, State
from swarm.task import EvidenceItem, TaskFile

_HUMAN_WORK = frozenset({LEGAL, NEGOTIATION, PHYSICAL, IRREVERSIBLE})


def deliverable_path(task: TaskFile) -> str:
    return f"{deliverables_dir(task.id)}/{slugify(task.title) or 'deliverable'}.md"


def handoff_path(task: TaskFile) -> str:
    return f"{deliverables_dir(task.id)}/handoff.md"


def needs_person(task: TaskFile, plan: PlanView) -> str | None:
    """Why a person must do this task, or None when an agent may."""
    if task.risk_tier == 3:
        return "risk tier 3 (human-led), as compliance set it"
    if task.risk_tier is None:
        decision = assess(task, plan)
        if decision.tier == 3 and _HUMAN_WORK.intersection(decision.categories):
            return f"no risk tier set, and the rules find {escalation_reason(decision)}"
    return None


def escalate(
    ctx: WorkContext, reason: str, engine: str, ledger: tuple[LedgerLine, ...]
) -> WorkResult:
    task = ctx.task
    banner = OFFLINE_BANNER if engine == "offline" else "> Written by plan-swarm's LLM engine."
    lines = [f"# Handoff: {task.id} {task.title}", "", banner, ""]
    lines += [brief.where(task, ctx.plan), "", *handoff_markdown(task, reason), ""]
    new = task.model_copy(update={"state": State.NEEDS_HUMAN, "escalation": handoff(task, reason)})
    return WorkResult(
        task=new,
        files={handoff_path(task): render(ctx, lines, engine)},
        summary=f"execute {task.id}: handed to a person ({engine})",
        ledger=ledger,
    )


def done(
    ctx: WorkContext,
    path: str,
    lines: list[str],
    evidence: list[EvidenceItem],
    engine: str,
    ledger: tuple[LedgerLine, ...],
) -> WorkResult:
    task = ctx.task.model_copy(update={"state": State.DONE, "evidence": tuple(evidence)})
    return WorkResult(
        task=task,
        files={path: render(ctx, lines, engine)},
        summary=f"execute {ctx.task.id}: {clip(ctx.task.title, 60)} ({engine})",
        ledger=ledger,
    )


class OfflineExecutor:
    role: Role = Role.EXECUTOR
    engine: str = "offline"

    def work(self, ctx: WorkContext) -> WorkResult:
        check_state(self.role, ctx)
        plan = view(ctx.plan)
        ledger = offline_ledger(ctx, self.role)
        reason = needs_person(ctx.task, plan)
        if reason is not None:
            return escalate(ctx, reason, "offline", ledger)
        path = deliverable_path(ctx.task)
        lines, evidence = render_offline(ctx, plan, path)
        return done(ctx, path, lines, evidence, "offline", ledger)


# --- LLM engine ---------------------------------------------------------------------------------


class DeliverableSection(BaseModel):
    heading: str = Field(min_length=3, max_length=80)
    body: str = Field(min_length=40, description="Markdown, no headings of level 1 or 2")


class CriterionProof(BaseModel):
    criterion: int = Field(ge=1, description="the number of the acceptance criterion")
    section: str = Field(description="the heading of the section that meets it")
    statement: str = Field(min_length=10, description="how that section meets it")


class Deliverable(BaseModel):
    summary: str = Field(min_length=40)
    sections: list[DeliverableSection] = Field(min_length=1, max_length=12)
    evidence: list[CriterionProof]
    needs_person: bool = Field(False, description="true only if a person must do the work")
    person_reason: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Deliverable:
        headings = [heading_text(s.heading) for s in self.sections]
        if len(set(headings)) != len(headings):
            raise ValueError("section headings must be unique")
        numbers = sorted(p.criterion for p in self.evidence)
        if numbers != list(range(1, len(self.evidence) + 1)):
            raise ValueError("evidence must name each criterion number exactly once")
        unknown = [p.section for p in self.evidence if heading_text(p.section) not in headings]
        if unknown:
            raise ValueError(f"evidence names sections that do not exist: {unknown}")
        return self


@functools.cache
def deliverable_schema(criteria_count: int) -> type[Deliverable]:
    """Deliverable with exactly `criteria_count` evidence items, so the model's answer is
    re-asked by the LLM layer when it leaves a criterion out."""
    return create_model(
        f"Deliverable{criteria_count}",
        __base__=Deliverable,
        evidence=(
            list[CriterionProof],
            Field(min_length=criteria_count, max_length=criteria_count),
        ),
    )


class LLMExecutor(LLMRole):
    role = Role.EXECUTOR

    def work(self, ctx: WorkContext) -> WorkResult:
        check_state(self.role, ctx)
        plan = view(ctx.plan)
        reason = needs_person(ctx.task, plan)
        if reason is not None:
            return escalate(ctx, reason, "llm", offline_ledger(ctx, self.role))
        crit = criteria(ctx.task)
        prompt = prompts.load("executor")
        user = prompt.fill(_prompt_values(ctx, plan, crit))
        llm = self._llm(ctx.task, "execute", self.role)
        level = complexity(ctx.task, ctx.task.risk_tier)
        answer, ledger = ask(llm, prompt.system, user, deliverable_schema(len(crit)), level)
        if answer.needs_person:
            why = one_line(answer.person_reason) or "the model says a person must do the work"
            return escalate(ctx, why, "llm", ledger)
        path = deliverable_path(ctx.task)
        lines, evidence = render_llm(ctx, answer, crit, path, ledger)
        return done(ctx, path, lines, evidence, "llm", ledger)


def _prompt_values(ctx: WorkContext, plan: PlanView, crit: list[str]) -> dict[str, str]:
    task = ctx.task
    docs = plan.documents_to_create.rank(task_query(task), 2, DOC_SCORE)
    risks = plan.risks.rank(task_query(task), 3, DOC_SCORE)
    return {
        "plan_title": ctx.plan.title,
        "task_id": task.id,
        "task_title": task.title,
        "task_description": task.description or "(none)",
        "resources": ", ".join(task.resources) or "(none named)",
        "estimate": brief.estimate(task),
        "schedule": brief.schedule(task),
        "risk_tier": str(task.risk_tier),
        "criteria": "\n".join(f"{n}. {c}" for n, c in enumerate(crit, 1)),
        "documents": "\n".join(f"- {r.item.ref}: {brief.item_text(r.item)}" for r in docs)
        or "(none)",
        "risks": "\n".join(
            f"- {r.item.ref}: {r.item.title} (mitigation: {r.item.detail('action') or 'none'})"
            for r in risks
        )
        or "(none)",
        "research_brief": _note(ctx, research_path(task.id)),
        "compliance_note": _note(ctx, compliance_path(task.id)),
    }


def _note(ctx: WorkContext, path: str) -> str:
    data = ctx.read(path)
    return clip(data.decode("utf-8", "replace"), 2500) if data else "(none)"


_HEADING = re.compile(r"^#{1,2} ", re.MULTILINE)


def render_llm(
    ctx: WorkContext,
    answer: Deliverable,
    crit: list[str],
    path: str,
    ledger: tuple[LedgerLine, ...],
) -> tuple[list[str], list[EvidenceItem]]:
    task = ctx.task
    lines = [f"# {task.title}", "", llm_banner(ledger), "", *meta(ctx)]
    lines += ["## Summary", "", answer.summary.strip(), ""]
    for section in answer.sections:
        body = _HEADING.sub("### ", section.body.strip())
        lines += [f"## {heading_text(section.heading)}", "", body, ""]
    if task.approval_required:
        lines += ["## For the approver", "", *approver(task), ""]
    lines += ["## Acceptance criteria", "", "| # | criterion | met in |", "|---|---|---|"]
    evidence = []
    for proof in sorted(answer.evidence, key=lambda p: p.criterion):
        heading = heading_text(proof.section)
        criterion = crit[proof.criterion - 1]
        link = f"[{heading}](#{anchor(heading)})"
        lines.append(
            f"| {proof.criterion} | {cell(criterion, 300)} | {link}: {cell(proof.statement, 200)} |"
        )
        evidence.append(EvidenceItem(criterion=criterion, proof=f"{path}#{anchor(heading)}"))
    return lines, evidence


__all__ = ["Deliverable", "LLMExecutor", "OfflineExecutor", "deliverable_path"]
