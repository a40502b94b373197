"""The client when things go wrong: invalid answers, provider errors, the budget."""

from __future__ import annotations

import litellm
import pytest

from swarm.errors import SwarmError
from swarm.llm.api import BudgetExceeded, ModelFailed
from tests.swarm.llm.conftest import LITELLM_NOISE, VALID, Brief, make_settings, via_script
from tests.swarm.llm.scripted import bad_key, rate_limited, unavailable

pytestmark = LITELLM_NOISE


def outcomes(llm) -> list[tuple[int, str]]:
    return [(line.attempt, line.outcome) for line in llm.ledger]


def test_an_invalid_answer_is_asked_again_with_its_errors(make_client, script):
    provider = script(["not json at all", VALID])
    llm = make_client(completion_kwargs=via_script())
    assert llm.ask("s", "u", Brief).points == 3
    assert outcomes(llm) == [(1, "invalid"), (2, "ok")]
    assert all(line.cost_usd > 0 for line in llm.ledger)  # an invalid answer is paid for too
    second = provider.calls[1]
    assert second[:2] == provider.calls[0]
    assert second[2] == {"role": "assistant", "content": "not json at all"}
    assert second[3]["role"] == "user" and "Invalid JSON" in second[3]["content"]


def test_a_wrong_shape_is_described_field_by_field(make_client, script):
    provider = script(['{"title": "x"}', VALID])
    make_client(completion_kwargs=via_script()).ask("s", "u", Brief)
    assert "- points: Field required" in provider.calls[1][3]["content"]


def test_always_invalid_fails_after_the_bound(make_client, script):
    provider = script(['{"title": 1}'] * 5)
    llm = make_client(completion_kwargs=via_script(), max_reasks=2)
    with pytest.raises(ModelFailed, match=r"no valid Brief in 3 answers") as failed:
        llm.ask("s", "u", Brief)
    assert "- title: Input should be a valid string" in failed.value.message
    assert len(provider.calls) == 3
    assert outcomes(llm) == [(1, "invalid"), (2, "invalid"), (3, "invalid")]


@pytest.mark.parametrize("transient", [rate_limited, unavailable])
def test_transient_errors_are_retried_with_backoff(make_client, script, sleeps, transient):
    provider = script([transient(), transient(), VALID])
    llm = make_client(completion_kwargs=via_script())
    assert llm.ask("s", "u", Brief).points == 3
    assert len(provider.calls) == 3
    assert outcomes(llm) == [(1, "error"), (2, "error"), (3, "ok")]
    assert [line.cost_usd for line in llm.ledger[:2]] == [0.0, 0.0]
    assert sleeps == pytest.approx([0.01 * 1.125, 0.02 * 1.125])  # base 0.01, jitter 0.25 * 0.5


def test_a_retry_after_from_the_provider_is_honoured(make_client, script, sleeps):
    script([rate_limited(retry_after="2"), VALID])
    make_client(completion_kwargs=via_script()).ask("s", "u", Brief)
    assert sleeps == [2.0]


def test_transient_errors_fail_after_the_bound(make_client, sleeps):
    llm = make_client(completion_kwargs={"mock_response": "litellm.RateLimitError"})
    with pytest.raises(ModelFailed, match=r"failed after 3 tries: RateLimitError") as failed:
        llm.ask("s", "u", Brief)
    assert "lower roles.*.agents or check the quota" in failed.value.message
    assert outcomes(llm) == [(1, "error"), (2, "error"), (3, "error")]
    assert len(sleeps) == 2


def test_retries_and_reasks_share_the_attempt_count(make_client, script):
    script([unavailable(), "{}", VALID])
    llm = make_client(completion_kwargs=via_script())
    llm.ask("s", "u", Brief)
    assert outcomes(llm) == [(1, "error"), (2, "invalid"), (3, "ok")]


@pytest.mark.parametrize(
    ("variable", "secret"),
    [("OPENAI_API_KEY", "sk-test-0123456789abcdefSECRET"), ("MY_GATEWAY_TOKEN", "plainvalue42x")],
)
def test_a_rejected_key_is_not_retried_and_never_shown(
    make_client, script, sleeps, monkeypatch, variable, secret
):
    monkeypatch.setenv(variable, secret)
    provider = script([bad_key(f"Incorrect API key provided: {secret}"), VALID])
    llm = make_client(completion_kwargs=via_script())
    with pytest.raises(ModelFailed) as failed:
        llm.ask("s", "u", Brief)
    message = failed.value.message
    assert secret not in message and secret not in str(failed.value)
    assert failed.value.__suppress_context__  # no traceback shows litellm's message
    assert "AuthenticationError" in message and "OPENAI_API_KEY" in message
    assert len(provider.calls) == 1 and sleeps == []
    assert outcomes(llm) == [(1, "error")]


def test_a_litellm_mock_exception_is_sorted_by_the_table(make_client, sleeps):
    error = litellm.ContextWindowExceededError("too long", llm_provider="openai", model="m")
    llm = make_client(completion_kwargs={"mock_response": error})
    with pytest.raises(ModelFailed, match="longer than the model's window"):
        llm.ask("s", "u", Brief)
    assert sleeps == []


def test_no_call_is_made_over_the_budget(make_client, script):
    provider = script([VALID])
    llm = make_client(completion_kwargs=via_script(), budget_usd=0.50, spent_usd=0.49999)
    with pytest.raises(BudgetExceeded) as over:
        llm.ask("s", "u", Brief)
    assert (over.value.task, over.value.spent, over.value.budget) == ("T1", 0.49999, 0.50)
    assert provider.calls == [] and llm.ledger == []


def test_the_clients_own_calls_count_towards_the_budget(make_client, script):
    provider = script([VALID, VALID])
    llm = make_client(completion_kwargs=via_script(), budget_usd=0.0005)
    llm.ask("s", "u", Brief)  # 1200 + 350 tokens of gpt-4o-mini: $0.00039
    with pytest.raises(BudgetExceeded):
        llm.ask("s", "u", Brief)
    assert len(provider.calls) == 1


def test_an_unpriced_model_is_not_held_back_by_the_estimate(make_client, script):
    script([VALID])
    llm = make_client(
        model="scripted/unpriced-model-b", completion_kwargs=via_script(), budget_usd=0.0
    )
    assert llm.ask("s", "u", Brief).points == 3


def test_the_offline_engine_has_no_client(make_client):
    with pytest.raises(SwarmError, match=r"roles.research.model in swarm.yaml is 'offline'"):
        make_client(settings=make_settings("offline"))
    with pytest.raises(SwarmError, match=r"--model is 'offline'"):
        make_client(model_override="offline")
