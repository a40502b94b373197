"""read_plan end to end on the tiny run: eras, layouts, determinism, attachments, SourceInfo."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from planexe import DEFAULT_LIMITS, Limits, Plan, read_plan
from planexe.reader import NOTABLE
from tests.planexe.planexe_fixtures import PLAN_TXT, build_run, write_zip


def without_source(plan: Plan) -> dict[str, object]:
    return plan.model_dump(exclude={"source"})


@pytest.mark.parametrize("era", ["A", "B", "C"])
def test_every_naming_era_reads_the_same_plan(run_dir: Callable[..., Path], era: str) -> None:
    reference = read_plan(run_dir("B"))
    plan = read_plan(run_dir(era))
    assert plan.nodes == reference.nodes
    assert plan.dependencies == reference.dependencies
    assert plan.model_dump(exclude={"source", "attachments"}) == reference.model_dump(
        exclude={"source", "attachments"}
    )
    assert plan.source.era == era
    assert not plan.warnings


def test_source_info(run_dir: Callable[..., Path]) -> None:
    info = read_plan(run_dir("C")).source
    assert (info.layout, info.era, info.pipeline_version, info.complete_marker) == (
        "directory",
        "C",
        2,
        True,
    )
    assert "wbs_project_level1_and_level2_and_level3.json" in info.files
    assert "task_durations_raw.json" in info.files  # chunk families are listed once
    assert "log.txt" not in info.files
    assert info.missing == ()
    assert len(info.digest) == 64


def test_missing_lists_notable_absent_files(run_dir: Callable[..., Path]) -> None:
    info = read_plan(
        run_dir(omit=["report.html", "pipeline_complete.txt", "start_time.json"])
    ).source
    assert info.missing == ("start_time.json", "report.html", "pipeline_complete.txt")
    assert not info.complete_marker
    assert set(info.missing) <= set(NOTABLE)


def test_zip_and_folder_give_the_same_plan(
    run_dir: Callable[..., Path], run_zip: Callable[..., Path]
) -> None:
    folder = read_plan(run_dir())
    for archive in (run_zip(), run_zip(wrapper="20251114_tiny", junk=True)):
        plan = read_plan(archive)
        assert without_source(plan) == without_source(folder)
        assert plan.attachments == folder.attachments  # bytes included
        assert plan.source.model_dump(exclude={"layout", "path"}) == folder.source.model_dump(
            exclude={"layout", "path"}
        )


def test_reading_is_deterministic(run_zip: Callable[..., Path]) -> None:
    path = run_zip()
    first, second = read_plan(path), read_plan(path)
    assert first == second
    assert first.source.digest == second.source.digest


def test_digest_follows_the_content_that_was_used(run_dir: Callable[..., Path]) -> None:
    base = read_plan(run_dir()).source.digest
    unused = {"029-1-self_audit_raw.json": b'{"responses": {}}', "notes.bin": b"\x00\xff"}
    assert read_plan(run_dir(extra=unused)).source.digest == base
    changed = read_plan(run_dir(replace={"plan.txt": PLAN_TXT.replace("tiny", "small").encode()}))
    assert changed.source.digest != base
    renamed = read_plan(run_dir("A")).source.digest  # same bytes under era-A names
    assert renamed == base


def test_attachments(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    names = [(a.logical_name, a.source_name) for a in plan.attachments]
    assert names == [
        ("expert_criticism.md", "016-2-expert_criticism.md"),
        ("plan.txt", "001-2-plan.txt"),
        ("related_resources.md", "007-8-related_resources.md"),
        ("report.html", "030-1-report.html"),
        ("report.md", "030-2-report.md"),
        ("team.md", "013-1-team.md"),
    ]
    files = build_run()
    for a in plan.attachments:
        assert a.content == files[a.source_name]
        assert (a.size, a.sha256) == (len(a.content), hashlib.sha256(a.content).hexdigest())
    assert "content" not in plan.attachments[0].model_dump()


def test_other_html_files_are_not_attachments(run_dir: Callable[..., Path]) -> None:
    extra = {
        "026-2-schedule_gantt_dhtmlx.html": b"<html/>",
        "027-3-questions_and_answers.html": b"x",
    }
    plan = read_plan(run_dir(extra=extra))
    assert all(a.logical_name != "schedule_gantt_dhtmlx.html" for a in plan.attachments)
    assert "schedule_gantt_dhtmlx.html" in plan.source.files


def test_two_files_for_one_logical_name_warn(run_dir: Callable[..., Path]) -> None:
    old = {"004-distill_assumptions.json": b'{"assumption_list": ["old"]}'}
    plan = read_plan(run_dir(extra=old))
    assert plan.assumptions == ("Parts exist.", "Budget is 10.")  # the current name wins
    assert [(w.code, w.file) for w in plan.warnings] == [
        ("duplicate-file", "003-6-distill_assumptions_raw.json")
    ]


def test_default_limits() -> None:
    assert Limits() == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.max_file_bytes == 64 * 1024 * 1024
    assert DEFAULT_LIMITS.max_total_bytes == 512 * 1024 * 1024
    assert DEFAULT_LIMITS.max_ratio == 100


def test_plan_navigation_helpers(tmp_path: Path) -> None:
    plan = read_plan(write_zip(tmp_path / "p.zip", build_run()))
    assert [n.id for n in plan.phases] == ["p1", "p2"]
    assert len(plan.subtasks) == 4 and len(plan.detailed_tasks) == 8
    assert [n.id for n in plan.ancestors("t212")] == ["s21", "p2", "r0"]
