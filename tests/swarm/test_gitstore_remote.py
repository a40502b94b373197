"""A mirror linked to a remote: pushes are compare-and-swaps on the remote, refusals reset
the mirror. Real repositories on disk, the remote reached by path (git's local transport);
the HTTP transport is covered with the GitHub contract server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from swarm.errors import SwarmError
from swarm.gitstore import MAIN, GitStore, Identity, RefConflict, RemoteLink

WHO = Identity("t", "t@example.invalid", 1_700_000_000)


def _commit(git: GitStore, parents: list[str], text: str) -> str:
    return git.write_commit(git.write_tree({"f.txt": text.encode()}), text, WHO, parents)


@pytest.fixture
def remote(tmp_path: Path) -> GitStore:
    git = GitStore.init_bare(tmp_path / "remote.git")
    git.commit(MAIN, git.write_tree({"f.txt": b"0"}), "root", WHO, [], expected=None)
    return git


def _mirror(remote: GitStore, path: Path) -> GitStore:
    subprocess.run(["git", "clone", "-q", "--bare", str(remote.path), str(path)], check=True)
    git = GitStore.open(path)
    git.link(RemoteLink(str(remote.path)))
    return git


def test_a_published_update_reaches_the_remote(remote: GitStore, tmp_path: Path) -> None:
    a = _mirror(remote, tmp_path / "a.git")
    base = a.resolve(MAIN)
    assert base is not None
    new = _commit(a, [base], "1")
    a.update_ref(MAIN, new, base)
    assert remote.resolve(MAIN) == new
    claim = "refs/swarm/claims/1.1.1/research"
    c = _commit(a, [], "claim")
    a.update_ref(claim, c, None)
    assert remote.resolve_ref(claim) == c


def test_two_mirrors_racing_one_wins_and_the_loser_follows(
    remote: GitStore, tmp_path: Path
) -> None:
    a, b = _mirror(remote, tmp_path / "a.git"), _mirror(remote, tmp_path / "b.git")
    ref = "refs/swarm/claims/1.1.1/research"
    ca, cb = _commit(a, [], "a"), _commit(b, [], "b")
    a.update_ref(ref, ca, None)
    with pytest.raises(RefConflict) as lost:
        b.update_ref(ref, cb, None)  # b's mirror did not know the ref exists: the remote does
    assert lost.value.actual == ca
    assert b.resolve_ref(ref) == ca  # the loser's mirror now shows the winner
    assert remote.resolve_ref(ref) == ca


def test_a_mirror_that_fell_behind_is_refused_and_catches_up(
    remote: GitStore, tmp_path: Path
) -> None:
    a, b = _mirror(remote, tmp_path / "a.git"), _mirror(remote, tmp_path / "b.git")
    base = a.resolve(MAIN)
    assert base is not None
    one = _commit(b, [base], "1")
    b.update_ref(MAIN, one, base)  # a does not know: its main is still `base`
    mine = _commit(a, [base], "mine")
    with pytest.raises(RefConflict) as lost:
        a.update_ref(MAIN, mine, base)
    assert lost.value.actual == one
    assert remote.resolve(MAIN) == one and a.resolve(MAIN) == one


def test_fetch_brings_claims_and_branches(remote: GitStore, tmp_path: Path) -> None:
    a, b = _mirror(remote, tmp_path / "a.git"), _mirror(remote, tmp_path / "b.git")
    ref = "refs/swarm/claims/2.1.1/execute"
    a.update_ref(ref, _commit(a, [], "c"), None)
    assert b.resolve_ref(ref) is None
    b.fetch()
    assert b.resolve_ref(ref) == a.resolve_ref(ref)
    assert b.remote_refs("refs/swarm/") == a.refs("refs/swarm/")


def test_an_unreachable_remote_is_a_clear_error(tmp_path: Path, remote: GitStore) -> None:
    a = _mirror(remote, tmp_path / "a.git")
    a.link(RemoteLink(str(tmp_path / "nowhere.git")))
    with pytest.raises(SwarmError, match=r"nowhere\.git"):
        a.fetch()
