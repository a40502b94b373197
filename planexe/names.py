"""Logical file names: strip PlanExe's numeric prefixes, find chunk indices, apply renames.

PlanExe re-numbered its output files many times, so a file is identified by its *logical name*
(the part after the numeric prefix), never by its number. See docs/planexe_format.md §2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Era = Literal["A", "B", "C", "unknown"]

_PREFIXED = re.compile(r"^(\d{3})((?:-\d+)*)-(.+)$")
_FAMILIES = (
    "expert_criticism",
    "task_durations",
    "wbs_level3",
    "draft_documents_to_find",
    "draft_documents_to_create",
)
_V2_CHUNK = re.compile(rf"^({'|'.join(_FAMILIES)})_(\d+)_raw\.json$")

#: Logical names of the files produced in chunks (`{}` in PlanExe's FilenameEnum).
CHUNK_FAMILIES = frozenset(f"{family}_raw.json" for family in _FAMILIES)

#: Old logical name → current logical name (renames across PlanExe versions).
ALIASES: dict[str, str] = {
    "distill_assumptions.json": "distill_assumptions_raw.json",
    "project_plan.json": "project_plan_raw.json",
    "pitch.json": "pitch_raw.json",
    "redline_gate.json": "redline_gate_raw.json",
    "premise_attack.json": "premise_attack_raw.json",
    "deduplicated_levers_raw.json": "triaged_levers_raw.json",
    "schedule_mermaid_gantt.html": "schedule_gantt_mermaid.html",
    "schedule_dhtmlx_gantt.html": "schedule_gantt_dhtmlx.html",
    "expected_filenames1.json": "expected_filenames.json",
}

#: Files that are never read, listed or copied (secrets, huge traces, token accounting).
IGNORED = frozenset(
    {"log.txt", "track_activity.jsonl", "usage_metrics.jsonl", "activity_overview.json"}
)


@dataclass(frozen=True)
class FileName:
    """What a basename means: its logical name, chunk index and numeric prefix."""

    basename: str
    logical: str
    chunk: int | None = None
    numbers: tuple[int, ...] = ()  # the numeric prefix groups, e.g. (23, 1, 35)
    renamed_from: str = ""  # the old logical name when an alias applied


def parse_name(basename: str) -> FileName:
    """The logical name of one basename (§2 of the format notes)."""
    name = basename
    numbers: tuple[int, ...] = ()
    match = _PREFIXED.match(basename)
    if match:
        name = match.group(3)
        numbers = tuple(int(n) for n in (match.group(1) + match.group(2)).split("-"))
    chunk: int | None = None
    v2 = _V2_CHUNK.match(name)
    if v2:
        name, chunk = f"{v2.group(1)}_raw.json", int(v2.group(2))
    elif name in CHUNK_FAMILIES and len(numbers) > 1:
        chunk = numbers[-1]
    logical = ALIASES.get(name, name)
    renamed_from = name if logical != name else ""
    return FileName(basename, logical, chunk, numbers, renamed_from)


def is_junk(basename: str) -> bool:
    """Dot-files (`.DS_Store`, `._x` from macOS) and empty names are not part of a plan."""
    return not basename or basename.startswith(".")


def is_ignored(basename: str) -> bool:
    return parse_name(basename).logical in IGNORED


def detect_era(names: Iterable[FileName], pipeline_version: int | None) -> Era:
    """Naming era, for information only: C = unprefixed (pipeline v2), B = `NNN-K-name`,
    A = `NNN-name` (chunk files `NNN-{n}-name` do not count as B)."""
    if pipeline_version is not None and pipeline_version >= 2:
        return "C"
    shapes = {_shape(n) for n in names}
    if "B" in shapes:
        return "B"
    if "A" in shapes:
        return "A"
    return "C" if "C" in shapes else "unknown"


def _shape(name: FileName) -> str:
    if not name.numbers:
        return "C" if name.logical.endswith((".json", ".txt")) else ""
    plain = len(name.numbers) - (1 if name.chunk is not None else 0)
    return "B" if plain >= 2 else "A"
