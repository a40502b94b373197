"""What a run folder holds as the reader sees it, and when it counts as finished."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarm.errors import SwarmError
from swarm.watch.run_files import RunFiles, scan

FULL = "wbs_project_level1_and_level2_and_level3.json"
CSV = "wbs_project_level1_and_level2_and_level3.csv"


def files(*names: str) -> RunFiles:
    return RunFiles(Path("/run"), {n: (1, 0) for n in names})


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        (["plan.txt"], ""),
        (["plan.txt", "report.html"], ""),  # a report without a work breakdown
        (["plan.txt", FULL], ""),  # a work breakdown without a report
        (["pipeline_complete.txt"], "completion marker"),
        (["999-pipeline_complete.txt", "001-2-plan.txt"], "completion marker"),
        (["report.html", FULL], "report and work breakdown"),
        (["030-report.html", f"023-2-{FULL}"], "report and work breakdown"),
        (["report.md", "wbs_level1.json", "wbs_level2.json"], "report and work breakdown"),
        (["report.md", "wbs_level1.json"], ""),  # level 2 still to come
        (["report.html", CSV], "report and work breakdown"),
    ],
)
def test_finished_by_the_marker_or_a_report_and_a_wbs(names: list[str], reason: str) -> None:
    assert files(*names).finished_by() == reason


@pytest.mark.parametrize(
    ("names", "planexe"),
    [
        ([], True),  # a run that has just started
        (["plan.txt"], True),
        (["001-1-start_time.json"], True),
        (["notes.txt"], False),
        (["notes.txt", "photo.jpg"], False),
        (["notes.txt", "start_time.json"], True),
    ],
)
def test_a_folder_of_other_files_is_not_a_run(names: list[str], planexe: bool) -> None:
    assert files(*names).looks_like_planexe() is planexe


def test_scan_sees_what_the_reader_reads(tmp_path: Path) -> None:
    (tmp_path / "plan.txt").write_text("Plan:\nx\n")
    (tmp_path / "log.txt").write_text("a log PlanExe keeps appending to\n")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "__MACOSX").mkdir()
    seen = scan(tmp_path)
    assert seen.folder == tmp_path
    assert set(seen.files) == {"plan.txt"}
    size, mtime = seen.files["plan.txt"]
    assert size == 8 and mtime > 0
    assert seen.newest == pytest.approx((tmp_path / "plan.txt").stat().st_mtime, abs=1e-3)


def test_scan_descends_into_a_wrapper_folder(tmp_path: Path) -> None:
    inner = tmp_path / "20251114_paperclip"
    inner.mkdir()
    (inner / "plan.txt").write_text("Plan:\nx\n")
    seen = scan(tmp_path)
    assert seen.folder == inner and set(seen.files) == {"plan.txt"}


def test_scan_changes_when_a_file_grows(tmp_path: Path) -> None:
    (tmp_path / "plan.txt").write_text("Plan:\n")
    before = scan(tmp_path)
    with (tmp_path / "plan.txt").open("a") as out:
        out.write("more\n")
    assert scan(tmp_path) != before


def test_a_vanished_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SwarmError, match="disappeared"):
        scan(tmp_path / "gone")
