"""The compliance role (researched → cleared, or → needs_human): the compliance note
`compliance/<phase>/<subtask>/<id>.md`, the task's risk tier and `approval_required`.

Offline engine: the rule table of agents.tiers decides the tier (its module docstring lists
every rule); tier 1 → cleared without approval, tier 2 → cleared with approval_required, tier 3
→ needs_human with a handoff in `escalation`. The note lists the rules that fired, the plan's
regulatory requirements that match the task (relevance over each list of plan.regulatory), the
governance escalations of the plan's decision matrix that match it, and the approval authorities
of the documents it contributes to.

LLM engine: the model sees the same rule findings and candidates and answers a
ComplianceAssessment; the applied tier is the higher of the model's and the rules' (a model may
raise a tier, never lower it below the rule table), and the requirements it cites are quoted
from the plan by reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
from agents.governance import escalations
from agents.handoff import handoff, handoff_markdown
from agents.planview import Item, PlanView, Ranked, task_query, view
from agents.text import OFFLINE_BANNER, cell, clip, one_line
from agents.tiers import Hit, Tier, TierDecision, assess
from swarm.layout import compliance_path, research_path, task_path
from swarm.llm.api import LedgerLine
from swarm.states import Role, State
from swarm.task import TaskFile

REG_LIMIT = 3
REG_SCORE = 2.0
GOV_LIMIT = 2
GOV_SCORE = 2.0
TIER_NAMES: dict[int, str] = {
    1: "AI-executable and reversible",
    2: "AI with a person's approval",
    3: "human-led",
}


def note_path(task_id: str) -> str:
    return compliance_path(task_id)


@dataclass(frozen=True)
class Context:
    """What applies to the task, found once and used by both engines."""

    decision: TierDecision
    regulatory: tuple[tuple[str, tuple[Ranked, ...]], ...]  # (heading, matches)
    governance: tuple[Ranked, ...]
    approvals: tuple[Ranked, ...]  # documents to create, with approval authorities


def gather(ctx: WorkContext, plan: PlanView, limit: int = REG_LIMIT) -> Context:
    query = task_query(ctx.task)
    reg = (
        ("Permits and licences", plan.permits),
        ("Compliance standards", plan.standards),
        ("Regulatory bodies", plan.bodies),
        ("Compliance actions", plan.actions),
    )
    regulatory = tuple((h, tuple(c.rank(query, limit, REG_SCORE))) for h, c in reg)
    governance = tuple(escalations(ctx.read).rank(query, GOV_LIMIT, GOV_SCORE))
    docs = plan.documents_to_create.rank(query, 2, REG_SCORE)
    approvals = tuple(r for r in docs if r.item.detail("approval"))
    return Context(assess(ctx.task, plan), regulatory, governance, approvals)


def escalation_reason(decision: TierDecision) -> str:
    """One line: the tier's categories, the first tier-3 rule with its match, the others."""
    top = [h for h in decision.hits if h.tier == 3]
    cats = ", ".join(decision.categories) or "human-led work"
    if not top:
        return f"risk tier 3 ({cats})"
    first = top[0]
    others = sorted({h.rule for h in top[1:]} - {first.rule})
    also = f"; also {', '.join(others)}" if others else ""
    return f'risk tier 3 ({cats}): rule {first.rule} on "{_plain(first.excerpt)}"{also}'


def _plain(excerpt: str) -> str:
    return clip(excerpt.replace("**", ""), 120)


def apply(task: TaskFile, tier: Tier, reason: str) -> TaskFile:
    """The task file after compliance: tier, approval, state and, for tier 3, the handoff."""
    if tier == 3:
        return task.model_copy(
            update={
                "risk_tier": 3,
                "approval_required": True,
                "state": State.NEEDS_HUMAN,
                "escalation": handoff(task, reason),
            }
        )
    return task.model_copy(
        update={"risk_tier": tier, "approval_required": tier == 2, "state": State.CLEARED}
    )


class OfflineCompliance:
    role: Role = Role.COMPLIANCE
    engine: str = "offline"

    def work(self, ctx: WorkContext) -> WorkResult:
        check_state(self.role, ctx)
        found = gather(ctx, view(ctx.plan))
        tier = found.decision.tier
        reason = escalation_reason(found.decision)
        lines = _head(ctx, OFFLINE_BANNER, tier)
        lines += ["## Decision", "", *_decision(found.decision), ""]
        lines += _rules(found.decision.hits)
        lines += _applies(found)
        lines += _escalation(ctx.task, tier, reason)
        lines += _sources(ctx, found)
        task = apply(ctx.task, tier, reason)
        return _result(ctx, task, lines, "offline", offline_ledger(ctx, self.role))


