"""The ledger file: round trip, totals, and refusals that name the line."""

from __future__ import annotations

import json

import pytest

from swarm.errors import SwarmError
from swarm.llm.api import LedgerLine
from swarm.llm.ledger import ledger_from_jsonl, ledger_to_jsonl, ledger_total


def line(cost: float, **changes: object) -> LedgerLine:
    fields: dict[str, object] = {
        "task": "T1",
        "stage": "research",
        "role": "research",
        "model": "gpt-4o-mini",
        "tokens_in": 1200,
        "tokens_out": 350,
        "cost_usd": cost,
        "latency_s": 0.5,
        "attempt": 1,
        "at": 1700.0,
    }
    return LedgerLine(**{**fields, **changes})  # type: ignore[arg-type]


LINES = [line(0.1), line(0.2, attempt=2, outcome="invalid"), line(0.0, cached=True)]


def test_round_trip():
    data = ledger_to_jsonl(LINES)
    assert data.count(b"\n") == 3 and data.endswith(b"\n")
    assert ledger_from_jsonl(data) == LINES
    assert ledger_from_jsonl(data.decode()) == LINES
    assert json.loads(data.splitlines()[0])["cost_usd"] == 0.1


def test_totals_of_lines_and_of_text_agree():
    assert ledger_total(LINES) == pytest.approx(0.3)
    assert ledger_total(ledger_to_jsonl(LINES)) == pytest.approx(0.3)
    assert ledger_total(b"") == 0.0 == ledger_total([])


def test_text_totals_read_only_the_cost_as_the_gate_does():
    assert ledger_total('{"cost_usd": 0.25, "note": "by hand"}\n\n{"cost_usd": 1}\n') == 1.25


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"cost_usd": 0.1}\nnot json\n', "line 2: not a JSON object with a numeric cost_usd"),
        ('{"cost_usd": "0.1"}', "line 1: not a JSON object with a numeric cost_usd"),
        ('{"cost_usd": -1}', "line 1: cost_usd is not a finite, non-negative number"),
        ('{"cost_usd": NaN}', "line 1: cost_usd is not a finite, non-negative number"),
    ],
)
def test_a_bad_line_is_named(text, problem):
    with pytest.raises(SwarmError, match=problem):
        ledger_total(text, where="ledger/T1.jsonl")


def test_reading_lines_names_the_bad_one():
    data = ledger_to_jsonl(LINES[:1]) + b'{"task": "T1"}\n'
    with pytest.raises(SwarmError, match=r"ledger/T1.jsonl line 2: stage: Field required"):
        ledger_from_jsonl(data, where="ledger/T1.jsonl")
    with pytest.raises(SwarmError, match="not UTF-8"):
        ledger_from_jsonl(b"\xff\n")
