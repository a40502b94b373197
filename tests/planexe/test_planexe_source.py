"""Opening folders and zips: layouts, junk, and every unsafe or broken input → PlanError."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from planexe import Limits, PlanError, read_plan
from planexe.source import _Budget, _read_bounded
from tests.planexe.planexe_fixtures import build_run, file_name, write_dir, write_zip

WBS = "wbs_project_level1_and_level2_and_level3.json"
MiB = 1024 * 1024


def add_entries(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)  # keeps the name as given, unlike ZipFile.write
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def plan_error(path: Path, limits: Limits | None = None) -> PlanError:
    with pytest.raises(PlanError) as err:
        read_plan(path) if limits is None else read_plan(path, limits)
    return err.value


# --------------------------------------------------------------------------- layouts


def test_folder_flat_zip_and_wrapped_zip_layouts(
    run_dir: Callable[..., Path], run_zip: Callable[..., Path]
) -> None:
    assert read_plan(run_dir()).source.layout == "directory"
    assert read_plan(run_zip()).source.layout == "flat-zip"
    wrapped = read_plan(run_zip(wrapper="20251114_tiny", junk=True))
    assert wrapped.source.layout == "wrapped-zip"
    assert ".DS_Store" not in wrapped.source.files
    assert all(not f.startswith("._") for f in wrapped.source.files)


def test_a_folder_holding_one_unpacked_wrapper_folder_is_read(tmp_path: Path) -> None:
    write_dir(tmp_path / "outer" / "20251114_tiny", build_run())
    (tmp_path / "outer" / "__MACOSX").mkdir()
    (tmp_path / "outer" / ".DS_Store").write_bytes(b"junk")
    assert len(read_plan(tmp_path / "outer").detailed_tasks) == 8


def test_a_pathlike_or_a_string_path_is_accepted(run_dir: Callable[..., Path]) -> None:
    path = run_dir()
    assert read_plan(str(path)).source.path == str(path)


# --------------------------------------------------------------------------- not a plan


def test_missing_path(tmp_path: Path) -> None:
    err = plan_error(tmp_path / "nowhere.zip")
    assert err.file == str(tmp_path / "nowhere.zip")
    assert "does not exist" in err.message


def test_a_text_file_is_neither_folder_nor_zip(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("Plan:\nnot a run\n")
    err = plan_error(path)
    assert err.file == str(path) and err.message == "is neither a folder nor a zip archive"


def test_truncated_zip(run_zip: Callable[..., Path]) -> None:
    path = run_zip()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    err = plan_error(path)
    assert err.file == str(path)
    assert "not a readable zip archive (truncated or corrupt)" in err.message


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "contains no plan files" in plan_error(tmp_path / "empty").message


def test_folder_with_only_ignored_and_junk_files(tmp_path: Path) -> None:
    write_dir(tmp_path / "run", {"log.txt": b"x", ".DS_Store": b"x", "track_activity.jsonl": b"x"})
    assert "contains no plan files" in plan_error(tmp_path / "run").message


def test_empty_zip(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "empty.zip", {})
    assert "contains no plan files" in plan_error(path).message


def test_zip_with_only_junk(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "junk.zip", {}, wrapper="20251114_x", junk=True)
    assert "contains no plan files" in plan_error(path).message


# --------------------------------------------------------------------------- unsafe zips


@pytest.mark.parametrize(
    "entry", ["../evil.json", "run/../../evil.json", "/etc/evil.json", "C:\\evil.json", "..\\x.md"]
)
def test_zip_entry_with_parent_or_absolute_path(run_zip: Callable[..., Path], entry: str) -> None:
    err = plan_error(add_entries(run_zip(), {entry: b"{}"}))
    assert err.file == entry
    assert "absolute or '..' path" in err.message


def test_traversal_is_refused_even_inside_macos_junk(run_zip: Callable[..., Path]) -> None:
    err = plan_error(add_entries(run_zip(), {"__MACOSX/../../x": b""}))
    assert "'..' path" in err.message


def test_symlink_entry_in_zip(run_zip: Callable[..., Path]) -> None:
    path = run_zip()
    info = zipfile.ZipInfo("extra_notes.md")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(info, "/etc/passwd")
    err = plan_error(path)
    assert err.file == "extra_notes.md" and "symbolic link" in err.message


def test_zip_bomb_by_compression_ratio(run_zip: Callable[..., Path]) -> None:
    path = add_entries(run_zip(), {"swot_analysis.md": bytes(4 * MiB)})
    err = plan_error(path)
    assert err.file == "swot_analysis.md"
    assert "zip bomb" in err.message and ":1" in err.message


def test_zip_bomb_by_total_size(run_zip: Callable[..., Path]) -> None:
    err = plan_error(run_zip(), Limits(max_total_bytes=4096))
    assert "add up to" in err.message and "4.0 KiB limit" in err.message


def test_entry_that_unpacks_to_more_than_declared(run_zip: Callable[..., Path]) -> None:
    path = run_zip()
    target = file_name(WBS, "B").encode()
    data = bytearray(path.read_bytes())
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        head = data.index(signature)
        while not _names_entry(data, head, signature, target):
            head = data.index(signature, head + 4)
        struct.pack_into("<I", data, head + size_at, 100)  # claim 100 bytes
    path.write_bytes(bytes(data))
    err = plan_error(path)
    assert err.file.endswith(WBS)
    assert "declared size" in err.message or "cannot be unpacked" in err.message


def _names_entry(data: bytearray, head: int, signature: bytes, name: bytes) -> bool:
    name_at, len_at = (30, 26) if signature == b"PK\x03\x04" else (46, 28)
    (length,) = struct.unpack_from("<H", data, head + len_at)
    return bytes(data[head + name_at : head + name_at + length]) == name


def test_bounded_read_stops_past_the_cap() -> None:
    budget = _Budget(Limits())
    with pytest.raises(PlanError, match="too much"):
        _read_bounded(io.BytesIO(bytes(3 * MiB)), 2 * MiB, "x.json", budget, "too much")
    assert budget.used <= 3 * MiB


def test_the_bytes_actually_read_count_against_the_total(run_dir: Callable[..., Path]) -> None:
    budget = _Budget(Limits(max_total_bytes=10))
    with pytest.raises(PlanError, match="total size"):
        _read_bounded(io.BytesIO(bytes(11)), 100, "x.json", budget, "too much")


def test_same_basename_in_two_folders_is_ambiguous(tmp_path: Path) -> None:
    files = build_run()
    path = write_zip(tmp_path / "two.zip", files, wrapper="a")
    add_entries(path, {"b/001-2-plan.txt": b"Plan:\nother\n"})
    err = plan_error(path)
    assert err.file == str(path)
    assert "001-2-plan.txt" in err.message and "ambiguous" in err.message


def test_too_many_entries(run_zip: Callable[..., Path], run_dir: Callable[..., Path]) -> None:
    assert "over the limit of 5" in plan_error(run_zip(), Limits(max_entries=5)).message
    assert "more than 5 files" in plan_error(run_dir(), Limits(max_entries=5)).message


# --------------------------------------------------------------------------- unsafe folders


def test_symlink_in_folder(run_dir: Callable[..., Path]) -> None:
    path = run_dir()
    os.symlink("/etc/passwd", path / "notes.md")
    err = plan_error(path)
    assert err.file == str(path / "notes.md") and "symbolic link" in err.message


def test_symlinked_folder_in_folder(run_dir: Callable[..., Path], tmp_path: Path) -> None:
    path = run_dir()
    os.symlink(tmp_path, path / "elsewhere")
    assert "symbolic link" in plan_error(path).message


def test_fifo_in_folder_is_not_a_regular_file(run_dir: Callable[..., Path]) -> None:
    path = run_dir()
    os.mkfifo(path / "pipe.json")
    assert plan_error(path).message == "is not a regular file"


# --------------------------------------------------------------------------- size limits


def padded_wbs() -> dict[str, bytes]:
    return {WBS: build_run("C")[WBS] + b" " * 50_000}


def test_file_over_the_size_limit_in_folder(run_dir: Callable[..., Path]) -> None:
    err = plan_error(run_dir(replace=padded_wbs()), Limits(max_file_bytes=20_000))
    assert err.file.endswith(file_name(WBS, "B"))
    assert "over the 19.5 KiB limit for one file" in err.message


def test_file_over_the_size_limit_in_zip(run_zip: Callable[..., Path]) -> None:
    err = plan_error(run_zip(replace=padded_wbs()), Limits(max_file_bytes=20_000))
    assert err.file == file_name(WBS, "B")
    assert "limit for one file" in err.message


def test_default_limits_read_the_padded_file(run_dir: Callable[..., Path]) -> None:
    assert read_plan(run_dir(replace=padded_wbs())).title == "Tiny Project"


def test_ignored_files_are_never_read(tmp_path: Path) -> None:
    """Huge, bomb-like log and trace files do not count: they are never opened."""
    big = {
        "log.txt": bytes(8 * MiB),
        "track_activity.jsonl": bytes(8 * MiB),
        "usage_metrics.jsonl": b"\x81\x00",
        "activity_overview.json": b"{not json",
    }
    limits = Limits(max_file_bytes=1 * MiB, max_total_bytes=2 * MiB, ratio_min_bytes=1024)
    folder = write_dir(tmp_path / "run", {**build_run(), **big})
    archive = write_zip(tmp_path / "run.zip", {**build_run(), **big}, wrapper="run")
    for path in (folder, archive):
        plan = read_plan(path, limits)
        assert not set(big) & set(plan.source.files)
        assert all(a.source_name not in big for a in plan.attachments)
        assert not plan.warnings
