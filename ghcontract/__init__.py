"""A loopback GitHub for tests and benchmarks that holds clients to GitHub's REST contract.

``ContractServer`` serves the REST routes a plan-swarm forge uses (repositories, labels,
milestones, issues, sub-issues, comments, pull requests, reviews, merges, check runs, statuses,
git refs, the rate limit) and git smart HTTP for clone/fetch/push, on 127.0.0.1. Every request
and every response is checked against GitHub's official description (npm ``@octokit/openapi``);
what breaks it lands in ``server.violations``, which the ``github_server`` pytest fixture turns
into a test failure::

    from github import Auth, Github
    from ghcontract import ContractServer

    with ContractServer(tmp_path, {"ghp_bot": "swarm-bot"}, required_checks={"gate"}) as server:
        gh = Github(base_url=server.api_url, auth=Auth.Token("ghp_bot"),
                    seconds_between_requests=0, seconds_between_writes=0)
        repo = gh.get_user().create_repo("plan", auto_init=True)
        server.faults.arm("status_502", "POST", "/repos/{owner}/{repo}/issues")
        ...
        assert server.calls.count("POST", "/repos/{owner}/{repo}/issues") == 2
        assert not server.violations
"""

from __future__ import annotations

import importlib
from typing import Any

# Exports resolve lazily: ``ghcontract.pytest_plugin`` is loaded by every test session, and
# only tests that start a server should pay for importing openapi-core, pygit2 and the spec.
_EXPORTS = {
    "Call": "ghcontract.calllog",
    "CallLog": "ghcontract.calllog",
    "GitCall": "ghcontract.calllog",
    "Violation": "ghcontract.calllog",
    "Fault": "ghcontract.faults",
    "FaultKind": "ghcontract.faults",
    "Faults": "ghcontract.faults",
    "ContractServer": "ghcontract.server",
    "spec_file": "ghcontract.spec",
}
SPEC_VERSION = "23.0.2"  # kept equal to ghcontract.spec.VERSION (checked by the tests)

__all__ = ["SPEC_VERSION", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ghcontract' has no attribute {name!r}")
