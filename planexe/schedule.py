"""Durations (per phase and subtask, split down to detailed tasks) and Gantt start/end dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from typing import Any

from planexe import coerce
from planexe.catalog import Catalog
from planexe.diagnostics import Diagnostics
from planexe.model import Estimate
from planexe.wbs import Tree

DURATIONS = "task_durations.json"
DURATION_CHUNKS = "task_durations_raw.json"
GANTT_CSV = "schedule_gantt_machai.csv"
_KEYS = ("days_min", "days_realistic", "days_max")


@dataclass(frozen=True)
class Duration:
    """PlanExe's estimate for one node plus the risk notes that come with it."""

    estimate: Estimate
    delay_risks: str = ""
    mitigation: str = ""


# --------------------------------------------------------------------------- durations


def load_durations(cat: Catalog, tree: Tree, diag: Diagnostics) -> dict[str, Duration]:
    """Node id → Duration from task_durations.json, else from its chunk files."""
    found = _duration_entries(cat, diag)
    if found is None:
        return {}
    entries, file = found
    return parse_durations(entries, {n.id for n in tree.nodes}, file, diag)


def _duration_entries(cat: Catalog, diag: Diagnostics) -> tuple[list[Any], str] | None:
    whole = cat.load(DURATIONS)
    if whole is not None:
        name, data = whole
        if isinstance(data, list):
            return data, name.basename
        diag.warn("unexpected-shape", "is not a list of task durations; ignored", name.basename)
        return None
    chunks = cat.files(DURATION_CHUNKS)
    if not chunks:
        return None
    entries: list[Any] = []
    for name in chunks:
        details = coerce.mapping(cat.json(name)).get("task_details")
        if not isinstance(details, list):
            diag.warn("unexpected-shape", "has no 'task_details' list; ignored", name.basename)
            continue
        entries.extend(details)
    return entries, f"{DURATION_CHUNKS} (chunks)"


def parse_durations(
    entries: list[Any], known: set[str], file: str, diag: Diagnostics
) -> dict[str, Duration]:
    """First entry per known task id wins; duplicates, unknown ids and junk entries warn."""
    out: dict[str, Duration] = {}
    for i, entry in enumerate(entries):
        task_id = coerce.identifier(entry.get("task_id")) if isinstance(entry, dict) else ""
        if not task_id:
            diag.warn("bad-duration", f"entry {i} has no task_id; ignored", file)
        elif task_id not in known:
            diag.warn("unknown-duration-task", f"entry {i} is for unknown task {task_id!r}", file)
        elif task_id in out:
            diag.warn(
                "duplicate-duration", f"task {task_id!r} has a second entry; kept the first", file
            )
        else:
            assert isinstance(entry, dict)
            out[task_id] = duration_of(entry)
    return out


def duration_of(entry: dict[str, Any]) -> Duration:
    values = [days(entry.get(key)) for key in _KEYS]
    estimate = Estimate(
        min=values[0][0],
        realistic=values[1][0],
        max=values[2][0],
        ongoing=any(ongoing for _, ongoing in values),
        source="planexe",
    )
    return Duration(
        estimate,
        coerce.text(entry.get("delay_risks")),
        coerce.text(entry.get("mitigation_strategy")),
    )


def days(value: Any) -> tuple[int | None, bool]:
    """(days, ongoing): a negative figure (PlanExe's -1) means ongoing / not applicable."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None, False
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, False
    if value < 0:
        return None, True
    return math.ceil(value), False


def split_estimates(tree: Tree, own: dict[str, Estimate]) -> dict[str, Estimate]:
    """Every node's estimate: its own, else its parent's split evenly over the parent's children
    the way PlanExe's scheduler does (each value: max(1, ceil(parent / n_children)))."""
    out: dict[str, Estimate] = {}
    by_id = {n.id: n for n in tree.nodes}
    for node in tree.nodes:  # pre-order: parents come first
        if node.id in own:
            out[node.id] = own[node.id]
            continue
        parent = out.get(node.parent_id) if node.parent_id else None
        if parent is None or parent.source == "none":
            out[node.id] = Estimate()
            continue
        n = len(by_id[node.parent_id].children) if node.parent_id else 1
        out[node.id] = Estimate(
            min=_share(parent.min, n),
            realistic=_share(parent.realistic, n),
            max=_share(parent.max, n),
            ongoing=parent.ongoing,
            source="split",
        )
    return out


def _share(days_: int | None, n: int) -> int | None:
    return None if days_ is None else max(1, math.ceil(days_ / n))


# --------------------------------------------------------------------------- Gantt dates


def load_dates(
    cat: Catalog, tree: Tree, diag: Diagnostics
) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """Node id → (start, end) from schedule_gantt_machai.csv, when the run has one."""
    found = cat.load_text(GANTT_CSV)
    if found is None:
        return {}
    name, text = found
    return parse_gantt_csv(text, {n.id for n in tree.nodes}, name.basename, diag)


def parse_gantt_csv(
    text: str, known: set[str], file: str, diag: Diagnostics
) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = {"project_key", "project_start_date", "project_end_date"}
    if not columns <= set(reader.fieldnames or ()):
        diag.warn("unexpected-shape", f"lacks the columns {sorted(columns)}; ignored", file)
        return {}
    out: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    for row in reader:
        key = (row.get("project_key") or "").strip()
        if key in known and key not in out:
            start = _mdy(row.get("project_start_date"), file, diag)
            end = _mdy(row.get("project_end_date"), file, diag)
            out[key] = (start, end)
    return out


def _mdy(value: str | None, file: str, diag: Diagnostics) -> dt.date | None:
    """`11/14/2025` → date; blank → None; anything else warns."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        month, day, year = (int(part) for part in value.split("/"))
        return dt.date(year, month, day)
    except ValueError:
        diag.warn("bad-gantt-date", f"date {value!r} is not M/D/YYYY; ignored", file)
        return None
