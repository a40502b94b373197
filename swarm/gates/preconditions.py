"""The `precondition` rule: what a transition needs (the `Need`s of its row) is in the head.

Only a legal row is checked: an illegal one is already a `transition` error, and listing what it
would have needed only buries that message. Notes and deliverables count non-whitespace
characters against `gates.min_note_chars`, so blank padding does not pass. Dependencies are read
from the base (main is the truth, DESIGN.md invariant 1), with the base's `depends_on`, which a
pull request cannot change (plan-derived, see the scope rule). APPROVAL is the approval rule's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from swarm.gates.context import Context, finding, substance
from swarm.gates.lifecycle import legal_row, states
from swarm.gates.model import Finding
from swarm.layout import deliverables_dir, note_path
from swarm.states import Need, State
from swarm.task import TaskFile

Check = Callable[[Context, TaskFile, TaskFile], Iterator[Finding]]


def check_precondition(ctx: Context) -> Iterator[Finding]:
    row, pair = legal_row(ctx), states(ctx)
    if row is None or pair is None:
        return
    base, head = pair
    for need in row.needs:
        check = _CHECKS.get(need)
        if check is not None:
            yield from check(ctx, base, head)


def _note(kind: str) -> Check:
    def check(ctx: Context, base: TaskFile, head: TaskFile) -> Iterator[Finding]:
        path = note_path(kind, base.id)
        data = ctx.inp.head.read(path)
        least = ctx.gates.min_note_chars
        if data is None:
            yield finding("precondition", path, f"the {kind} note {path} is missing")
            return
        text = ctx.head_text(path)
        if text is None:
            yield finding("precondition", path, f"the {kind} note {path} is not UTF-8 text")
            return
        size = substance(text)
        if size < least:
            yield finding(
                "precondition",
                path,
                f"the {kind} note {path} is trivially short ({size} chars < {least})",
            )

    return check


def _task_where(ctx: Context) -> str:
    return ctx.task_path or ""


def _tier_set(ctx: Context, base: TaskFile, head: TaskFile) -> Iterator[Finding]:
    unset = [f for f in ("risk_tier", "approval_required") if getattr(head, f) is None]
    if unset:
        yield finding(
            "precondition",
            _task_where(ctx),
            f"compliance must set {' and '.join(unset)} of task {head.id}",
        )


def _tier(wanted: tuple[int, ...], what: str) -> Check:
    def check(ctx: Context, base: TaskFile, head: TaskFile) -> Iterator[Finding]:
        if head.risk_tier is not None and head.risk_tier not in wanted:
            yield finding(
                "precondition",
                _task_where(ctx),
                f"task {head.id} is risk tier {head.risk_tier}: this transition is for {what}",
            )

    return check


def _dependencies(ctx: Context, base: TaskFile, head: TaskFile) -> Iterator[Finding]:
    for dep in base.depends_on:
        parsed = ctx.base_task_of(dep)
        if parsed is None:
            yield finding(
                "precondition", _task_where(ctx), f"dependency {dep} is not a task on main"
            )
        elif parsed.task is None:
            yield finding(
                "precondition",
                parsed.path,
                f"dependency {dep} does not parse on main ({parsed.error})",
            )
        elif parsed.task.state is not State.DONE:
            yield finding(
                "precondition",
                _task_where(ctx),
                f"dependency {dep} is {parsed.task.state} on main, not done",
            )


def _deliverables(ctx: Context, base: TaskFile, head: TaskFile) -> Iterator[Finding]:
    folder = deliverables_dir(base.id) + "/"
    files = ctx.inp.head.list(folder)
    least = ctx.gates.min_note_chars
    if not files:
        yield finding("precondition", folder, f"no deliverables under {folder}")
        return
    total = 0
    for path in files:
        text = ctx.head_text(path)
        # a binary deliverable (a PDF, an image) counts by its size
        total += substance(text) if text is not None else len(ctx.inp.head.read(path) or b"")
    if total < least:
        yield finding(
            "precondition",
            folder,
            f"the deliverables under {folder} are trivially short ({total} chars < {least})",
        )


def _evidence(ctx: Context, base: TaskFile, head: TaskFile) -> Iterator[Finding]:
    if not head.evidence:
        yield finding(
            "precondition",
            _task_where(ctx),
            f"task {head.id} lists no evidence: say how each acceptance criterion is met",
        )
        return
    for n, item in enumerate(head.evidence, 1):
        if not item.proof.strip():
            yield finding(
                "precondition",
                _task_where(ctx),
                f"evidence item {n} of task {head.id} has no proof",
            )


def _text_field(field: str, what: str) -> Check:
    def check(ctx: Context, base: TaskFile, head: TaskFile) -> Iterator[Finding]:
        value = getattr(head, field)
        if not (isinstance(value, str) and value.strip()):
            yield finding(
                "precondition", _task_where(ctx), f"task {head.id} needs {what} in `{field}`"
            )

    return check


_CHECKS: dict[Need, Check] = {
    Need.RESEARCH_BRIEF: _note("research"),
    Need.COMPLIANCE_NOTE: _note("compliance"),
    Need.TIER_SET: _tier_set,
    Need.TIER_BELOW_3: _tier((1, 2), "risk tiers 1 and 2 (tier 3 goes to a person)"),
    Need.TIER_3: _tier((3,), "risk tier 3"),
    Need.DEPENDENCIES_DONE: _dependencies,
    Need.DELIVERABLES: _deliverables,
    Need.EVIDENCE: _evidence,
    Need.ESCALATION: _text_field("escalation", "an escalation reason"),
    Need.BLOCKED_REASON: _text_field("blocked_reason", "a reason for blocking"),
}
