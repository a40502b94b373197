"""What the runtime's acceptance tests share: a repository of the example plan with settings
changed by a person, and the invariants a quiescent swarm must hold (those of
test_spawn.check_quiescent, plus the ones about pull requests, claims and git itself)."""

from __future__ import annotations

import math
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from planexe import read_plan
from swarm import claims
from swarm.cli.demo import DEMO_HUMAN, example_plan_path
from swarm.gitstore import MAIN
from swarm.human import change_settings
from swarm.llm.api import LedgerLine
from swarm.llm.ledger import ledger_from_jsonl
from swarm.materialize import materialize
from swarm.repo import Repo, open_repo
from swarm.runtime.spawn import SpawnReport
from swarm.states import State
from swarm.trailers import parse
from swarm.verify import verify

QUIET = {State.DONE, State.NEEDS_HUMAN, State.BLOCKED, State.CANCELLED}


def example_repo(out: Path, **settings: Any) -> Repo:
    """The example plan materialized at `out` with demo-human listed; `settings` (top-level
    fields of swarm.yaml, or `budgets`/`roles` as dicts of their fields) are changed by
    demo-human's pull request, through the gates, the way a person would change them."""
    materialize(read_plan(example_plan_path()), out, humans=(DEMO_HUMAN,))
    repo = open_repo(out)
    if settings:
        current = repo.settings()
        update = {
            k: getattr(current, k).model_copy(update=v) if isinstance(v, dict) else v
            for k, v in settings.items()
        }
        wanted = current.model_copy(update=update)
        if wanted != current:  # a pull request that changes nothing does not pass the gates
            assert change_settings(repo, DEMO_HUMAN, wanted, time.time()).merged
        assert repo.settings() == wanted
    return repo


def merges(repo: Repo, authors: bool = True) -> Counter[tuple[str, str]]:
    """(task, stage) -> merges on main's first-parent history; each authored by its agent
    (checked unless `authors` is False: GitHub's merge commits are by the token's user).
    A person's change to swarm.yaml names no task and is not counted."""
    out: Counter[tuple[str, str]] = Counter()
    for commit in repo.git.log_first_parent(MAIN):
        info = repo.git.commit_info(commit)
        if len(info.parents) != 2:
            continue
        t = parse(info.message)
        assert not authors or info.author == t["Swarm-Agent"], (commit, info.author)
        if "Swarm-Task" in t:
            out[(t["Swarm-Task"], t["Swarm-Stage"])] += 1
    return out


def check_quiescent(repo: Repo, report: SpawnReport | None = None) -> None:
    """test_spawn.check_quiescent's invariants, for repositories whose history may hold a
    person's settings change."""
    tasks = repo.tasks()
    open_prs = {pr.task_key for pr in repo.forge.list_pull_requests("open")}
    for t in tasks:
        waiting_for_approval = t.state is State.CLEARED and t.id in open_prs
        waiting_on_dep = t.state is State.CLEARED and any(
            d.state is not State.DONE for d in tasks if d.id in t.depends_on
        )
        assert t.state in QUIET or waiting_for_approval or waiting_on_dep, (t.id, t.state)
        assert t.state not in (State.TODO, State.RESEARCHED), t.id
    if report is not None:
        assert not report.luigi_failures
    result = verify(repo.git)
    assert result.ok, result.violations[:3]
    merged = merges(repo)
    assert merged and max(merged.values()) == 1, [k for k, v in merged.items() if v > 1]
    for t in tasks:
        if t.state is State.NEEDS_HUMAN:
            issue = repo.forge.issue_by_key(t.id)
            assert issue is not None and "needs-human" in issue.labels
            assert "## Handoff" in issue.body


def check_pull_requests(repo: Repo) -> None:
    """No (task, stage) has two pull requests among the open and merged ones (closed ones are
    failed attempts), every merged one is merged on main once, and every open one waits for a
    person's approval and nothing else."""
    prs = [p for p in repo.forge.list_pull_requests() if p.task_key]
    live = Counter((p.task_key, p.stage) for p in prs if p.state in ("open", "merged"))
    assert max(live.values()) == 1, [k for k, v in live.items() if v > 1]
    merged = merges(repo)
    for p in prs:
        if p.state == "merged":
            assert merged[(p.task_key, p.stage)] == 1, p
    for p in prs:
        if p.state != "open":
            continue
        task = repo.task(p.task_key)
        assert task is not None and task.state is State.CLEARED and task.approval_required, p
        assert p.stage == "execute", p
        [check] = [c for c in repo.forge.list_checks(p.number) if c.commit_sha == p.head_sha][-1:]
        rules = {f["rule"] for f in check.details["findings"] if f["severity"] == "error"}
        assert rules == {"approval"}, (p, rules)


def check_claims_end(repo: Repo, ended_at: float) -> None:
    """No claim outlives the lease after the last swarm ended: nothing renews one any more."""
    lease = repo.settings().lease_seconds
    late = [c for c in claims.list_claims(repo.git) if c.live(ended_at + lease + 1)]
    assert not late, late


def fsck(repo: Repo) -> None:
    subprocess.run(
        ["git", "-C", str(repo.path), "fsck", "--strict", "--no-progress"],
        check=True,
        capture_output=True,
        text=True,
    )


def ledger_lines(repo: Repo, rev: str = MAIN) -> list[LedgerLine]:
    out: list[LedgerLine] = []
    for path in repo.git.paths(rev, "ledger"):
        out += ledger_from_jsonl(repo.git.read(rev, path) or b"", path)
    return out


def total(values: list[float]) -> float:
    return math.fsum(values)
