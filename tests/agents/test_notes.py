"""Pieces of the notes: quoting the plan without tripping the content warnings, the governance
matrix, sentence splitting, and the compliance note's regulatory and governance sections."""

from __future__ import annotations

from agents import build
from agents.governance import MATRIX, escalations
from agents.text import FIGURE_NOTE, quote_plan, sentences
from swarm.gates.fermi import line_problems
from swarm.layout import compliance_path
from swarm.settings import GateSettings
from swarm.states import Role, State
from tests.agents.harness import World, example_plan

HYPE = GateSettings().hype_words


def test_quoting_the_plan_hedges_large_figures_and_elides_hype() -> None:
    text = "The canal costs $500 billion. It gives seamless transit. Fees are 4 EUR per hour."
    quoted = quote_plan(text, HYPE)
    assert quoted == (
        f"The canal costs $500 billion{FIGURE_NOTE}. It gives […] transit. Fees are 4 EUR per hour."
    )
    assert not line_problems(quoted)
    assert quote_plan("Between 1 and 500 units.", HYPE) == "Between 1 and 500 units."


def test_sentences_keep_abbreviations_and_drop_list_enumerators() -> None:
    assert sentences("Apply Regulation (EC) No. 852/2004, e.g. the HACCP rules. Then stop.") == [
        "Apply Regulation (EC) No. 852/2004, e.g. the HACCP rules.",
        "Then stop.",
    ]
    assert sentences("Steps: 1. Contact vendors. 2. Request quotes.") == [
        "Steps: Contact vendors.",
        "Request quotes.",
    ]


MATRIX_TEXT = b"""**Budget Request Exceeding PMO Authority**
Escalation Level: Project Steering Committee
Approval Process: Steering Committee Vote
Rationale: Exceeds financial limit set for PMO decisions.

**Grant application to a municipal fund**
Escalation Level: Board of the Association
Approval Process: Board vote
Rationale: Grant applications commit the association's own contribution.
"""


def test_the_escalation_matrix_is_parsed_and_ranked() -> None:
    found = escalations({MATRIX: MATRIX_TEXT}.get)
    assert [(i.ref, i.title, i.detail("level")) for i in found.items] == [
        ("G1", "Budget Request Exceeding PMO Authority", "Project Steering Committee"),
        ("G2", "Grant application to a municipal fund", "Board of the Association"),
    ]
    nothing: dict[str, bytes] = {}
    assert not escalations(nothing.get).items


def test_the_compliance_note_lists_requirements_and_governance_that_match() -> None:
    world = World.of(example_plan())
    world.files[MATRIX] = MATRIX_TEXT
    task = world.tasks["4.3.3"].model_copy(update={"state": State.RESEARCHED})
    world.put(task)
    judged = world.stage("4.3.3", build(Role.COMPLIANCE, offline=True))
    assert not judged.findings
    note = judged.result.files[compliance_path("4.3.3")].decode()
    assert "**G2** Grant application to a municipal fund: escalate to Board of the Association" in (
        note
    )
    result = judged.result.task
    assert (result.state, result.risk_tier, result.approval_required) == (State.CLEARED, 2, True)
    assert "| `apply-for` | 2 | external communication | title |" in note


def test_a_tier_3_compliance_note_names_the_permit_it_concerns() -> None:
    world = World.of(example_plan())
    world.put(world.tasks["2.2.2"].model_copy(update={"state": State.RESEARCHED}))
    judged = world.stage("2.2.2", build(Role.COMPLIANCE, offline=True))
    note = judged.result.files[compliance_path("2.2.2")].decode()
    assert "- **P5** (score" in note and "Change-of-use building permit" in note
    assert "## Escalation" in note and "**Deadline:** " in note
