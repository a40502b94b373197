"""The packfile writer against git itself: ids, tree order, pack and index format."""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from swarm import packfile

#: git with no user or system configuration (no autocrlf, no filters, no hooks).
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(*args: str, cwd: Path | None = None, data: bytes | None = None, **env: str) -> bytes:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        check=True,
        env={**GIT_ENV, **env},
    )
    return done.stdout


def git_write_tree(files: dict[str, bytes], root: Path) -> str:
    """The tree id `git add -A && git write-tree` gives these files in a fresh work tree."""
    work, git_dir = root / "work", root / "repo.git"
    work.mkdir()
    for path, data in files.items():
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
    env = {"GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(work)}
    git("init", "-q", "--bare", str(git_dir))
    git("add", "-A", cwd=work, **env)
    return git("write-tree", cwd=work, **env).decode().strip()


def bare_repo(path: Path) -> Path:
    git("init", "-q", "--bare", str(path))
    return path


def test_object_id_matches_git_hash_object():
    for data in (b"", b"hello\n", bytes(range(256)) * 3, "grüße\n".encode()):
        expected = git("hash-object", "--stdin", data=data).decode().strip()
        assert packfile.object_id(b"blob", data).hex() == expected


def test_empty_snapshot_is_gits_empty_tree():
    assert packfile.Snapshot({}).root.hex() == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


TRICKY = {
    "a": b"file a\n",
    "a.b": b"file a.b\n",
    "a-b": b"file a-b\n",
    "a0": b"file a0\n",
    "b/a": b"dir b\n",
    "b.c": b"file b.c\n",
    "b-c/x": b"dir b-c\n",
    "b0/y": b"dir b0\n",
    "c/d/e/f": b"deep\n",
    "c/d.e": b"beside a dir\n",
    "c/d-e/g": b"dir beside a dir\n",
    "Z": b"upper case sorts first\n",
    "_": b"underscore\n",
}


def test_snapshot_root_matches_git_write_tree_with_tricky_order(tmp_path):
    # 'b/' sorts after 'b.c' and 'b-c/' ('/' is 0x2f, after '-' and '.') and before 'b0/'.
    assert packfile.Snapshot(TRICKY).root.hex() == git_write_tree(TRICKY, tmp_path)


def test_snapshot_root_does_not_depend_on_insertion_order(tmp_path):
    shuffled = list(TRICKY.items())
    random.Random(7).shuffle(shuffled)
    assert packfile.Snapshot(dict(shuffled)).root == packfile.Snapshot(TRICKY).root


def test_written_pack_passes_verify_pack_and_fsck(tmp_path):
    repo = bare_repo(tmp_path / "repo.git")
    files = {**TRICKY, "big.bin": random.Random(1).randbytes(70_000), "empty": b""}
    snap = packfile.Snapshot(files)
    pack = packfile.write_pack(repo / "objects", snap.objects)
    assert pack.is_file() and pack.with_suffix(".idx").is_file()
    listing = git("verify-pack", "-v", str(pack.with_suffix(".idx"))).decode()
    listed = {line.split()[0] for line in listing.splitlines() if line[:40].isalnum()}
    assert listed == {oid.hex() for oid in snap.objects}
    assert "chain" not in listing  # whole objects, no deltas
    commit = git("commit-tree", snap.root.hex(), "-m", "snapshot", cwd=repo).decode().strip()
    git("update-ref", "refs/heads/main", commit, cwd=repo)
    git("fsck", "--strict", "--no-dangling", cwd=repo)
    assert git("ls-tree", "-r", "--name-only", "main", cwd=repo).decode().split() == sorted(files)


def test_identical_blobs_are_stored_once(tmp_path):
    same = b"the same bytes\n"
    snap = packfile.Snapshot({"a": same, "b/c": same, "d/e/f": same, "g": b"other"})
    blobs = [oid for oid, (kind, _) in snap.objects.items() if kind == b"blob"]
    assert len(blobs) == 2
    pack = packfile.write_pack(bare_repo(tmp_path / "r.git") / "objects", snap.objects)
    listing = git("verify-pack", "-v", str(pack.with_suffix(".idx"))).decode()
    assert listing.count(packfile.object_id(b"blob", same).hex()) == 1


def test_empty_files_and_non_utf8_bytes_round_trip(tmp_path):
    repo = bare_repo(tmp_path / "r.git")
    files = {"empty": b"", "latin1": "café".encode("latin-1"), "nul": b"\x00\xff\xfe\x80"}
    snap = packfile.Snapshot(files)
    packfile.write_pack(repo / "objects", snap.objects)
    for path, data in files.items():
        assert git("cat-file", "blob", f"{snap.root.hex()}:{path}", cwd=repo) == data


def test_writing_the_same_pack_twice_keeps_one_pack(tmp_path):
    objects = bare_repo(tmp_path / "r.git") / "objects"
    snap = packfile.Snapshot(TRICKY)
    first = packfile.write_pack(objects, snap.objects)
    second = packfile.write_pack(objects, snap.objects)
    assert first == second
    assert sorted(p.name for p in (objects / "pack").iterdir()) == sorted(
        [first.name, first.with_suffix(".idx").name]
    )


@pytest.mark.parametrize(
    "files",
    [
        {"a": b"file", "a/b": b"below a file"},
        {"a/b/c": b"deep", "a/b": b"a file where a directory is"},
        {"x/y": b"1", "x/y/z": b"2"},
    ],
    ids=["file-then-below", "dir-then-file", "nested"],
)
def test_a_path_that_is_both_file_and_directory_is_refused(files):
    with pytest.raises(ValueError, match=r"runs through a file|is also a directory"):
        packfile.Snapshot(files)


NAME = st.text(alphabet="ab.-_0Z", min_size=1, max_size=4).filter(lambda s: s not in (".", ".."))
PATH = st.lists(NAME, min_size=1, max_size=3).map("/".join)


def _consistent(files: dict[str, bytes]) -> bool:
    """No path is also a directory of another path."""
    dirs = {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)}
    return not dirs & set(files)


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.dictionaries(PATH, st.binary(max_size=40), min_size=1, max_size=12))
def test_snapshot_root_matches_git_for_random_files(files):
    assume(_consistent(files))
    with tempfile.TemporaryDirectory() as tmp:
        assert packfile.Snapshot(files).root.hex() == git_write_tree(files, Path(tmp))
