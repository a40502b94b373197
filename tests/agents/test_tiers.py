"""The rule table of agents.tiers: the example plan's intended tiers, and the phrases that
separate an action from a mention (nouns, desk objects, prepositions)."""

from __future__ import annotations

import pytest

from agents.planview import view
from agents.tier_rules import RULES
from agents.tiers import assess
from swarm.task import NodeRef, TaskFile
from tests.agents.harness import World, example_plan

INTENDED = {
    1: "1.1.1 1.1.2 1.1.3 1.2.1 2.1.1 2.2.1 3.1.1 3.3.1 4.1.1 4.2.1 4.3.1 5.1.3",
    2: "3.1.2 3.2.1 3.3.2 4.1.2 4.2.2 4.2.3 4.3.2 4.3.3 5.1.4",
    3: "1.2.2 1.2.3 2.1.2 2.1.3 2.2.2 2.2.3 2.2.4 3.2.2 3.2.3 3.2.4 3.3.3 4.1.3 5.1.1 5.1.2",
}


def test_tiers_of_the_example_plan_match_the_intended_ones() -> None:
    plan = example_plan()
    world = World.of(plan)
    wanted = {t: tier for tier, ids in INTENDED.items() for t in ids.split()}
    assert set(wanted) == set(world.tasks)
    mismatches = []
    for task_id, want in wanted.items():
        decision = assess(world.tasks[task_id], view(plan))
        if decision.tier != want:
            rules = ", ".join(f"{h.rule}@{h.where}" for h in decision.hits)
            mismatches.append(f"{task_id}: got {decision.tier}, intended {want} ({rules})")
    agreement = 1 - len(mismatches) / len(wanted)
    assert agreement >= 0.8, "\n".join(mismatches)
    assert not mismatches, "\n".join(mismatches)  # today all 35 agree


def task(title: str, description: str = "", resources: tuple[str, ...] = ()) -> TaskFile:
    ref = NodeRef(code="1", title="Phase", planexe_id="p")
    sub = NodeRef(code="1.1", title="Subtask", planexe_id="s")
    return TaskFile(
        id="1.1.1",
        planexe_id="x",
        title=title,
        description=description,
        resources=resources,
        phase=ref,
        subtask=sub,
    )


@pytest.mark.parametrize(
    ("title", "description", "tier"),
    [
        ("Build budget and cash-flow spreadsheet", "", 1),
        ("Build workbenches and café counter", "", 3),
        ("Map local partners", "Record contact details of each partner.", 1),
        ("Contact potential suppliers", "", 2),
        ("Create a timeline for obtaining licenses", "", 1),
        ("Submit permit applications", "", 3),
        ("Implement inventory system", "Install and configure the selected inventory software.", 1),
        ("Negotiate terms with suppliers", "", 3),
        ("Draft service concept", "Describe the paid repairs and the monthly rent.", 1),
        ("Sign contracts with suppliers", "", 2),
        ("Sign the lease for the unit", "", 3),
        ("Write job ads", "State the tasks, skills and the pay range.", 1),
        ("Pay the deposit", "", 2),
        ("Compile equipment list", "Mark items that can be bought used.", 1),
        ("Plan safety training for personnel", "", 1),
        ("Train staff on the new system", "", 3),
        ("Evaluate sourcing options", "Compare options such as purchasing or leasing machines.", 1),
        ("Set up the shop", "The treasurer approves the subscriptions first.", 2),
        ("Review the budget", "Analyse visits per day and café revenue.", 1),
        ("Procure pumps", "Order from the supplier a package worth 2.5 million EUR.", 3),
        ("Present a summary to the board", "", 1),
        ("Present findings to stakeholders", "", 2),
    ],
)
def test_rules_tell_actions_from_mentions(title: str, description: str, tier: int) -> None:
    decision = assess(task(title, description), view(example_plan()))
    assert decision.tier == tier, [(h.rule, h.excerpt) for h in decision.hits]
    assert decision.approval_required == (tier >= 2)


def test_trades_in_the_resources_mean_physical_work_unless_the_title_is_desk_work() -> None:
    plan = view(example_plan())
    assert assess(task("Prepare the site", resources=("Construction crew",)), plan).tier == 3
    assert assess(task("Design the site", resources=("Construction crew",)), plan).tier == 1


def test_a_filing_that_matches_a_permit_of_the_plan_is_tier_3() -> None:
    # no permit word in the task: the plan's permit list (P5, Nutzungsänderung) supplies it
    found = assess(task("Apply for the Nutzungsänderung of the SächsBO"), view(example_plan()))
    assert found.tier == 3 and "permit" in [h.rule for h in found.hits]


def test_rule_ids_are_unique_and_every_rule_names_its_category() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(r.category and r.tier in (2, 3) for r in RULES)
