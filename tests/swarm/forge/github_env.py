"""Shared set-up for the GitHub forge's tests: the contract server, the token and API URL in
the environment, and plan-swarm's own commands run in-process."""

from __future__ import annotations

import base64
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from ghcontract.pytest_plugin import BOT_TOKEN
from ghcontract.server import ContractServer
from swarm.cli import main
from swarm.repo import Repo

OWNER = "swarm-bot"
FAST = "100000"  # writes per minute: pacing is measured by bench/github.py, not here


def use_server(server: ContractServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", server.api_url)
    monkeypatch.delenv("GH_TOKEN", raising=False)


def swarm(*args: object) -> int:
    return main([str(a) for a in args])


def materialize(plan: Path, out: Path, name: str, *extra: object) -> int:
    return swarm(
        "materialize",
        plan,
        "--out",
        out,
        "--forge",
        "github",
        "--repo",
        f"{OWNER}/{name}",
        "--writes-per-minute",
        FAST,
        "--human",
        "alice",
        *extra,
    )


def issue_keys(server: ContractServer, name: str) -> Counter[str]:
    """Keys of the issues GitHub holds (a duplicate shows as a count of 2)."""
    from github import Auth, Github

    from swarm.forge import markers

    gh = Github(base_url=server.api_url, auth=Auth.Token(BOT_TOKEN), seconds_between_writes=0)
    out: Counter[str] = Counter()
    for issue in gh.get_repo(f"{OWNER}/{name}").get_issues(state="all"):
        key = markers.read(issue.body)[1].get("key")
        if key:
            out[key] += 1
    return out


def clone_with_claims(server: ContractServer, name: str, dest: Path) -> Path:
    """A plain `git clone` of what GitHub holds, plus the claim refs, as a user would do."""
    url = server.git_url(OWNER, name)
    basic = base64.b64encode(f"x-access-token:{BOT_TOKEN}".encode()).decode()
    auth = ["-c", f"http.extraHeader=Authorization: Basic {basic}"]  # -c: kept out of config
    subprocess.run(["git", *auth, "clone", "-q", "--bare", url, str(dest)], check=True)
    subprocess.run(
        ["git", *auth, "-C", str(dest), "fetch", "-q", url, "+refs/swarm/*:refs/swarm/*"],
        check=True,
    )
    return dest


def states(repo: Repo) -> dict[str, str]:
    return {t.id: t.state.value for t in repo.tasks()}