def _head(ctx: WorkContext, banner: str, tier: int) -> list[str]:
    task = ctx.task
    approval = "yes" if tier >= 2 else "no"
    nxt = "needs_human (a person leads)" if tier == 3 else "cleared"
    return [
        f"# Compliance note: {task.id} {task.title}",
        "",
        banner,
        "",
        brief.where(task, ctx.plan),
        "",
        f"**Risk tier {tier}: {TIER_NAMES[tier]}.** Approval required: {approval}. "
        f"Next state: {nxt}.",
        "",
    ]


def _decision(decision: TierDecision) -> list[str]:
    if decision.tier == 1:
        return [
            "No rule of the table fired: the task reads as desk work (research, drafting, "
            "analysis) that an agent can do and that can be undone.",
        ]
    cats = ", ".join(decision.categories)
    why = {
        2: "an agent prepares the work, and a person listed in `swarm.yaml` humans approves "
        "the executor's pull request before it merges (`approval_required: true`).",
        3: "a person leads the task; agents hand it over with the handoff below.",
    }[decision.tier]
    return [
        f"Tier {decision.tier} because the task involves {cats}: {why}",
        "The tier is the highest any rule gives (rules: `agents/tiers.py`).",
    ]


def _rules(hits: tuple[Hit, ...]) -> list[str]:
    lines = ["## Rules that fired", ""]
    if not hits:
        return [*lines, "_None._", ""]
    lines += ["| rule | tier | category | where | matched |", "|---|---|---|---|---|"]
    for h in sorted(hits, key=lambda h: -h.tier):
        lines.append(
            f"| `{h.rule}` | {h.tier} | {h.category} | {h.where} | {cell(h.excerpt, 200)} |"
        )
    return [*lines, ""]


def _applies(found: Context) -> list[str]:
    lines = ["## Regulatory requirements that apply", ""]
    lines += [
        "Ranked by lexical relevance to the task (score: distinctive shared words); "
        "the plan's full list is in `plan/plan.json` under `regulatory`.",
        "",
    ]
    for heading, matches in found.regulatory:
        lines += [f"### {heading}", ""]
        if matches:
            lines += [f"- **{r.item.ref}** (score {r.score:.1f}) {r.item.title}" for r in matches]
        else:
            lines.append("_None matches this task._")
        lines.append("")
    lines += ["## Governance", ""]
    for r in found.governance:
        level, process = r.item.detail("level"), r.item.detail("process")
        lines.append(
            f"- **{r.item.ref}** {r.item.title}: escalate to {level}"
            + (f" ({process})" if process else "")
            + f" — score {r.score:.1f}"
        )
    for r in found.approvals:
        lines.append(
            f"- Document **{r.item.ref}** {r.item.title}: approved by "
            f"{clip(r.item.detail('approval'), 160)}"
        )
    if not found.governance and not found.approvals:
        lines.append("_No escalation of the plan's governance matches this task._")
    return [*lines, ""]


def _escalation(task: TaskFile, tier: int, reason: str) -> list[str]:
    lines = ["## Escalation", ""]
    if tier == 3:
        return [*lines, *handoff_markdown(task, reason), ""]
    if tier == 2:
        return [*lines, "None to a person now; the executor's pull request waits for approval.", ""]
    return [*lines, "None.", ""]


def _sources(ctx: WorkContext, found: Context) -> list[str]:
    items: list[Item] = [r.item for _, ms in found.regulatory for r in ms]
    items += [r.item for r in found.governance] + [r.item for r in found.approvals]
    own = [task_path(ctx.task.id, ctx.task.title), research_path(ctx.task.id)]
    return ["## Sources", "", *brief.sources(items, own), ""]


def _result(
    ctx: WorkContext,
    task: TaskFile,
    lines: list[str],
    engine: str,
    ledger: tuple[LedgerLine, ...],
) -> WorkResult:
    tier = task.risk_tier
    return WorkResult(
        task=task,
        files={note_path(ctx.task.id): render(ctx, lines, engine)},
        summary=f"compliance {ctx.task.id}: tier {tier}, {task.state} ({engine})",
        ledger=ledger,
    )


# --- LLM engine ---------------------------------------------------------------------------------

Category = Literal[
    "legal filing",
    "negotiation",
    "physical work",
    "irreversible step",
    "external communication",
    "spending",
    "commitment",
    "desk work",
]


class Requirement(BaseModel):
    ref: str = Field(description="reference of a listed requirement, e.g. P2, S1, B3, CA1, G2")
    why: str = Field(min_length=10, description="how it applies to this task")


