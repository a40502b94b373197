"""read_plan: a PlanExe run folder or zip → Plan. Orchestration only; the parts do the work."""

from __future__ import annotations

import gc
import os

from planexe import context, records
from planexe.attachments import read_attachments
from planexe.catalog import Catalog
from planexe.coerce import mapping
from planexe.dependencies import load_dependencies
from planexe.diagnostics import Diagnostics
from planexe.limits import DEFAULT_LIMITS, Limits
from planexe.model import Estimate, Plan, SourceInfo, WbsNode
from planexe.names import detect_era
from planexe.schedule import load_dates, load_durations, split_estimates
from planexe.source import Source, open_source
from planexe.wbs import Tree, load_tree

#: Optional inputs whose absence is worth reporting in SourceInfo.missing.
NOTABLE = (
    "plan.txt",
    "start_time.json",
    "task_durations.json",
    "task_dependencies_raw.json",
    "schedule_gantt_machai.csv",
    "identify_purpose_raw.json",
    "plan_type_raw.json",
    "redline_gate_raw.json",
    "pre_project_assessment.json",
    "distill_assumptions_raw.json",
    "identify_risks_raw.json",
    "find_team_members.json",
    "identified_documents_to_create.json",
    "identified_documents_to_find.json",
    "expert_criticism_raw.json",
    "related_resources_raw.json",
    "project_plan_raw.json",
    "report.html",
    "pipeline_complete.txt",
)


def read_plan(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Read a finished PlanExe plan (run folder, flat zip or wrapped zip) into a Plan.

    Raises PlanError when the input cannot be read; oddities that do not stop reading are
    returned as `Plan.warnings`."""
    # A plan's nodes live as long as the Plan: the cyclic collector's scans while they are
    # built find nothing and cost more the larger the plan (10-40% of reading 10,000 tasks).
    # swarm.collector does the same for swarm; the reader does not import swarm.
    was_collecting = gc.isenabled()
    gc.disable()
    try:
        with open_source(path, limits) as source:
            diag = Diagnostics()
            return _build(source, Catalog(source, diag), diag)
    finally:
        if was_collecting:
            gc.enable()


def _build(source: Source, cat: Catalog, diag: Diagnostics) -> Plan:
    tree = load_tree(cat, diag)
    prompt, plan_date = context.read_prompt(cat, diag)
    topic, purpose, purpose_detailed = context.read_purpose(cat)
    return Plan(
        title=context.read_title(cat, tree),
        prompt=prompt,
        plan_date=plan_date,
        start_date=context.read_start_date(cat, diag),
        topic=topic,
        purpose=purpose,
        purpose_detailed=purpose_detailed,
        plan_type=context.read_plan_type(cat),
        redline_verdict=context.read_redline(cat),
        final_deliverable=tree.final_deliverable,
        assessment=context.read_assessment(cat),
        nodes=_nodes(cat, tree, diag),
        dependencies=load_dependencies(cat, tree, diag),
        assumptions=records.read_assumptions(cat),
        risks=records.read_risks(cat, diag),
        team=records.read_team(cat, diag),
        documents_to_create=records.read_documents_to_create(cat, diag),
        documents_to_find=records.read_documents_to_find(cat, diag),
        criticism=records.read_criticism(cat),
        related_resources=records.read_related_resources(cat, diag),
        regulatory=records.read_regulatory(cat),
        attachments=read_attachments(cat),
        # Keyword arguments are evaluated in order: these two must come after every read.
        source=_source_info(source, cat),
        warnings=diag.items,
    )


def _nodes(cat: Catalog, tree: Tree, diag: Diagnostics) -> tuple[WbsNode, ...]:
    durations = load_durations(cat, tree, diag)
    estimates = split_estimates(tree, {k: d.estimate for k, d in durations.items()})
    dates = load_dates(cat, tree, diag)
    out = []
    for node in tree.nodes:
        duration = durations.get(node.id)
        start, end = dates.get(node.id, (None, None))
        out.append(
            WbsNode(
                id=node.id,
                code=node.code,
                depth=node.depth,
                parent_id=node.parent_id,
                name=node.name,
                description=node.description,
                resources=node.resources,
                children=node.children,
                estimate=estimates.get(node.id, Estimate()),
                delay_risks=duration.delay_risks if duration else "",
                mitigation=duration.mitigation if duration else "",
                start=start,
                end=end,
            )
        )
    return tuple(out)


def _source_info(source: Source, cat: Catalog) -> SourceInfo:
    present = {name.logical for name in cat.names}
    version = _pipeline_version(cat)
    return SourceInfo(
        path=source.path,
        layout=source.layout,
        era=detect_era(cat.names, version),
        pipeline_version=version,
        complete_marker="pipeline_complete.txt" in present,
        files=tuple(sorted(present)),
        missing=tuple(name for name in NOTABLE if name not in present),
        digest=cat.digest(),
    )


def _pipeline_version(cat: Catalog) -> int | None:
    found = cat.load("planexe_metadata.json")
    value = mapping(found[1] if found else None).get("pipeline_version")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
