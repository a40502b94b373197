"""The real PlanExe plans beside the project (../shared/plans), for tests that need them."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_PLANS = (Path(__file__).resolve().parents[1] / ".." / "shared" / "plans").resolve()
REASON = "../shared/plans not found: the real PlanExe plans are not beside the project"

# name -> (path relative to SHARED_PLANS, detailed tasks, phases, subtasks)
PLANS = {
    "us-mexico-canal": ("us-mexico-canal/20250208_us_mexico_canal.zip", 169, 8, 37),
    "tea-eshop": ("tea-eshop/20250517_tea_eshop.zip", 122, 5, 25),
    "project-solace": ("project-solace/20250721_project_solace.zip", 148, 8, 33),
    "paperclip-automation": ("paperclip-automation/20251114_paperclip_automation.zip", 132, 6, 29),
    "parasomnia-research-unit": ("parasomnia-research-unit", 126, 6, 29),
}

needs_shared_plans = pytest.mark.skipif(not SHARED_PLANS.is_dir(), reason=REASON)


def plan_path(name: str) -> Path:
    return SHARED_PLANS / PLANS[name][0]


def largest() -> Path:
    return plan_path("us-mexico-canal")
