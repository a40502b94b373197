"""The `plan/` folder of a materialized repository: the plan in forms people and agents read.

`plan/plan.json` is the normalized plan, everything agents need in one file; the markdown files
are the same content for people; `plan/attachments/` carries the run's own report and markdown
verbatim. Nothing machine-specific (the input's path or layout) goes in, so the same plan gives
the same bytes wherever it is materialized.
"""

from __future__ import annotations

import json

from planexe.model import Plan

PLAN_JSON = "plan/plan.json"


def plan_json(plan: Plan) -> bytes:
    """One top-level field per line and one list item (a WBS node, a risk…) per line: diffs
    stay readable and the C JSON encoder does the work (indent= would use the slow one)."""
    data = plan.model_dump(mode="json", exclude={"source": {"path", "layout"}})
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value)
            parts.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode()


def plan_files(plan: Plan) -> dict[str, bytes]:
    files = {
        PLAN_JSON: plan_json(plan),
        "plan/prompt.md": _md(_prompt(plan)),
        "plan/assumptions.md": _md(_assumptions(plan)),
        "plan/risks.md": _md(_risks(plan)),
        "plan/team.md": _md(_team(plan)),
        "plan/assessment.md": _md(_assessment(plan)),
        "plan/documents.md": _md(_documents(plan)),
    }
    for att in plan.attachments:
        files[f"plan/attachments/{att.logical_name}"] = att.content
    return files


def _md(lines: list[str]) -> bytes:
    return ("\n".join(lines).rstrip() + "\n").encode()


def _prompt(plan: Plan) -> list[str]:
    lines = [f"# {plan.title}: the prompt", ""]
    if plan.plan_date:
        lines += [f"Planned by PlanExe on {plan.plan_date.isoformat()}.", ""]
    lines += [plan.prompt or "_The run carried no prompt (plan.txt was missing)._", ""]
    if plan.purpose_detailed:
        lines += ["## Purpose", "", plan.purpose_detailed, ""]
    return lines


def _assumptions(plan: Plan) -> list[str]:
    lines = ["# Assumptions", ""]
    if not plan.assumptions:
        return [*lines, "_The plan lists no distilled assumptions._"]
    return lines + [f"{i}. {a}" for i, a in enumerate(plan.assumptions, 1)]


def _risks(plan: Plan) -> list[str]:
    lines = ["# Risk register", ""]
    if not plan.risks:
        return [*lines, "_The plan has no risk register._"]
    lines += ["| ref | area | risk | likelihood | severity |", "|---|---|---|---|---|"]
    for i, r in enumerate(plan.risks, 1):
        lines.append(
            f"| R{i} | {_cell(r.area)} | {_cell(r.description)} | {r.likelihood} | {r.severity} |"
        )
    lines.append("")
    for i, r in enumerate(plan.risks, 1):
        lines += [f"## R{i}. {r.area or 'Risk'}", "", r.description, ""]
        if r.impact:
            lines += [f"**Impact:** {r.impact}", ""]
        if r.action:
            lines += [f"**Action:** {r.action}", ""]
    return lines


def _team(plan: Plan) -> list[str]:
    lines = ["# Team roles", ""]
    if not plan.team:
        return [*lines, "_The plan names no team roles._"]
    for role in plan.team:
        lines += [f"## {role.category}", ""]
        if role.count:
            lines += [f"**How many:** {role.count}", ""]
        if role.contract_type:
            lines += [f"**Contract:** {role.contract_type}", ""]
        if role.explanation:
            lines += [role.explanation, ""]
    return lines


def _assessment(plan: Plan) -> list[str]:
    a = plan.assessment
    lines = ["# Pre-project assessment", "", f"**Verdict:** {a.verdict.value}", ""]
    if a.text:
        lines += [a.text, ""]
    if a.summary:
        lines += ["## Most critical actions", "", a.summary, ""]
    for title, description in a.feedback:
        lines += [f"## {title}", "", description, ""]
    return lines


def _documents(plan: Plan) -> list[str]:
    lines = ["# Documents", "", "## To create", ""]
    lines += [f"- **{d.name}**: {d.description}" for d in plan.documents_to_create] or ["_None._"]
    lines += ["", "## To find", ""]
    lines += [f"- **{d.name}**: {d.description}" for d in plan.documents_to_find] or ["_None._"]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
