"""Durations (whole file or chunks, -1, duplicates, split to detailed tasks) and Gantt dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from planexe import read_plan
from planexe.diagnostics import Diagnostics
from planexe.model import Estimate
from planexe.schedule import days, parse_durations, parse_gantt_csv, split_estimates
from planexe.wbs import Branch, flatten
from tests.planexe.planexe_fixtures import dumps

WHOLE = "task_durations.json"
CHUNKS = "task_durations_raw.json"


def estimate(lo: int | None, mid: int | None, hi: int | None, **kw: object) -> Estimate:
    return Estimate(min=lo, realistic=mid, max=hi, **kw)  # type: ignore[arg-type]


def test_phase_and_subtask_durations_with_risk_notes(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    p1 = plan.by_id["p1"]
    assert p1.estimate == estimate(10, 20, 30, source="planexe")
    assert (p1.delay_risks, p1.mitigation) == ("p1 may slip", "watch p1")
    assert plan.root.estimate == Estimate()  # PlanExe never estimates the project itself


def test_minus_one_means_ongoing(run_dir: Callable[..., Path]) -> None:
    s12 = read_plan(run_dir()).by_id["s12"]
    assert s12.estimate == estimate(None, 40, None, ongoing=True, source="planexe")


def test_detailed_tasks_get_the_schedulers_split(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    # s11 = 3/5/7 days over 3 children → ceil: 1/2/3
    for task_id in ("t111", "t112", "t113"):
        assert plan.by_id[task_id].estimate == estimate(1, 2, 3, source="split")
    # s12 = ongoing, 40 realistic, over 2 children
    assert plan.by_id["t121"].estimate == estimate(None, 20, None, ongoing=True, source="split")
    # s21 = 1/1/2 over 2 children → at least one day each
    assert plan.by_id["t211"].estimate == estimate(1, 1, 1, source="split")
    assert plan.by_id["t221"].estimate == estimate(4, 6, 9, source="split")
    assert plan.by_id["t221"].delay_risks == ""  # risk notes stay on the estimated node


def test_chunk_files_replace_a_missing_task_durations_json(run_dir: Callable[..., Path]) -> None:
    whole = read_plan(run_dir())
    chunked = read_plan(run_dir(omit=[WHOLE]))
    assert chunked.nodes == whole.nodes
    assert not chunked.warnings
    assert WHOLE in chunked.source.missing


@pytest.mark.parametrize("era", ["A", "B", "C"])
def test_chunks_are_found_in_every_era(run_dir: Callable[..., Path], era: str) -> None:
    plan = read_plan(run_dir(era, omit=[WHOLE]))
    assert plan.by_id["s22"].estimate.realistic == 6


def test_no_durations_at_all(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir(omit=[WHOLE, CHUNKS]))
    assert all(n.estimate == Estimate() for n in plan.nodes)


def test_duplicates_keep_the_first_and_warn() -> None:
    diag = Diagnostics()
    entries = [
        {"task_id": "a", "days_min": 1, "days_realistic": 2, "days_max": 3},
        {"task_id": "a", "days_min": 9, "days_realistic": 9, "days_max": 9},
        {"task_id": "zzz", "days_min": 1},
        {"days_min": 1},
        "junk",
    ]
    out = parse_durations(entries, {"a"}, "022-2-task_durations.json", diag)
    assert out["a"].estimate == estimate(1, 2, 3, source="planexe")
    assert [w.code for w in diag.items] == [
        "duplicate-duration",
        "unknown-duration-task",
        "bad-duration",
        "bad-duration",
    ]
    assert all(w.file == "022-2-task_durations.json" for w in diag.items)


def test_duplicate_in_a_real_file_warns(run_dir: Callable[..., Path]) -> None:
    rows = [{"task_id": "p1", "days_min": 1, "days_realistic": 1, "days_max": 1}] * 2
    plan = read_plan(run_dir(replace={WHOLE: dumps(rows)}))
    assert [w.code for w in plan.warnings] == ["duplicate-duration"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, (5, False)),
        (0, (0, False)),
        (-1, (None, True)),
        (2.5, (3, False)),
        ("7", (7, False)),
        ("-1", (None, True)),
        ("soon", (None, False)),
        (None, (None, False)),
        (True, (None, False)),
        (float("nan"), (None, False)),
    ],
)
def test_days(value: object, expected: tuple[int | None, bool]) -> None:
    assert days(value) == expected


def test_split_is_recursive_and_rounds_up() -> None:
    kids = [Branch(f"c{i}", "C", children=[Branch(f"g{i}", "G")]) for i in range(3)]
    tree = flatten(Branch("r", "R", children=[Branch("p", "P", children=kids)]), "", "f")
    out = split_estimates(tree, {"p": estimate(10, 1, None, source="planexe")})
    assert out["r"] == Estimate()
    assert out["c0"] == estimate(4, 1, None, source="split")
    assert out["g2"] == estimate(4, 1, None, source="split")


def test_gantt_dates_by_project_key(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    assert (plan.root.start, plan.root.end) == (dt.date(2025, 11, 14), dt.date(2026, 1, 9))
    assert plan.by_id["t111"].end == dt.date(2025, 11, 15)
    assert plan.by_id["s11"].start is None


def test_gantt_csv_oddities_warn() -> None:
    diag = Diagnostics()
    text = (
        "project_key,project_start_date,project_end_date\n"
        "a,13/45/2025,\nb,1/2/2025,1/3/2025\nnot-a-node,1/1/2025,1/1/2025\n"
    )
    out = parse_gantt_csv(text, {"a", "b"}, "g.csv", diag)
    assert out == {"a": (None, None), "b": (dt.date(2025, 1, 2), dt.date(2025, 1, 3))}
    assert [w.code for w in diag.items] == ["bad-gantt-date"]
    assert parse_gantt_csv("x,y\n1,2\n", {"a"}, "g.csv", diag) == {}
    assert diag.items[-1].code == "unexpected-shape"
