"""The response cache: on its own, across processes, and inside the client."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
from pydantic import BaseModel

from swarm.llm.cache import CachedAnswer, ResponseCache, cache_key
from tests.swarm.llm.conftest import LITELLM_NOISE, VALID, Brief, via_script

MESSAGES = [{"role": "user", "content": "hello"}]
SCHEMA = {"type": "object"}


def test_a_stored_answer_comes_back(tmp_path):
    cache = ResponseCache(tmp_path / "plan-swarm" / "llm-cache.sqlite3")
    key = cache_key("gpt-4o-mini", MESSAGES, SCHEMA)
    assert cache.get(key) is None
    cache.put(key, CachedAnswer("gpt-4o-mini", VALID, 1200, 350))
    assert ResponseCache(cache.path).get(key) == CachedAnswer("gpt-4o-mini", VALID, 1200, 350)


def test_the_file_is_in_wal_mode(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite3")
    with sqlite3.connect(cache.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_key_depends_on_model_messages_and_schema():
    key = cache_key("m", MESSAGES, SCHEMA)
    assert key == cache_key("m", [dict(MESSAGES[0])], {"type": "object"})
    assert (
        len(
            {
                key,
                cache_key("m2", MESSAGES, SCHEMA),
                cache_key("m", [{"role": "user", "content": "hello!"}], SCHEMA),
                cache_key("m", MESSAGES, {"type": "array"}),
            }
        )
        == 4
    )


def _writer(path: str, worker: int) -> list[str | None]:
    cache = ResponseCache(path)
    keys = [
        cache_key("m", [{"role": "user", "content": f"{worker}-{n}"}], SCHEMA) for n in range(25)
    ]
    for n, key in enumerate(keys):
        cache.put(key, CachedAnswer("m", f"{worker}-{n}", n, n))
    return [None if (hit := cache.get(key)) is None else hit.text for key in keys]


def test_several_processes_share_one_cache(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.starmap(_writer, [(path, worker) for worker in range(4)])
    assert results == [[f"{w}-{n}" for n in range(25)] for w in range(4)]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (100,)


@LITELLM_NOISE
def test_a_repeated_question_is_answered_from_the_cache_for_free(make_client, script, tmp_path):
    provider = script([VALID])
    cache = ResponseCache(tmp_path / "c.sqlite3")
    first = make_client(completion_kwargs=via_script(), cache=cache)
    assert first.ask("s", "u", Brief).points == 3
    resumed = make_client(completion_kwargs=via_script(), cache=ResponseCache(cache.path))
    assert resumed.ask("s", "u", Brief) == Brief(title="Market scan", points=3)
    assert len(provider.calls) == 1
    [paid], [hit] = first.ledger, resumed.ledger
    assert paid.cost_usd > 0 and not paid.cached
    assert hit.cached and hit.outcome == "ok" and hit.cost_usd == 0.0
    assert (hit.tokens_in, hit.tokens_out) == (paid.tokens_in, paid.tokens_out) == (1200, 350)
    assert hit.latency_s < 0.05


class Other(BaseModel):
    title: str
    points: int
    sources: list[str] = []


@LITELLM_NOISE
@pytest.mark.parametrize(
    "change",
    [
        {"schema": Other},
        {"user": "a different question"},
        {"system": "a different system prompt"},
        {"complexity": "complex"},  # routed to another model
    ],
)
def test_a_different_question_is_not_a_hit(make_client, script, tmp_path, change):
    from tests.swarm.llm.conftest import make_settings

    provider = script([VALID, VALID])
    settings = make_settings("gpt-4o-mini", complex_model="gpt-4o")
    llm = make_client(
        settings=settings, completion_kwargs=via_script(), cache=ResponseCache(tmp_path / "c")
    )
    llm.ask("s", "u", Brief)
    question = {"system": "s", "user": "u", "schema": Brief, **change}
    llm.ask(
        question["system"],
        question["user"],
        question["schema"],
        question.get("complexity", "simple"),
    )
    assert len(provider.calls) == 2
    assert [line.cached for line in llm.ledger] == [False, False]


@LITELLM_NOISE
def test_only_valid_answers_are_cached_and_under_the_first_question(make_client, script, tmp_path):
    provider = script(["nope", VALID])
    cache = ResponseCache(tmp_path / "c.sqlite3")
    make_client(completion_kwargs=via_script(), cache=cache).ask("s", "u", Brief)
    again = make_client(completion_kwargs=via_script(), cache=cache)
    assert again.ask("s", "u", Brief).points == 3
    assert len(provider.calls) == 2 and again.ledger[0].cached


@LITELLM_NOISE
def test_a_cache_hit_needs_no_budget(make_client, script, tmp_path):
    script([VALID])
    cache = ResponseCache(tmp_path / "c.sqlite3")
    make_client(completion_kwargs=via_script(), cache=cache).ask("s", "u", Brief)
    broke = make_client(completion_kwargs=via_script(), cache=cache, budget_usd=0.1, spent_usd=0.1)
    assert broke.ask("s", "u", Brief).points == 3
