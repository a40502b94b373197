"""Which task owns a path, which paths are protected, and how broken inputs are reported."""

from __future__ import annotations

import pytest

from swarm.gates.context import is_protected, owner_of
from swarm.gates.model import Actor, Proposal
from swarm.layout import compliance_path, deliverables_dir, ledger_path, research_path
from swarm.settings import GateSettings
from swarm.states import Role, State
from tests.swarm.gates.builders import (
    AGENT,
    PR,
    TASK,
    agent_pr,
    base_repo,
    error_rules,
    errors_of,
    judge,
    legal,
    path_of,
)


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("tasks/2/2.1/2.1.1-sign-the-lease.yaml", "2.1.1"),
        ("tasks/2/2.1/2.1.1.yaml", "2.1.1"),
        ("tasks/2.1.1.yaml", None),
        ("tasks/1/1.1/2.1.1.yaml", None),
        ("research/2/2.1/2.1.1.md", "2.1.1"),
        ("research/2/2.1/2.1.1/sources/landlord.pdf", "2.1.1"),
        ("compliance/2/2.1/2.1.1.md", "2.1.1"),
        ("compliance/2/2.1/2.1.1/permit.md", "2.1.1"),
        ("deliverables/2/2.1/2.1.1/lease.md", "2.1.1"),
        ("ledger/2/2.1/2.1.1.jsonl", "2.1.1"),
        ("research/2/2.1/2.1.11.md", "2.1.11"),
        ("research/12/12.10/12.10.3.md", "12.10.3"),
        # the layout's own functions agree with the pattern
        (research_path("2.1.1"), "2.1.1"),
        (compliance_path("2.1.1"), "2.1.1"),
        (f"{deliverables_dir('2.1.1')}/lease.md", "2.1.1"),
        (ledger_path("2.1.1"), "2.1.1"),
        # not a task's: another folder's, the flat layout, or no such file kind
        ("research/1/1.1/2.1.1.md", None),
        ("deliverables/2/2.2/2.1.1/lease.md", None),
        ("research/2.1.1.md", None),
        ("deliverables/2.1.1/lease.md", None),
        ("ledger/2.1.1.jsonl", None),
        ("research/2/2.1/2.1.1.txt", None),
        ("research/2/2.1/2.1.md", None),
        ("deliverables/2/2.1/2.1.1", None),
        ("deliverables/2/2.1/2.1.1.md", None),
        ("ledger/2/2.1/2.1.1.json", None),
        ("README.md", None),
        ("tasks/notes.md", None),
        ("swarm.yaml", None),
    ],
)
def test_owner_of(path: str, owner: str | None) -> None:
    assert owner_of(path) == owner


def test_is_protected_matches_directories_and_exact_files() -> None:
    prefixes = GateSettings().protected_paths
    assert is_protected(".github/workflows/x.yml", prefixes)
    assert is_protected("swarm.yaml", prefixes)
    assert not is_protected("swarm.yaml.bak", prefixes)
    assert is_protected("plan/risks.md", prefixes)
    assert not is_protected("planning/x.md", prefixes)
    assert is_protected("plan/x.md", ("plan",))


def test_a_task_file_that_is_broken_on_main_fails_loudly() -> None:
    pr = legal(State.TODO, State.RESEARCHED)
    pr.base[path_of(TASK)] = b"id: [unclosed\n"
    assert "transition" in error_rules(judge(pr))

    # a PR that does not touch the broken file still hears about it
    pr = agent_pr(base_repo(State.TODO), "research")
    pr.base[path_of(TASK)] = pr.head[path_of(TASK)] = b"id: [unclosed\n"
    pr.head[research_path(TASK)] = b"x" * 300
    found = errors_of(judge(pr), "schema")
    assert any(f.path == path_of(TASK) and "base version" in f.message for f in found)


def test_an_agent_pull_request_about_no_task_is_rejected() -> None:
    base = base_repo()
    pr = PR(base, dict(base), Actor(AGENT, Role.RESEARCH), Proposal(None, "research", 3))
    pr.head["README.md"] = b"# hello\n"
    assert {"scope", "transition", "claim"} <= error_rules(judge(pr))


def test_research_for_a_task_that_does_not_exist_is_rejected() -> None:
    base = base_repo()
    pr = PR(base, dict(base), Actor(AGENT, Role.RESEARCH), Proposal("7.7.7", "research", 3))
    pr.head[research_path("7.7.7")] = b"x" * 300
    found = errors_of(judge(pr), "transition")
    assert [f.message for f in found] == ["there is no task 7.7.7 on main"]
