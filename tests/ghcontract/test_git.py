"""Git smart HTTP: pygit2 and the git CLI clone, fetch and push through the server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pygit2
import pytest
from github.Repository import Repository

from ghcontract.pytest_plugin import BOT_TOKEN
from ghcontract.server import ContractServer

from .conftest import callbacks


class Recorder(pygit2.RemoteCallbacks):  # type: ignore[misc]
    def __init__(self, token: str) -> None:
        super().__init__(credentials=pygit2.UserPass("x-access-token", token))
        self.rejected: list[tuple[str, str]] = []

    def push_update_reference(self, refname: str, message: str | None) -> None:
        if message:
            self.rejected.append((refname, message))


def _commit(clone: pygit2.Repository, branch: str, name: str, parents: list[pygit2.Oid]) -> str:
    index = pygit2.Index()
    if parents:
        index.read_tree(clone.get(parents[0]).tree)
    index.add(pygit2.IndexEntry(name, clone.create_blob(name.encode()), pygit2.enums.FileMode.BLOB))
    sig = pygit2.Signature("t", "t@example.invalid")
    tree = index.write_tree(clone)
    return str(clone.create_commit(f"refs/heads/{branch}", sig, sig, name, tree, parents))


def test_pygit2_clone_fetch_push(
    github_server: ContractServer, repo: Repository, tmp_path: Path
) -> None:
    one = pygit2.clone_repository(repo.clone_url, str(tmp_path / "one"), callbacks=callbacks())
    two = pygit2.clone_repository(repo.clone_url, str(tmp_path / "two"), callbacks=callbacks())
    head = one.head.target
    new = _commit(one, "main", "a.txt", [head])
    one.remotes["origin"].push(["refs/heads/main:refs/heads/main"], callbacks=callbacks())
    assert repo.get_git_ref("heads/main").object.sha == new

    two.remotes["origin"].fetch(callbacks=callbacks())
    assert str(two.references["refs/remotes/origin/main"].target) == new

    # The server refuses force pushes and deletions (receive.denyNonFastForwards/denyDeletes);
    # libgit2 reports a refused ref through push_update_reference, not as an exception.
    rewrite = _commit(two, "main", "b.txt", [head])  # not a descendant of the pushed main
    refused = Recorder(BOT_TOKEN)
    two.remotes["origin"].push(["+refs/heads/main:refs/heads/main"], callbacks=refused)
    one.remotes["origin"].push([":refs/heads/main"], callbacks=refused)
    assert [ref for ref, _ in refused.rejected] == ["refs/heads/main", "refs/heads/main"]
    assert repo.get_git_ref("heads/main").object.sha == new != rewrite

    # Pushing needs a token; a wrong one is refused.
    with pytest.raises(pygit2.GitError):
        one.remotes["origin"].push(
            ["refs/heads/main:refs/heads/x"], callbacks=callbacks("ghp_wrong")
        )
    services = {(c.service, c.status) for c in github_server.git_calls}
    assert ("git-receive-pack", 200) in services
    assert ("info/refs?service=git-receive-pack", 401) in services


def test_git_cli_clone_private_repo(
    github_server: ContractServer, repo: Repository, tmp_path: Path
) -> None:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    anonymous = subprocess.run(
        ["git", "clone", repo.clone_url, str(tmp_path / "anon")], env=env, capture_output=True
    )
    assert anonymous.returncode != 0  # private: credentials needed
    url = repo.clone_url.replace("http://", f"http://x-access-token:{BOT_TOKEN}@")
    subprocess.run(
        ["git", "clone", url, str(tmp_path / "cli")], env=env, check=True, capture_output=True
    )
    assert (tmp_path / "cli" / "README.md").read_text() == "# plan\n"
