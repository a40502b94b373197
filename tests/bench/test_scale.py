"""bench/scale.py: the interleaved rounds, and the whole bench end to end on small plans."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import scale

ROOT = Path(__file__).resolve().parents[2]


def test_rounds_take_the_sizes_in_abba_order() -> None:
    order: list[int] = []
    runs = scale.interleaved([10, 100], 4, lambda n: order.append(n) or {"n": n})
    assert order == [10, 100, 100, 10, 10, 100, 100, 10]
    assert [r["n"] for r in runs[100]] == [100] * 4


def test_the_summary_takes_medians_and_each_rounds_ratio_in_wall_and_cpu() -> None:
    runs = {
        10: [{"wall": 1.0, "cpu": 2.0}, {"wall": 3.0, "cpu": 1.0}, {"wall": 2.0, "cpu": 4.0}],
        100: [{"wall": 9.0, "cpu": 30.0}, {"wall": 36.0, "cpu": 10.0}, {"wall": 30.0, "cpu": 8.0}],
    }
    got = scale.summary("step", runs)
    assert (got["step_10_s"], got["step_cpu_10_s"]) == (2.0, 2.0)
    assert (got["step_100_s"], got["step_cpu_100_s"]) == (30.0, 10.0)
    assert got["step_100_runs_s"] == [9.0, 36.0, 30.0]
    assert got["step_round_ratios"] == [9.0, 12.0, 15.0]
    assert got["step_cpu_round_ratios"] == [15.0, 10.0, 2.0]


def test_the_bench_runs_end_to_end_and_ends_with_the_figures_the_issue_names(tmp_path) -> None:
    command = [sys.executable, str(ROOT / "bench" / "scale.py"), "--sizes", "40,80"]
    command += ["--spawn-sizes", "40,80", "--repeat", "1", "--materialize-rounds", "2"]
    command += ["--schedule-rounds", "2", "--verify-rounds", "1", "--work", str(tmp_path / "w")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.splitlines()[-1])
    for step in ("materialize", "status", "spawn", "verify"):
        assert got[f"{step}_80_s"] > 0 and got[f"{step}_ratio"] > 0
    assert got["schedule_80_stages"] == 3 * 80
    assert len(got["schedule_round_ratios"]) == len(got["schedule_cpu_round_ratios"]) == 2
    assert got["spawn_80_stages"] == 3 * 80  # every stage of the plan ran
    assert 0 < got["peak_rss_mb"] < 1024
