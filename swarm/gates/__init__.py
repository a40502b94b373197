"""The gates: a pure function from a pull request's GateInput to a sorted list of findings.

No git, no forge, no clock (time is `inp.now`), no I/O beyond the two snapshots' readers. The
same input always gives the same list. A pull request may merge when no finding is an error;
warnings (hype, fermi) are reported and do not block. Settings are read from the base only.

Rules, by module:
- files: schema, scope, protected-path
- lifecycle: transition, claim, approval
- preconditions: precondition
- content: secret, hype
- fermi: fermi
- budget: budget (and schema, for malformed ledger lines)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from swarm.gates.budget import check_budget
from swarm.gates.content import check_hype, check_secret
from swarm.gates.context import Context
from swarm.gates.fermi import check_fermi
from swarm.gates.files import check_protected_path, check_schema, check_scope
from swarm.gates.lifecycle import check_approval, check_claim, check_transition
from swarm.gates.model import RULES, Finding, GateInput
from swarm.gates.preconditions import check_precondition

Rule = Callable[[Context], Iterable[Finding]]

CHECKS: tuple[Rule, ...] = (
    check_schema,
    check_scope,
    check_protected_path,
    check_transition,
    check_claim,
    check_precondition,
    check_approval,
    check_secret,
    check_budget,
    check_hype,
    check_fermi,
)


def run_gates(inp: GateInput) -> list[Finding]:
    """Every finding of every rule, deduplicated and sorted (rule, severity, path, message)."""
    ctx = Context(inp)  # caches live for this call only
    found: set[Finding] = set()
    for check in CHECKS:
        found.update(check(ctx))
    return sorted(found)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def passed(findings: Iterable[Finding]) -> bool:
    return not errors(findings)


__all__ = ["RULES", "Finding", "GateInput", "errors", "passed", "run_gates"]
