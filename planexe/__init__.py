"""Reading a finished PlanExe plan (a run folder or a zip) into a typed Plan.

    from planexe import read_plan
    plan = read_plan("20251114_paperclip_automation.zip")

No git, no network. Bad input raises PlanError; oddities become `plan.warnings`.
"""

from planexe.errors import PlanError
from planexe.limits import DEFAULT_LIMITS, Limits
from planexe.model import Plan
from planexe.reader import read_plan

__all__ = ["DEFAULT_LIMITS", "Limits", "Plan", "PlanError", "read_plan"]
