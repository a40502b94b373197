"""`swarm inspect PLAN`: what a PlanExe run holds, before anything is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from planexe import read_plan
from planexe.model import Plan
from swarm.cli.output import emit_json


def summary(plan: Plan) -> dict[str, Any]:
    leaves = plan.detailed_tasks
    return {
        "title": plan.title,
        "plan_date": plan.plan_date,
        "start_date": plan.start_date,
        "purpose": plan.purpose,
        "plan_type": plan.plan_type,
        "go_no_go": plan.assessment.verdict.value,
        "counts": {
            "phases": len(plan.phases),
            "subtasks": len(plan.subtasks),
            "tasks": len(leaves),
            "dependencies": len(plan.dependencies),
            "estimated_nodes": sum(1 for n in plan.nodes if n.estimate.source == "planexe"),
            "assumptions": len(plan.assumptions),
            "risks": len(plan.risks),
            "team_roles": len(plan.team),
            "documents_to_create": len(plan.documents_to_create),
            "documents_to_find": len(plan.documents_to_find),
            "attachments": len(plan.attachments),
        },
        "source": {
            "layout": plan.source.layout,
            "era": plan.source.era,
            "pipeline_version": plan.source.pipeline_version,
            "complete_marker": plan.source.complete_marker,
            "digest": plan.source.digest,
            "present": list(plan.source.files),
            "missing": list(plan.source.missing),
        },
        "warnings": [w.model_dump() for w in plan.warnings],
    }


def print_summary(data: dict[str, Any]) -> None:
    c = data["counts"]
    src = data["source"]
    click.echo(f"{data['title']}  (go/no-go: {data['go_no_go'].replace('_', ' ')})")
    click.echo(
        f"  {c['phases']} phases, {c['subtasks']} subtasks, {c['tasks']} tasks, "
        f"{c['dependencies']} dependencies, {c['estimated_nodes']} estimates"
    )
    click.echo(
        f"  {c['assumptions']} assumptions, {c['risks']} risks, {c['team_roles']} team roles, "
        f"{c['documents_to_create']}+{c['documents_to_find']} documents, "
        f"{c['attachments']} attachments"
    )
    dates = f"planned {data['plan_date'] or '?'}, starts {data['start_date'] or '?'}"
    click.echo(
        f"  {src['layout']}, naming era {src['era']}, {dates}"
        + ("" if src["complete_marker"] else ", no completion marker")
    )
    if src["missing"]:
        click.echo(f"  missing (optional): {', '.join(src['missing'])}")
    for w in data["warnings"]:
        where = f"{w['file']}: " if w["file"] else ""
        click.echo(f"  warning [{w['code']}] {where}{w['message']}")


@click.command("inspect")
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(plan_path: Path, as_json: bool) -> None:
    """Show what a finished PlanExe run (folder or zip) holds: counts, files, warnings."""
    data = summary(read_plan(plan_path))
    if as_json:
        emit_json(data)
    else:
        print_summary(data)
