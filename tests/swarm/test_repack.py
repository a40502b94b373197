"""keep_packed on real repositories: git's own repack, checked with git."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from swarm import repack
from swarm.gitstore import MAIN, GitStore, Identity
from swarm.repack import keep_packed, loose_objects, pack_count

WHO = Identity("tester", "tester@example.invalid", 1_700_000_000)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def history(tmp_path: Path, commits: int) -> GitStore:
    """A repository whose main has `commits` one-file commits after a first, packed one."""
    store = GitStore.init_bare(tmp_path / "repo.git")
    head = store.commit(MAIN, store.write_tree({"a.txt": b"0\n"}), "first", WHO, [], None)
    for i in range(1, commits + 1):
        tree = store.apply(head, {f"d/{i % 7}/f{i}.txt": f"{i}\n".encode()})
        head = store.commit(MAIN, tree, f"c{i}", WHO, [head], expected=head)
    return store


def test_fewer_loose_objects_than_the_threshold_are_left_alone(tmp_path):
    store = history(tmp_path, 5)
    before = loose_objects(store.path)
    assert before > 0
    assert keep_packed(store.path, at_least=before + 1) is None
    assert loose_objects(store.path) == before


def test_loose_objects_are_packed_and_the_history_reads_the_same(tmp_path):
    store = history(tmp_path, 40)
    files = store.files(MAIN)
    commits = store.log_first_parent(MAIN)
    before = loose_objects(store.path)
    done = keep_packed(store.path, at_least=before)
    assert done is not None and done.loose_before == before and done.loose_after == 0
    assert "count: 0" in git(store.path, "count-objects", "-v").splitlines()
    git(store.path, "fsck", "--strict")
    again = GitStore.open(store.path)
    assert again.files(MAIN) == files and again.log_first_parent(MAIN) == commits
    assert again.read(MAIN, "d/5/f40.txt") == b"40\n"


def test_an_object_no_ref_reaches_stays_loose_and_readable(tmp_path):
    store = history(tmp_path, 10)
    done = subprocess.run(
        ["git", "--git-dir", str(store.path), "hash-object", "-w", "--stdin"],
        input=b"nobody points at me\n",
        capture_output=True,
        check=True,
    )
    orphan = done.stdout.decode().strip()
    packed = keep_packed(store.path, at_least=1)
    assert packed is not None and packed.loose_after == 1
    assert store.blob(orphan) == b"nobody points at me\n"


def test_many_packs_are_merged_into_one(tmp_path, monkeypatch):
    monkeypatch.setattr(repack, "PACKS_TO_MERGE", 3)
    store = history(tmp_path, 3)
    for extra in range(3):  # each write_tree of new files adds a pack
        store.write_tree({f"extra-{extra}.txt": f"{extra}\n".encode()})
    assert pack_count(store.path) >= 3
    assert keep_packed(store.path, at_least=1) is not None
    assert pack_count(store.path) == 1
    git(store.path, "fsck", "--strict")


def test_without_git_the_objects_stay_loose_with_a_warning(tmp_path, monkeypatch, caplog):
    store = history(tmp_path, 5)
    before = loose_objects(store.path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    with caplog.at_level(logging.WARNING, logger="swarm.repack"):
        assert keep_packed(store.path, at_least=1) is None
    assert loose_objects(store.path) == before
    assert "git is not installed" in caplog.text


def test_a_failing_repack_leaves_the_objects_and_says_why(tmp_path, caplog):
    store = history(tmp_path, 5)
    before = loose_objects(store.path)
    head = store.resolve(MAIN) or ""
    damaged = store.path / "objects" / head[:2] / head[2:]
    damaged.chmod(0o644)
    damaged.write_bytes(b"not zlib")  # git refuses to pack what it cannot read
    with caplog.at_level(logging.WARNING, logger="swarm.repack"):
        assert keep_packed(store.path, at_least=1) is None
    assert loose_objects(store.path) == before
    assert "git repack failed" in caplog.text
