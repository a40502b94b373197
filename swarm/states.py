"""A task's lifecycle: the states a task file can hold on main.

The transition table (who may move a task from which state to which, and what must hold) is
data here too; see `TRANSITIONS`. Derived conditions (ready, claimed, in review) are computed
elsewhere from main, the claim refs and the forge, and never stored in a task file.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    TODO = "todo"
    RESEARCHED = "researched"
    CLEARED = "cleared"
    DONE = "done"
    NEEDS_HUMAN = "needs_human"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


ORDER: tuple[State, ...] = tuple(State)

TERMINAL: frozenset[State] = frozenset({State.DONE, State.CANCELLED})

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
