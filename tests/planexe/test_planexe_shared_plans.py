"""Acceptance: the five real PlanExe plans in ../shared/plans (see SOURCES.md there)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from planexe import Plan, read_plan
from tests.planexe.planexe_fixtures import SHARED_PLANS, needs_shared_plans

pytestmark = needs_shared_plans


@dataclass(frozen=True)
class Expected:
    phases: int
    subtasks: int
    detailed: int
    dep_entries: int
    dep_pairs: int
    durations: int
    ongoing: int
    era: str
    title: str
    plan_date: dt.date
    complete: bool


EXPECTED = {
    "us-mexico-canal": Expected(
        8, 37, 169, 10, 12, 45, 1, "A", "Border Canal", dt.date(2025, 2, 7), True
    ),
    "tea-eshop": Expected(
        5, 25, 122, 10, 20, 30, 0, "B", "Tea E-commerce", dt.date(2025, 5, 17), True
    ),
    "project-solace": Expected(
        8, 33, 148, 33, 34, 41, 0, "B", "Project Solace", dt.date(2025, 7, 21), True
    ),
    "paperclip-automation": Expected(
        6, 29, 132, 10, 16, 35, 3, "B", "Paperclip Automation", dt.date(2025, 11, 14), False
    ),
    "parasomnia-research-unit": Expected(
        6, 29, 126, 10, 16, 35, 0, "B", "Parasomnia Research Unit", dt.date(2026, 3, 11), True
    ),
}
NAMES = sorted(EXPECTED)
ZIPPED = [name for name in NAMES if name != "parasomnia-research-unit"]


def plan_path(name: str) -> Path:
    """The plan's zip when its folder holds one, else the (flat run) folder itself."""
    folder = SHARED_PLANS / name
    zips = sorted(folder.glob("*.zip"))
    return zips[0] if len(zips) == 1 else folder


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {name: read_plan(plan_path(name)) for name in NAMES}


def raw_dependency_entries(name: str) -> list[dict[str, object]]:
    """task_dependency_details straight from the file, without the reader."""
    path = plan_path(name)
    if path.is_dir():
        (file,) = path.glob("*task_dependencies_raw.json")
        data = json.loads(file.read_bytes())
    else:
        with zipfile.ZipFile(path) as zf:
            (entry,) = [n for n in zf.namelist() if n.endswith("-task_dependencies_raw.json")]
            data = json.loads(zf.read(entry))
    return data["task_dependency_details"]


@pytest.mark.parametrize("name", NAMES)
def test_reads_with_the_published_counts(plans: dict[str, Plan], name: str) -> None:
    plan, want = plans[name], EXPECTED[name]
    assert (len(plan.phases), len(plan.subtasks), len(plan.detailed_tasks)) == (
        want.phases,
        want.subtasks,
        want.detailed,
    )
    assert plan.nodes[0].depth == 0 and plan.nodes[0].code == ""
    assert plan.title == want.title
    assert plan.plan_date == want.plan_date
    assert plan.prompt and "Today's date" not in plan.prompt
    assert plan.source.era == want.era
    assert plan.source.complete_marker is want.complete
    assert not plan.warnings


@pytest.mark.parametrize("name", NAMES)
def test_dependencies(plans: dict[str, Plan], name: str) -> None:
    plan, want = plans[name], EXPECTED[name]
    entries = raw_dependency_entries(name)
    assert len(entries) == want.dep_entries
    pairs = {(e["dependent_task_id"], t) for e in entries for t in e["depends_on_task_id_list"]}  # type: ignore[union-attr]
    assert len(plan.dependencies) == len(pairs) == want.dep_pairs
    assert {(d.dependent, d.depends_on) for d in plan.dependencies} == pairs
    assert all(plan.by_id[d.dependent].depth == 2 for d in plan.dependencies)


