"""budget: the task's ledger in the head stays within budgets.per_task_usd of the base."""

from __future__ import annotations

from swarm.layout import ledger_path
from swarm.states import State
from tests.swarm.gates.builders import PR, TASK, error_rules, errors_of, judge, legal

LEDGER = ledger_path(TASK)


def _pr(src: State, dst: State) -> PR:
    return legal(src, dst)


def _ledger(*costs: float) -> bytes:
    return "".join(f'{{"model": "m", "cost_usd": {c}}}\n' for c in costs).encode()


def test_an_over_budget_ledger_is_rejected_with_both_figures() -> None:
    pr = _pr(State.CLEARED, State.DONE)
    pr.head[LEDGER] = _ledger(0.25, 0.25, 0.125)
    found = errors_of(judge(pr), "budget")
    assert [(f.path, f.message) for f in found] == [
        (
            LEDGER,
            "task 2.1.1 has spent $0.62, over its budget of $0.50 (budgets.per_task_usd): "
            "hand it to a person instead",
        )
    ]


def test_exactly_the_budget_passes() -> None:
    pr = _pr(State.CLEARED, State.DONE)
    pr.head[LEDGER] = _ledger(0.25, 0.25)
    assert errors_of(judge(pr)) == []


def test_an_overspent_agent_may_still_hand_the_task_to_a_person() -> None:
    pr = _pr(State.CLEARED, State.NEEDS_HUMAN)
    pr.head[LEDGER] = _ledger(0.75)
    assert errors_of(judge(pr)) == []
    pr = _pr(State.TODO, State.BLOCKED)
    pr.head[LEDGER] = _ledger(0.75)
    assert errors_of(judge(pr)) == []


def test_an_overspent_ledger_on_main_still_stops_the_next_agent_stage() -> None:
    pr = _pr(State.RESEARCHED, State.CLEARED)
    pr.base[LEDGER] = pr.head[LEDGER] = _ledger(0.9)
    assert error_rules(judge(pr)) == {"budget"}


def test_people_are_not_held_to_the_budget() -> None:
    pr = _pr(State.NEEDS_HUMAN, State.DONE)
    pr.head[LEDGER] = _ledger(3.0)
    assert errors_of(judge(pr)) == []


def test_malformed_ledger_lines_are_schema_errors() -> None:
    pr = _pr(State.TODO, State.RESEARCHED)
    pr.head[LEDGER] = (
        b'{"cost_usd": 0.1}\n'
        b"not json\n"
        b"[1, 2]\n"
        b'{"cost_usd": "0.1"}\n'
        b'{"cost_usd": true}\n'
        b'{"cost_usd": -5}\n'
        b'{"cost_usd": NaN}\n'
        b"\n"
    )
    found = errors_of(judge(pr), "schema")
    assert [f.message for f in found] == [
        "ledger line 2 is not JSON",
        "ledger line 3 is not a JSON object",
        "ledger line 4 has no numeric cost_usd",
        "ledger line 5 has no numeric cost_usd",
        "ledger line 6 has a cost_usd that is not a finite, non-negative number",
        "ledger line 7 has a cost_usd that is not a finite, non-negative number",
    ]
    assert all(f.path == LEDGER for f in found)
