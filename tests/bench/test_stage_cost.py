"""bench/stage_cost.py on small plans: every stage it times merges, and it says so when not."""

from __future__ import annotations

import pytest

from bench import stage_cost
from swarm.repo import open_repo


def test_it_times_merged_stages_of_both_sizes_in_turns(tmp_path) -> None:
    got = stage_cost.measure([20, 60], tmp_path, rounds=2, batch=3)
    for size in ("20", "60"):
        batches = got[f"stage_cpu_ms_{size}_batches"]
        assert isinstance(batches, list) and len(batches) == 2 and all(x > 0 for x in batches)
    assert len(got["stage_batch_ratios"]) == 2  # type: ignore[arg-type]
    assert got["stage_cpu_ms_ratio"] > 0  # type: ignore[operator]


def test_the_stages_are_spread_over_the_plan_research_before_compliance(tmp_path) -> None:
    stage_cost.measure([20], tmp_path, rounds=1, batch=2)  # materializes repo-20
    picked = stage_cost.stages_spread(tmp_path / "repo-20", 8)
    assert len(picked) == 8
    tasks = [task for task, _ in picked]
    assert [stage for _, stage in picked] == ["research", "compliance"] * 4
    every = sorted(t.id for t in open_repo(tmp_path / "repo-20").tasks())
    assert tasks[::2] == tasks[1::2] == every[::5]  # 4 of 20 tasks: one in five


def test_a_stage_that_did_not_merge_fails_the_bench(tmp_path) -> None:
    stage_cost.measure([20], tmp_path, rounds=1, batch=2)
    with pytest.raises(SystemExit, match="0 of 2 stages merged"):
        stage_cost.check_merged(tmp_path / "repo-20", "no-such-run", 2)


def test_a_plan_too_small_for_the_batch_gets_smaller_batches(tmp_path) -> None:
    got = stage_cost.measure([20, 30], tmp_path, rounds=4, batch=50)  # 40 stages of 20 tasks
    assert got["batch"] == 10
    assert len(got["stage_cpu_ms_20_batches"]) == 4  # type: ignore[arg-type]
