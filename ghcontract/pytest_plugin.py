"""pytest fixture ``github_server``: a ContractServer with two users that fails the test at
teardown if any request or response broke GitHub's REST description.

Register it with ``pytest_plugins = ["ghcontract.pytest_plugin"]`` in a conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ghcontract.server import ContractServer

BOT_TOKEN = "ghp_swarmbot000000000000000000000000000"
HUMAN_TOKEN = "ghp_alice0000000000000000000000000000000"
USERS = {BOT_TOKEN: "swarm-bot", HUMAN_TOKEN: "alice"}


def fail_on_violations(server: ContractServer) -> None:
    """Fail the current test when the server recorded any contract violation."""
    if len(server.violations):
        pytest.fail(format_violations(server), pytrace=False)


def format_violations(server: ContractServer) -> str:
    lines = [f"{len(server.violations)} contract violation(s):"]
    for v in server.violations:
        lines.append(f"- [{v.kind}] {v.method} {v.path}: {v.detail}")
    return "\n".join(lines)


@pytest.fixture
def github_server(tmp_path: Path) -> Iterator[ContractServer]:
    """A loopback GitHub in ``tmp_path``; tokens in ``BOT_TOKEN`` (swarm-bot) and
    ``HUMAN_TOKEN`` (alice). A test that provokes violations on purpose must take them with
    ``server.take_violations()``."""
    from ghcontract.server import ContractServer  # imported here: only tests using it pay

    with ContractServer(tmp_path / "github", USERS, orgs=["swarm-org"]) as server:
        yield server
        fail_on_violations(server)
