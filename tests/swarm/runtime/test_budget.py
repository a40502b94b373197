"""A task's budget runs out mid-plan: its next call is never made, and it is blocked with the
reason, while the rest of the plan goes on.

A person lowers `budgets.per_task_usd` to $0.05 (a pull request on swarm.yaml). The provider
reports a huge prompt (330,000 tokens, $0.0498 at gpt-4o-mini's price) for the research of one
task only: within the budget, so the brief merges with its ledger, but the estimate of the
compliance question (its prompt and the answer the schema asks for) no longer fits.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from swarm.gitstore import MAIN
from swarm.layout import ledger_path
from swarm.llm.ledger import ledger_from_jsonl
from swarm.repo import open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions, spawn
from swarm.states import State
from tests.swarm.llm.conftest import LITELLM_NOISE
from tests.swarm.runtime.invariants import (
    check_pull_requests,
    check_quiescent,
    example_repo,
    fsck,
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
BUDGET = 0.05
DEAR = "1.1.3"  # the budget spreadsheet; 1.2.x, 2.1.x, 4.1.x and 4.3.x depend on it
DEAR_USAGE = (330_000, 500)


def test_a_task_out_of_budget_is_blocked_before_its_next_call(tmp_path: Path) -> None:
    research_cost = expected_cost(*DEAR_USAGE)
    assert research_cost < BUDGET < research_cost + expected_cost(1200, 256)
    repo = example_repo(tmp_path / "repo", budgets={"per_task_usd": BUDGET})
    log = tmp_path / "calls.jsonl"
    provider = PlannedLLM(log, usage={DEAR: DEAR_USAGE})
    with registered(provider):
        report = spawn(repo.path, SpawnOptions(engine_spec(MODEL, litellm_kwargs())))
    repo = open_repo(repo.path)

    dear = repo.task(DEAR)
    assert dear is not None and dear.state is State.BLOCKED
    assert dear.blocked_reason is not None and "budget" in dear.blocked_reason
    assert f"${BUDGET:.2f}" in dear.blocked_reason, dear.blocked_reason
    # one call, the research; the compliance question was never sent
    made = calls(log)
    assert [(c["task"], c["role"]) for c in made if c["task"] == DEAR] == [(DEAR, "research")]
    # its ledger on main shows that call at its price, and nothing else
    [line] = ledger_from_jsonl(repo.git.read(MAIN, ledger_path(DEAR)) or b"")
    assert (line.stage, line.tokens_in, line.tokens_out) == ("research", *DEAR_USAGE)
    assert line.cost_usd == research_cost
    # research merged, then the compliance agent blocked it through the gates
    assert merges(repo)[(DEAR, "research")] == merges(repo)[(DEAR, "compliance")] == 1
    blocked = [r for r in report.results if r["outcome"] == "blocked"]
    assert [(r["task"], r["stage"]) for r in blocked] == [(DEAR, "compliance")]

    # the other tasks went on: every one researched and assessed, those free to run done
    check_quiescent(repo, report)
    check_pull_requests(repo)
    fsck(repo)
    roles = Counter(c["role"] for c in made if c["task"] != DEAR)
    others = len(repo.tasks()) - 1
    assert roles["research"] == roles["compliance"] == others, roles
    states = Counter(t.state for t in repo.tasks())
    assert states[State.DONE] >= 2 and states[State.BLOCKED] == 1, states
    waiting_on_dear = [t for t in repo.tasks() if DEAR in t.depends_on]
    assert waiting_on_dear and all(t.state is not State.DONE for t in waiting_on_dear)
    for t in repo.tasks():
        spent = math.fsum(
            x.cost_usd for x in ledger_from_jsonl(repo.git.read(MAIN, ledger_path(t.id)) or b"")
        )
        assert spent <= BUDGET, (t.id, spent)
