"""The LLM engine end to end: the whole example plan through litellm, on a provider that
answers like a model (tests/swarm/runtime/planned_llm.py), with realistic token usage.

The model is `gpt-4o-mini`, which litellm's shipped price list prices, routed to the custom
provider by `custom_llm_provider` in the engine's litellm arguments: the calls go through
litellm's real `completion` (provider routing, usage, response cost) and nothing leaves the
machine. The ledgers committed with the work must add up to exactly what the provider served.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from swarm.cli import main
from swarm.cli.demo import DEMO_HUMAN
from swarm.gitstore import MAIN
from swarm.layout import ledger_path
from swarm.llm.api import LedgerLine
from swarm.llm.ledger import ledger_from_jsonl
from swarm.repo import FORGE_DIR, Repo, open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions, SpawnReport, spawn
from swarm.states import State
from tests.swarm.llm.conftest import LITELLM_NOISE
from tests.swarm.runtime.invariants import (
    check_pull_requests,
    check_quiescent,
    example_repo,
    fsck,
    ledger_lines,
    merges,
)
from tests.swarm.runtime.planned_llm import (
    MODEL,
    PlannedLLM,
    calls,
    expected_cost,
    litellm_kwargs,
    registered,
)

pytestmark = [pytest.mark.slow, LITELLM_NOISE]
SPEC = engine_spec(MODEL, litellm_kwargs())
STAGE_OF_ROLE = {"research": "research", "compliance": "compliance", "executor": "execute"}


def run(repo: Repo, provider: PlannedLLM) -> tuple[Repo, SpawnReport]:
    with registered(provider):
        report = spawn(repo.path, SpawnOptions(SPEC), sleep=lambda _s: None)
    return open_repo(repo.path), report


def model_lines(lines: list[LedgerLine]) -> list[LedgerLine]:
    """The lines of calls to the model (the executor's hand-overs to people make none)."""
    return [line for line in lines if line.model != "offline"]


def lines_in_review(repo: Repo) -> list[LedgerLine]:
    """Ledger lines that open pull requests add to main's: stages waiting for approval."""
    out: list[LedgerLine] = []
    for pr in repo.forge.list_pull_requests("open"):
        path = ledger_path(pr.task_key)
        before = ledger_from_jsonl(repo.git.read(MAIN, path) or b"")
        after = ledger_from_jsonl(repo.git.read(pr.head_sha, path) or b"")
        assert after[: len(before)] == before, pr
        out += after[len(before) :]
    return out


def as_calls(lines: list[LedgerLine]) -> Counter[tuple[str, str, int, int]]:
    return Counter((x.task, x.stage, x.tokens_in, x.tokens_out) for x in lines)


def served(log: Path) -> Counter[tuple[str, str, int, int]]:
    return Counter(
        (c["task"], STAGE_OF_ROLE[c["role"]], c["tokens_in"], c["tokens_out"]) for c in calls(log)
    )


def cached_answers(repo: Repo) -> int:
    with sqlite3.connect(repo.path / FORGE_DIR / "llm-cache.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM answers").fetchone()[0])


def test_the_llm_engine_runs_the_plan_and_the_ledgers_add_up(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    # the model rates 4.3.1 tier 2 (the rules say 1): its deliverable waits for a person
    provider = PlannedLLM(log, tier2=frozenset({"4.3.1"}))
    repo, report = run(example_repo(tmp_path / "repo"), provider)

    check_quiescent(repo, report)
    check_pull_requests(repo)
    fsck(repo)
    assert not report.failed, report.results
    states = Counter(t.state for t in repo.tasks())
    assert states[State.DONE] >= 3 and states[State.NEEDS_HUMAN] >= 5, states
    in_review = {pr.task_key for pr in repo.forge.list_pull_requests("open")}
    assert "4.3.1" in in_review
    assert repo.task("4.3.1").risk_tier == 2  # type: ignore[union-attr]

    # the provider saw every stage's question, with realistic usage
    made = calls(log)
    roles = Counter(c["role"] for c in made)
    assert roles["research"] == roles["compliance"] == len(repo.tasks()), roles
    assert roles["executor"] == states[State.DONE] + len(in_review)
    assert not any(c["reask"] for c in made)
    assert all(1200 <= c["tokens_in"] <= 2500 and 300 <= c["tokens_out"] <= 900 for c in made)
    assert {c["model"] for c in made} == {MODEL}
    assert cached_answers(repo) == len(made)

    # every call is in a ledger: on main, or in a pull request that waits for approval; each
    # stage's lines were committed with its merge
    on_main = ledger_lines(repo)
    waiting = lines_in_review(repo)
    assert as_calls(model_lines(on_main) + waiting) == served(log)
    for task, stage in merges(repo):
        assert any(x.task == task and x.stage == stage for x in on_main), (task, stage)
    for line in [*on_main, *waiting]:
        assert line.model in (MODEL, "offline") and not line.cached and line.outcome == "ok"
        assert line.cost_usd == expected_cost(line.tokens_in, line.tokens_out), line
    total = math.fsum(x.cost_usd for x in [*on_main, *waiting])
    expected = math.fsum(expected_cost(c["tokens_in"], c["tokens_out"]) for c in made)
    assert total == pytest.approx(expected, abs=1e-9) and total > 0.01
    assert report.cost_usd == pytest.approx(expected, abs=1e-9)

    # a second spawn: nothing to do, no call to the model
    head = repo.git.resolve(MAIN)
    repo, again = run(repo, provider)
    assert repo.git.resolve(MAIN) == head
    assert len(calls(log)) == len(made)
    assert not any(r["outcome"] == "merged" for r in again.results)

    # a person approves what waits; the next spawn merges it, still without a call
    for pr in repo.forge.list_pull_requests("open"):
        assert main(["approve", str(repo.path), str(pr.number), "--as", DEMO_HUMAN]) == 0
    repo, approved = run(repo, provider)
    assert len(calls(log)) == len(made)
    assert all(repo.task(t).state is State.DONE for t in in_review)  # type: ignore[union-attr]
    assert not repo.forge.list_pull_requests("open")
    check_quiescent(repo, approved)
    on_main = ledger_lines(repo)
    assert as_calls(model_lines(on_main)) == served(log)
    assert math.fsum(x.cost_usd for x in on_main) == pytest.approx(expected, abs=1e-9)
