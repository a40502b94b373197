"""A task's lifecycle: its states, and the transitions a merge to main may make, as data.

Derived conditions (ready, claimed, in review) are computed from main, the claim refs and the
forge, and never stored in a task file. `TRANSITIONS` is DESIGN.md section 2 as a table: who
may move a task from which state to which, through which stage, and what the gates check.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    TODO = "todo"
    RESEARCHED = "researched"
    CLEARED = "cleared"
    DONE = "done"
    NEEDS_HUMAN = "needs_human"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


class Role(StrEnum):
    RESEARCH = "research"
    COMPLIANCE = "compliance"
    EXECUTOR = "executor"
    HUMAN = "human"


AGENT_ROLES: frozenset[Role] = frozenset({Role.RESEARCH, Role.COMPLIANCE, Role.EXECUTOR})

ORDER: tuple[State, ...] = tuple(State)
TERMINAL: frozenset[State] = frozenset({State.DONE, State.CANCELLED})

# The stage an agent claims to work on a task in a given state; the claim names this stage.
STAGE_OF: dict[State, str] = {
    State.TODO: "research",
    State.RESEARCHED: "compliance",
    State.CLEARED: "execute",
}
ROLE_OF_STAGE: dict[str, Role] = {
    "research": Role.RESEARCH,
    "compliance": Role.COMPLIANCE,
    "execute": Role.EXECUTOR,
}

# The role whose turn it is in each state (None: nobody acts on its own).
NEXT_ROLE: dict[State, str | None] = {
    State.TODO: "research",
    State.RESEARCHED: "compliance",
    State.CLEARED: "executor",
    State.NEEDS_HUMAN: "human",
    State.BLOCKED: "human",
    State.DONE: None,
    State.CANCELLED: None,
}


class Need(StrEnum):
    """Preconditions the gates check for a transition (see swarm.gates.preconditions)."""

    RESEARCH_BRIEF = "research brief present and not trivially short"
    COMPLIANCE_NOTE = "compliance note present and not trivially short"
    TIER_SET = "risk tier and approval_required set"
    TIER_BELOW_3 = "risk tier 1 or 2 (tier 3 goes to a human)"
    TIER_3 = "risk tier 3"
    DEPENDENCIES_DONE = "every dependency done on main"
    DELIVERABLES = "deliverables present"
    EVIDENCE = "evidence listed against the acceptance criteria"
    APPROVAL = "a listed human approved the exact head commit, when approval_required"
    ESCALATION = "an escalation reason"
    BLOCKED_REASON = "a reason for blocking"


@dataclass(frozen=True)
class Transition:
    source: State
    target: State
    roles: frozenset[Role]
    needs: tuple[Need, ...] = ()


def _t(source: State, target: State, roles: set[Role], *needs: Need) -> Transition:
    return Transition(source, target, frozenset(roles), needs)


_AGENTS = set(AGENT_ROLES)
_HUMAN = {Role.HUMAN}

TRANSITIONS: tuple[Transition, ...] = (
    _t(State.TODO, State.RESEARCHED, {Role.RESEARCH}, Need.RESEARCH_BRIEF),
    _t(
        State.RESEARCHED,
        State.CLEARED,
        {Role.COMPLIANCE},
        Need.COMPLIANCE_NOTE,
        Need.TIER_SET,
        Need.TIER_BELOW_3,
    ),
    _t(
        State.RESEARCHED,
        State.NEEDS_HUMAN,
        {Role.COMPLIANCE},
        Need.COMPLIANCE_NOTE,
        Need.TIER_SET,
        Need.TIER_3,
    ),
    _t(
        State.CLEARED,
        State.DONE,
        {Role.EXECUTOR},
        Need.DEPENDENCIES_DONE,
        Need.DELIVERABLES,
        Need.EVIDENCE,
        Need.APPROVAL,
    ),
    _t(State.CLEARED, State.NEEDS_HUMAN, {Role.EXECUTOR}, Need.ESCALATION),
    _t(State.NEEDS_HUMAN, State.DONE, _HUMAN, Need.EVIDENCE),
    _t(State.NEEDS_HUMAN, State.CLEARED, _HUMAN),
    *(
        _t(s, State.BLOCKED, _AGENTS, Need.BLOCKED_REASON)
        for s in (State.TODO, State.RESEARCHED, State.CLEARED)
    ),
    *(_t(State.BLOCKED, s, _HUMAN) for s in (State.TODO, State.RESEARCHED, State.CLEARED)),
    *(_t(s, State.CANCELLED, _HUMAN) for s in State if s not in TERMINAL),
)

_BY_EDGE: dict[tuple[State, State], Transition] = {(t.source, t.target): t for t in TRANSITIONS}


def transition(source: State, target: State) -> Transition | None:
    """The table's row for this edge, or None when no one may make it."""
    return _BY_EDGE.get((source, target))


def allowed(source: State, target: State, role: Role) -> bool:
    row = transition(source, target)
    return row is not None and role in row.roles


def targets(source: State, role: Role) -> list[State]:
    return [t.target for t in TRANSITIONS if t.source is source and role in t.roles]
