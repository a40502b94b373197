"""Clients and git helpers for the contract-server tests (``github_server`` is the plugin's)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygit2
import pytest
from github import Auth, Github
from github.Repository import Repository

from ghcontract.pytest_plugin import BOT_TOKEN, HUMAN_TOKEN
from ghcontract.server import ContractServer


def client(server: ContractServer, token: str = BOT_TOKEN, retry: object = None) -> Github:
    return Github(
        base_url=server.api_url,
        auth=Auth.Token(token),
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry=retry,  # type: ignore[arg-type]
    )


@pytest.fixture
def gh(github_server: ContractServer) -> Github:
    """swarm-bot's client, no retries: every error surfaces."""
    return client(github_server, BOT_TOKEN)


@pytest.fixture
def gh_alice(github_server: ContractServer) -> Github:
    return client(github_server, HUMAN_TOKEN)


@pytest.fixture
def repo(gh: Github) -> Repository:
    """swarm-bot/plan with an initial commit on main."""
    return gh.get_user().create_repo("plan", private=True, auto_init=True)


def callbacks(token: str = BOT_TOKEN) -> pygit2.RemoteCallbacks:
    return pygit2.RemoteCallbacks(credentials=pygit2.UserPass("x-access-token", token))


PushFn = Callable[..., str]


@pytest.fixture
def push(github_server: ContractServer, tmp_path: Path) -> PushFn:
    """``push(repo, branch, {path: text}, base="main")``: commit the files on top of ``base``
    in a clone and push the branch over smart HTTP; returns the new commit's sha."""
    clones: dict[str, pygit2.Repository] = {}

    def do_push(
        repo: Repository,
        branch: str,
        files: dict[str, str],
        base: str = "main",
        message: str | None = None,
    ) -> str:
        clone = clones.get(repo.full_name)
        if clone is None:
            target = tmp_path / "clones" / repo.full_name
            clone = pygit2.clone_repository(repo.clone_url, str(target), callbacks=callbacks())
            clones[repo.full_name] = clone
        remote = clone.remotes["origin"]
        remote.fetch(callbacks=callbacks())
        parent = clone.references[f"refs/remotes/origin/{base}"].peel(pygit2.Commit)
        index = pygit2.Index()
        index.read_tree(parent.tree)
        for path, text in files.items():
            blob = clone.create_blob(text.encode())
            index.add(pygit2.IndexEntry(path, blob, pygit2.enums.FileMode.BLOB))
        sig = pygit2.Signature("swarm-bot", "swarm-bot@example.invalid")
        tree = index.write_tree(clone)
        sha = clone.create_commit(
            None, sig, sig, message or f"edit {', '.join(files)}", tree, [parent.id]
        )
        clone.references.create(f"refs/heads/{branch}", sha, force=True)
        remote.push([f"+refs/heads/{branch}:refs/heads/{branch}"], callbacks=callbacks())
        return str(sha)

    return do_push