@pytest.mark.parametrize("name", NAMES)
def test_durations_on_phases_and_subtasks_and_split_below(
    plans: dict[str, Plan], name: str
) -> None:
    plan, want = plans[name], EXPECTED[name]
    estimated = [n for n in plan.nodes if n.estimate.source == "planexe"]
    assert len(estimated) == want.durations
    assert all(n.depth in (1, 2) for n in estimated)
    assert all(n.estimate.source == "planexe" for n in plan.phases + plan.subtasks)
    assert sum(1 for n in estimated if n.estimate.ongoing) == want.ongoing
    for task in plan.detailed_tasks:
        assert task.estimate.source == "split"
        assert task.estimate.ongoing or (task.estimate.realistic or 0) >= 1
        parent = plan.by_id[task.parent_id or ""]
        if parent.estimate.realistic is not None:
            share = -(-parent.estimate.realistic // len(parent.children))
            assert task.estimate.realistic == max(1, share)


@pytest.mark.parametrize("name", NAMES)
def test_wbs_codes_unique_and_well_formed(plans: dict[str, Plan], name: str) -> None:
    plan = plans[name]
    codes = [n.code for n in plan.nodes]
    assert len(set(codes)) == len(codes)
    assert len({n.id for n in plan.nodes}) == len(plan.nodes)
    for node in plan.nodes[1:]:
        assert re.fullmatch(r"[1-9]\d*(\.[1-9]\d*){0,2}", node.code)
        assert node.code.count(".") + 1 == node.depth
    depths = [n.depth for n in plan.nodes]
    assert all(b <= a + 1 for a, b in itertools.pairwise(depths))  # pre-order


@pytest.mark.parametrize("name", ["paperclip-automation", "parasomnia-research-unit"])
def test_gantt_dates_where_the_run_has_the_csv(plans: dict[str, Plan], name: str) -> None:
    plan = plans[name]
    assert plan.start_date == plan.plan_date
    assert all(n.start and n.end and n.start <= n.end for n in plan.nodes)
    assert plan.root.start == plan.start_date


@pytest.mark.parametrize("name", NAMES)
def test_context_and_attachments(plans: dict[str, Plan], name: str) -> None:
    plan = plans[name]
    assert plan.assessment.verdict == "proceed_with_caution"
    assert plan.assumptions and plan.criticism and plan.regulatory.permits_and_licenses
    logical = {a.logical_name for a in plan.attachments}
    assert "plan.txt" in logical
    assert ("report.html" in logical) is (name != "us-mexico-canal")
    if name != "us-mexico-canal":
        assert len(plan.team) == 8 and plan.risks and plan.documents_to_create
        assert plan.purpose == "business" and plan.plan_type == "physical"
    assert all(a.logical_name.endswith((".md", ".html", ".txt")) for a in plan.attachments)


@pytest.mark.parametrize("name", NAMES)
def test_reading_is_deterministic_and_fast(plans: dict[str, Plan], name: str) -> None:
    started = time.perf_counter()
    again = read_plan(plan_path(name))
    elapsed = time.perf_counter() - started
    assert again.source.digest == plans[name].source.digest
    assert again == plans[name]
    assert elapsed < 0.5, f"reading {name} took {elapsed:.2f} s"


@pytest.mark.parametrize("name", ZIPPED)
def test_zip_and_unpacked_folder_give_the_same_plan(
    plans: dict[str, Plan], name: str, tmp_path: Path
) -> None:
    with zipfile.ZipFile(plan_path(name)) as zf:
        zf.extractall(tmp_path)
    (folder,) = [p for p in tmp_path.iterdir() if p.name != "__MACOSX"]
    unpacked = read_plan(folder)
    zipped = plans[name]
    assert (zipped.source.layout, unpacked.source.layout) == ("wrapped-zip", "directory")
    assert unpacked.model_dump(exclude={"source"}) == zipped.model_dump(exclude={"source"})
    assert unpacked.attachments == zipped.attachments
    keep = {"layout", "path"}
    assert unpacked.source.model_dump(exclude=keep) == zipped.source.model_dump(exclude=keep)


def test_files_the_reader_does_not_use_are_never_parsed(
    plans: dict[str, Plan], tmp_path: Path
) -> None:
    """Corrupting the 4 MB self-audit and the per-chunk WBS/criticism drafts changes nothing:
    they are neither parsed nor part of the digest."""
    source = plan_path("parasomnia-research-unit")
    folder = tmp_path / "run"
    shutil.copytree(source, folder)
    assert (folder / "029-1-self_audit_raw.json").stat().st_size > 4_000_000
    for path in [folder / "029-1-self_audit_raw.json", *folder.glob("023-1-*-wbs_level3_raw.json")]:
        path.write_bytes(b"\x81 not JSON, not UTF-8")
    plan = read_plan(folder)
    assert plan == plans["parasomnia-research-unit"].model_copy(update={"source": plan.source})
    assert plan.source.digest == plans["parasomnia-research-unit"].source.digest
