"""Acceptance criteria: 2–4 per task, from the description's instructions, deterministic."""

from __future__ import annotations

from agents.criteria import criteria
from tests.agents.harness import World, example_plan
from tests.agents.test_tiers import task


def test_every_example_task_gets_two_to_four_distinct_criteria() -> None:
    for t in World.of(example_plan()).tasks.values():
        for by_person in (False, True):
            found = criteria(t, by_person)
            assert 2 <= len(found) <= 4, (t.id, found)
            assert len(set(found)) == len(found)
            assert found == criteria(t, by_person)


def test_instructions_become_criteria_in_order() -> None:
    t = task(
        "Draft association statutes",
        "Draft the statutes of a registered association. Define membership classes, the board "
        "and the dissolution clause. Check the draft against the model statutes.",
    )
    assert criteria(t) == [
        "The statutes of a registered association — drafted, recorded in the deliverable",
        "Membership classes, the board and the dissolution clause — defined, recorded in the "
        "deliverable",
        "The draft against the model statutes — checked, recorded in the deliverable",
    ]


def test_actions_in_the_world_are_prepared_by_agents_and_proven_by_people() -> None:
    t = task("Send proposals", "Send tailored proposals to the top ten partners. Log the replies.")
    # one instruction in the description: the title supplies the second criterion, first
    assert criteria(t) == [
        "Proposals — prepared in the deliverable for a person to send",
        "Tailored proposals to the top ten partners — prepared in the deliverable for a person "
        "to send",
    ]
    assert criteria(t, by_person=True)[1] == (
        "Tailored proposals to the top ten partners — sent, with proof attached"
    )


def test_a_task_without_description_falls_back_on_its_title_and_fixed_criteria() -> None:
    found = criteria(task("Identify backup suppliers"))
    assert found[0] == "Backup suppliers — identified, recorded in the deliverable"
    assert len(found) == 2
