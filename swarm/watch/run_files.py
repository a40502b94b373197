"""What a PlanExe run folder holds right now, as the reader would see it, and whether the run
has finished (docs/planexe_format.md §1): the completion marker, or a report and a work
breakdown (curated runs often lack the marker). Whether the files are complete, not still being
written, is judged by the caller from how long they stayed unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from planexe.names import is_ignored, is_junk, parse_name
from planexe.reader import NOTABLE
from planexe.wbs import CSV, FULL, LEVEL12
from swarm.errors import SwarmError

MARKER = "pipeline_complete.txt"
REPORTS = ("report.html", "report.md")
#: Every logical name that can start a run folder, so an unprefixed folder can be recognised.
KNOWN = frozenset(
    {
        *NOTABLE,
        *REPORTS,
        FULL,
        LEVEL12,
        CSV,
        "wbs_level1.json",
        "wbs_level2.json",
        "wbs_level3.json",
        "planexe_metadata.json",
        "expected_filenames.json",
        "pipeline_stop_requested.txt",
    }
)


@dataclass(frozen=True)
class RunFiles:
    """The reader's view of a run folder: basename -> (size, mtime in ns) of the plan files
    (junk and the files the reader ignores, such as a growing log.txt, are left out)."""

    folder: Path
    files: Mapping[str, tuple[int, int]]

    @property
    def logical(self) -> frozenset[str]:
        return frozenset(parse_name(name).logical for name in self.files)

    @property
    def newest(self) -> float:
        """The newest modification time (seconds since the epoch), 0 without files."""
        return max((mtime for _, mtime in self.files.values()), default=0) / 1e9

    def looks_like_planexe(self) -> bool:
        """Empty (a run that has just started), or at least one file PlanExe writes."""
        if not self.files:
            return True
        return any(parse_name(n).numbers or parse_name(n).logical in KNOWN for n in self.files)

    def finished_by(self) -> str:
        """What shows the run has finished, or '' while it has not."""
        names = self.logical
        if MARKER in names:
            return "completion marker"
        components = {"wbs_level1.json", "wbs_level2.json"}
        has_wbs = bool({FULL, LEVEL12, CSV} & names) or components <= names
        if has_wbs and set(REPORTS) & names:
            return "report and work breakdown"
        return ""


def scan(run_dir: Path) -> RunFiles:
    """The plan files of `run_dir`, or of its one sub-folder when it holds only that (an
    unpacked wrapped zip), as the reader does."""
    files, subdirs = _scan(run_dir)
    if not files and len(subdirs) == 1:
        inner = run_dir / subdirs[0]
        return RunFiles(inner, _scan(inner)[0])
    return RunFiles(run_dir, files)


def _scan(folder: Path) -> tuple[dict[str, tuple[int, int]], list[str]]:
    files: dict[str, tuple[int, int]] = {}
    subdirs: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if is_junk(entry.name) or entry.name == "__MACOSX" or is_ignored(entry.name):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append(entry.name)
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # removed since it was listed (a temporary file)
                    continue
                files[entry.name] = (info.st_size, info.st_mtime_ns)
    except FileNotFoundError:
        raise SwarmError(f"{folder}: the run folder disappeared while it was watched") from None
    except OSError as exc:
        raise SwarmError(f"{folder}: cannot be listed: {exc.strerror}") from None
    return files, sorted(subdirs)
