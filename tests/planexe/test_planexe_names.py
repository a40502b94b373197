"""Logical names (§2 of the format notes): prefixes, chunk indices, aliases, eras."""

from __future__ import annotations

import pytest

from planexe.names import IGNORED, detect_era, is_ignored, is_junk, parse_name


@pytest.mark.parametrize(
    ("basename", "logical", "chunk"),
    [
        ("023-2-wbs_level3.json", "wbs_level3.json", None),
        ("024-wbs_level3.json", "wbs_level3.json", None),
        ("022-1-12-task_durations_raw.json", "task_durations_raw.json", 12),
        ("021-5-task_durations_raw.json", "task_durations_raw.json", 5),
        ("task_durations_12_raw.json", "task_durations_raw.json", 12),
        ("wbs_level3_5_raw.json", "wbs_level3_raw.json", 5),
        ("023-23-wbs_level3_raw.json", "wbs_level3_raw.json", 23),
        ("023-1-35-wbs_level3_raw.json", "wbs_level3_raw.json", 35),
        ("012-1-expert_criticism_raw.json", "expert_criticism_raw.json", 1),
        ("016-1-2-expert_criticism_raw.json", "expert_criticism_raw.json", 2),
        ("expert_criticism_1_raw.json", "expert_criticism_raw.json", 1),
        ("017-11-3-draft_documents_to_find_raw.json", "draft_documents_to_find_raw.json", 3),
        ("draft_documents_to_create_4_raw.json", "draft_documents_to_create_raw.json", 4),
        ("007-8-related_resources.md", "related_resources.md", None),
        ("018-2-wbs_level1.json", "wbs_level1.json", None),
        ("018-2-wbs_level2_raw.json", "wbs_level2_raw.json", None),
        ("018-3-wbs_level1_project_title.json", "wbs_level1_project_title.json", None),
        ("022-2-task_durations.json", "task_durations.json", None),
        ("003-1-identify_risks_raw.json", "identify_risks_raw.json", None),
        ("001-plan.txt", "plan.txt", None),
        ("001-2-plan.txt", "plan.txt", None),
        ("plan.txt", "plan.txt", None),
        ("001-3-planexe_metadata.json", "planexe_metadata.json", None),
        ("999-pipeline_complete.txt", "pipeline_complete.txt", None),
    ],
)
def test_logical_name_and_chunk(basename: str, logical: str, chunk: int | None) -> None:
    name = parse_name(basename)
    assert (name.logical, name.chunk) == (logical, chunk)
    assert not name.renamed_from


def test_numeric_groups_are_kept_but_never_identify_the_file() -> None:
    assert parse_name("022-1-12-task_durations_raw.json").numbers == (22, 1, 12)
    assert parse_name("plan.txt").numbers == ()
    # the same prefix on two different files (May-2025 runs)
    assert (
        parse_name("018-2-wbs_level1.json").logical
        != parse_name("018-2-wbs_level2_raw.json").logical
    )


@pytest.mark.parametrize(
    ("basename", "logical"),
    [
        ("004-distill_assumptions.json", "distill_assumptions_raw.json"),
        ("007-project_plan.json", "project_plan_raw.json"),
        ("019-pitch.json", "pitch_raw.json"),
        ("002-1-redline_gate.json", "redline_gate_raw.json"),
        ("002-3-premise_attack.json", "premise_attack_raw.json"),
        ("002-11-deduplicated_levers_raw.json", "triaged_levers_raw.json"),
        ("026-1-schedule_mermaid_gantt.html", "schedule_gantt_mermaid.html"),
        ("026-2-schedule_dhtmlx_gantt.html", "schedule_gantt_dhtmlx.html"),
        ("expected_filenames1.json", "expected_filenames.json"),
    ],
)
def test_aliases_map_old_names_to_current_ones(basename: str, logical: str) -> None:
    name = parse_name(basename)
    assert name.logical == logical
    assert name.renamed_from and name.renamed_from != logical


@pytest.mark.parametrize("prefix", ["016", "022", "023", "024", "026", "027", "028", "029", "030"])
def test_every_numbered_report_is_report_html(prefix: str) -> None:
    assert parse_name(f"{prefix}-report.html").logical == "report.html"


def test_current_names_are_not_renamed() -> None:
    for basename in ("redline_gate_raw.json", "003-6-distill_assumptions_raw.json", "report.html"):
        assert parse_name(basename).renamed_from == ""


def test_junk_and_ignored_files() -> None:
    assert is_junk(".DS_Store") and is_junk("._030-report.html") and is_junk("")
    assert not is_junk("030-report.html")
    for name in (
        "log.txt",
        "track_activity.jsonl",
        "usage_metrics.jsonl",
        "activity_overview.json",
    ):
        assert is_ignored(name)
    assert len(IGNORED) == 4
    assert not is_ignored("001-2-plan.txt")


@pytest.mark.parametrize(
    ("basenames", "version", "era"),
    [
        (["001-plan.txt", "015-wbs_level1.json", "021-5-task_durations_raw.json"], None, "A"),
        (["001-plan.txt", "018-2-wbs_level1.json", "expected_filenames1.json"], None, "B"),
        (["001-2-plan.txt", "023-3-wbs_project_level1_and_level2_and_level3.json"], 1, "B"),
        (["plan.txt", "wbs_level1.json", "task_durations_3_raw.json"], None, "C"),
        (["plan.txt", "wbs_level1.json"], 2, "C"),
        (["notes.html"], None, "unknown"),
    ],
)
def test_era_detection(basenames: list[str], version: int | None, era: str) -> None:
    assert detect_era([parse_name(b) for b in basenames], version) == era
