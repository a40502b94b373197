"""Reading a finished PlanExe plan (a run folder or a zip) into a typed Plan.

    from planexe import read_plan
    plan = read_plan("20251114_paperclip_automation.zip")

No git, no network. Bad input raises PlanError; oddities become `plan.warnings`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planexe.errors import PlanError
    from planexe.limits import DEFAULT_LIMITS, Limits
    from planexe.model import Plan
    from planexe.reader import read_plan

__all__ = ["DEFAULT_LIMITS", "Limits", "Plan", "PlanError", "read_plan"]

# name -> the module defining it. Loaded on first use: a command that only needs
# planexe.errors or planexe.model (`swarm status`) should not pay for the reader.
_LAZY = {
    "DEFAULT_LIMITS": "planexe.limits",
    "Limits": "planexe.limits",
    "Plan": "planexe.model",
    "PlanError": "planexe.errors",
    "read_plan": "planexe.reader",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