class ComplianceAssessment(BaseModel):
    risk_tier: Literal[1, 2, 3]
    categories: list[Category] = Field(min_length=1, max_length=4)
    rationale: str = Field(min_length=40, description="why this tier, 2-4 sentences")
    requirements: list[Requirement] = Field(max_length=10)
    escalation_reason: str = Field(
        "", description="for tier 3: why a person must lead, one or two sentences"
    )


class LLMCompliance(LLMRole):
    role = Role.COMPLIANCE

    def work(self, ctx: WorkContext) -> WorkResult:
        check_state(self.role, ctx)
        found = gather(ctx, view(ctx.plan), limit=5)
        floor = found.decision.tier
        prompt = prompts.load("compliance")
        user = prompt.fill(_prompt_values(ctx, found))
        llm = self._llm(ctx.task, "compliance", self.role)
        answer, ledger = ask(
            llm, prompt.system, user, ComplianceAssessment, complexity(ctx.task, floor)
        )
        tier: Tier = max(answer.risk_tier, floor)
        reason = _llm_reason(answer, found.decision, tier)
        lines = _head(ctx, llm_banner(ledger), tier)
        lines += _llm_decision(answer, floor, tier)
        lines += _rules(found.decision.hits)
        lines += _llm_requirements(answer, found)
        lines += _escalation(ctx.task, tier, reason)
        lines += _sources(ctx, found)
        task = apply(ctx.task, tier, reason)
        return _result(ctx, task, lines, "llm", ledger)


def _candidates(found: Context) -> list[Item]:
    items = [r.item for _, ms in found.regulatory for r in ms]
    return items + [r.item for r in found.governance]


def _prompt_values(ctx: WorkContext, found: Context) -> dict[str, str]:
    task = ctx.task
    hits = "\n".join(
        f"- {h.rule} (tier {h.tier}, {h.category}) in the {h.where}: {_plain(h.excerpt)}"
        for h in found.decision.hits
    )
    reqs = "\n".join(f"- {i.ref}: {clip(i.title, 300)}" for i in _candidates(found))
    return {
        "plan_title": ctx.plan.title,
        "task_id": task.id,
        "task_title": task.title,
        "task_description": task.description or "(none)",
        "resources": ", ".join(task.resources) or "(none named)",
        "research_brief": _brief_excerpt(ctx),
        "rule_tier": str(found.decision.tier),
        "rule_hits": hits or "(no rule fired: desk work by the rules)",
        "requirements": reqs or "(no regulatory item of the plan matches this task)",
    }


def _brief_excerpt(ctx: WorkContext) -> str:
    data = ctx.read(research_path(ctx.task.id))
    return clip(data.decode("utf-8", "replace"), 2500) if data else "(no research brief)"


def _llm_reason(answer: ComplianceAssessment, decision: TierDecision, tier: int) -> str:
    if tier != 3:
        return ""
    if answer.risk_tier == 3 and answer.escalation_reason.strip():
        return f"risk tier 3 ({', '.join(answer.categories)}): {one_line(answer.escalation_reason)}"
    return escalation_reason(decision)


def _llm_decision(answer: ComplianceAssessment, floor: int, tier: int) -> list[str]:
    lines = ["## Decision", "", one_line(answer.rationale), ""]
    lines.append(f"Categories named by the model: {', '.join(answer.categories)}.")
    if answer.risk_tier < floor:
        lines.append(
            f"The model proposed tier {answer.risk_tier}; the rule table's tier {floor} stands "
            "(a model may raise a tier, never lower it below the rules)."
        )
    elif answer.risk_tier > floor:
        lines.append(f"The model raised the tier from the rules' {floor} to {tier}.")
    return [*lines, ""]


def _llm_requirements(answer: ComplianceAssessment, found: Context) -> list[str]:
    by_ref = {i.ref: i for i in _candidates(found)}
    lines = ["## Regulatory requirements that apply", ""]
    cited = [(by_ref[r.ref.strip()], r.why) for r in answer.requirements if r.ref.strip() in by_ref]
    for item, why in cited:
        lines.append(f"- **{item.ref}** {item.title} — {one_line(why)} (`{item.source}`)")
    if not cited:
        lines.append("_The model found none of the plan's requirements applies._")
    dropped = len(answer.requirements) - len(cited)
    if dropped:
        lines.append(f"_{dropped} cited requirement(s) are not plan items offered; left out._")
    return [*lines, ""]


__all__ = ["ComplianceAssessment", "LLMCompliance", "OfflineCompliance", "note_path"]
