"""The client's happy paths, through litellm's own mocks: answers, usage, cost, latency."""

from __future__ import annotations

import time

import litellm
from litellm import ModelResponse, Usage

from swarm.llm.api import LedgerLine
from tests.swarm.llm.conftest import LITELLM_NOISE, VALID, Brief, via_script

pytestmark = LITELLM_NOISE


def test_a_valid_answer_is_parsed_and_makes_one_ledger_line(make_client):
    llm = make_client(completion_kwargs={"mock_response": VALID}, clock=lambda: 1700.0)
    assert llm.ask("You are a researcher.", "Scan the market.", Brief) == Brief(
        title="Market scan", points=3
    )
    [line] = llm.ledger
    assert line == LedgerLine(
        task="T1",
        stage="research",
        role="research",
        model="gpt-4o-mini",
        tokens_in=10,  # litellm's mock always reports 10/20 tokens
        tokens_out=20,
        cost_usd=line.cost_usd,
        latency_s=line.latency_s,
        attempt=1,
        cached=False,
        outcome="ok",
        at=1700.0,
    )
    assert (
        line.cost_usd
        == litellm.cost_per_token("gpt-4o-mini", 10, 20)[0]
        + (litellm.cost_per_token("gpt-4o-mini", 10, 20)[1])
    )


def test_cost_comes_from_the_responses_usage(make_client):
    usage = Usage(prompt_tokens=1200, completion_tokens=350, total_tokens=1550)
    reply = ModelResponse(
        choices=[{"message": {"role": "assistant", "content": VALID}}], usage=usage
    )
    llm = make_client(completion_kwargs={"mock_response": reply})
    llm.ask("s", "u", Brief)
    [line] = llm.ledger
    assert (line.tokens_in, line.tokens_out) == (1200, 350)
    # the mocked response carries no model name: litellm prices it with the one we pass
    expected = litellm.completion_cost(completion_response=reply, model="gpt-4o-mini")
    assert line.cost_usd == expected > 0
    assert llm.spent_usd == expected


def test_a_json_fence_around_the_answer_is_tolerated(make_client):
    llm = make_client(completion_kwargs={"mock_response": f"```json\n{VALID}\n```"})
    assert llm.ask("s", "u", Brief).points == 3


def test_the_prompt_carries_the_schema_and_asks_for_json_only(make_client, script):
    provider = script([VALID])
    make_client(completion_kwargs=via_script()).ask("You research.", "Scan it.", Brief)
    [[system, user]] = provider.calls
    assert system == {"role": "system", "content": "You research."}
    assert user["content"].startswith("Scan it.\n\n")
    assert "one JSON object only" in user["content"]
    assert '"points": {"title": "Points", "type": "integer"}' in user["content"]


def test_latency_is_recorded(make_client):
    warm = make_client(completion_kwargs={"mock_response": VALID})
    warm.ask("s", "u", Brief)  # litellm's first call in a process is slow: not what we measure
    llm = make_client(completion_kwargs={"mock_response": VALID, "mock_delay": 0.2})
    start = time.perf_counter()
    llm.ask("s", "u", Brief)
    elapsed = time.perf_counter() - start
    [line] = llm.ledger
    assert 0.2 <= line.latency_s <= elapsed < 0.5


def test_an_unpriced_model_costs_zero_with_a_warning(make_client, script, caplog):
    script([VALID])
    llm = make_client(model="scripted/unpriced-model-a", completion_kwargs=via_script())
    assert llm.ask("s", "u", Brief).title == "Market scan"
    [line] = llm.ledger
    assert (line.cost_usd, line.tokens_in, line.tokens_out) == (0.0, 1200, 350)
    assert "scripted/unpriced-model-a is not in litellm's price list" in caplog.text


def test_complex_questions_go_to_the_complex_model(make_client, script):
    from tests.swarm.llm.conftest import make_settings

    script([VALID, VALID])
    settings = make_settings("gpt-4o-mini", complex_model="gpt-4o")
    llm = make_client(settings=settings, completion_kwargs=via_script())
    llm.ask("s", "u", Brief)
    llm.ask("s", "u", Brief, complexity="complex")
    assert [line.model for line in llm.ledger] == ["gpt-4o-mini", "gpt-4o"]
    assert llm.ledger[1].cost_usd > llm.ledger[0].cost_usd  # same usage, dearer model
