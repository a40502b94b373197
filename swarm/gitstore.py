"""The git store: the only module that imports pygit2.

It reads trees at a ref, writes a change set as a commit, and moves refs by compare-and-swap
only. No working tree is ever needed. Nothing here force-updates a ref: every ref write names
the value it expects to replace (None for "must not exist yet") and fails if another writer got
there first.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pygit2

from swarm.errors import SwarmError

MAIN = "refs/heads/main"
_FILE_MODE = pygit2.enums.FileMode.BLOB
_TREE_MODE = pygit2.enums.FileMode.TREE
_LOCK_RETRIES = 8
_STALE_LOCK_SECONDS = 60.0
_GUARD_WAIT_S = 30.0
_FAST_MERGE_BASE_STEPS = 20_000  # first parents walked before leaving it to libgit2
GUARDS_DIR = "ref-guards"  # in the git directory; git ignores what it does not know there
log = logging.getLogger(__name__)

# libgit2 keeps a parsed tree in its object cache only if it is under 4 KiB. A folder of
# hundreds of entries (a large phase's subtasks, deliverables/) is larger, and every read of a
# path under it would inflate and parse it again (a flat tasks/ of 10,000 tasks made reading
# every task file quadratic: 4 ms per read). Larger trees are cached; the cache as a whole is
# held to 64 MiB a process (libgit2's default is 256 MiB), since a swarm runs many processes
# and only the trees of the last few commits of main are read again.
pygit2.settings.cache_object_limit(pygit2.enums.ObjectType.TREE, 16 * 1024 * 1024)
pygit2.settings.cache_max_size(64 * 1024 * 1024)


_Entry = tuple[bytes, int]  # a tree entry's raw id and mode
# A tree as git stores it: a run of "<octal mode> <name>NUL<20-byte id>", one match an entry
# (ids are SHA-1: libgit2 as pygit2 ships it reads no SHA-256 repositories).
_RAW_ENTRY = re.compile(rb"[0-7]+ [^\x00]*\x00.{20}", re.DOTALL)
_Diff = Iterator[tuple[str, _Entry | None, _Entry | None]]


# How many tree entries a store keeps at hand (a few MB): replaying a history diffs each commit
# against its parent, so every tree on a changed path is read once as the new side and again,
# one commit later, as the old side. Some 100 commits' worth at 10,000 tasks; counted in entries,
# not trees, so that a wide folder cannot make it large. Keyed by the tree's id: never stale.
_ENTRIES_REMEMBERED = 20_000


class RefConflict(SwarmError):
    """A compare-and-swap lost: the ref did not hold the expected value."""

    def __init__(self, ref: str, expected: str | None, actual: str | None) -> None:
        self.ref, self.expected, self.actual = ref, expected, actual
        want = expected or "nothing"
        super().__init__(f"{ref} moved: expected {want}, found {actual or 'nothing'}", 1)


class DamagedTree(SwarmError):
    """A folder on a diffed path is not a well-formed tree: a damaged repository, or a hand-made
    commit (`git hash-object --literally`) pushed to a branch."""

    def __init__(
        self, store: Path, folder: str, tree: str, problem: Literal["not a folder", "malformed"]
    ) -> None:
        self.folder, self.tree, self.problem = folder, tree, problem
        super().__init__(f"{store}: {self.describe()}")

    def describe(self) -> str:
        if self.problem == "not a folder":
            return f"{self.folder} ({self.tree}) is filed as a folder but is not one"
        return f"folder {self.folder} ({self.tree}) is not a well-formed tree"


@dataclass(frozen=True)
class Change:
    path: str
    before: str | None  # blob id, None when added
    after: str | None  # blob id, None when deleted


@dataclass(frozen=True)
class CommitInfo:
    id: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author: str
    author_email: str
    time: int


@dataclass(frozen=True)
class Identity:
    name: str
    email: str
    time: int | None = None  # seconds since the epoch; None: now
    offset: int = 0  # minutes east of UTC

    def signature(self) -> pygit2.Signature:
        when = int(time.time()) if self.time is None else self.time
        return pygit2.Signature(self.name, self.email, when, self.offset)


class _GuardBusy(Exception):
    """Another plan-swarm writer is updating the ref right now."""


ZERO = "0" * 40


@dataclass(frozen=True)
class RemoteLink:
    """The remote a local mirror publishes to (the GitHub forge's repository).

    The token reaches git only through libgit2's credentials callback: it is never part of a
    URL, a config file, a ref log or a message."""

    url: str
    token: str | None = field(default=None, repr=False)
    published: tuple[str, ...] = ("refs/heads/", "refs/swarm/")

    def publishes(self, ref: str) -> bool:
        return any(ref.startswith(p) for p in self.published)


class _StaleRemote(Exception):
    def __init__(self, ref: str, actual: str | None) -> None:
        self.ref, self.actual = ref, actual


class _Callbacks(pygit2.RemoteCallbacks):
    """Credentials from the link, a compare-and-swap check before anything is sent, and the
    server's verdict per ref."""

    def __init__(self, link: RemoteLink, expect: dict[str, str | None] | None = None) -> None:
        super().__init__()
        self._link, self._expect = link, expect or {}
        self._asked = False
        self.rejected: dict[str, str] = {}

    def credentials(
        self, url: str, username_from_url: str | None, allowed_types: int
    ) -> pygit2.UserPass:
        if self._link.token is None or self._asked:
            # asked again means the token was refused: stop instead of looping on it
            raise SwarmError(f"{_public(url)}: the remote refused the credentials", 1)
        self._asked = True
        return pygit2.UserPass("x-access-token", self._link.token)

    def custom_headers(self) -> list[str] | None:
        # sent up front, as actions/checkout does, so that git does not pay a refused round
        # trip (401, then the credentials callback) on every fetch and push
        if self._link.token is None:
            return None
        basic = base64.b64encode(f"x-access-token:{self._link.token}".encode()).decode()
        return [f"Authorization: Basic {basic}"]

    def push_negotiation(self, updates: list[pygit2.remotes.PushUpdate]) -> None:
        for u in updates:
            if u.dst_refname in self._expect:
                actual = None if str(u.src) == ZERO else str(u.src)
                if actual != self._expect[u.dst_refname]:
                    raise _StaleRemote(u.dst_refname, actual)

    def push_update_reference(self, refname: str, message: str | None) -> None:
        if message:
            self.rejected[refname] = message


def _public(url: str) -> str:
    """A URL fit for a message: any user info dropped."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else url


class GitStore:
    def __init__(self, repo: pygit2.Repository) -> None:
        self._repo = repo
        self._tree_entries: dict[bytes, frozenset[bytes]] = {}
        self._entries_held = 0
        self._guards: Path | None = None
        self._link: RemoteLink | None = None

    def link(self, remote: RemoteLink | None) -> None:
        """Make this store a mirror of `remote`: an update of a published ref is a
        compare-and-swap on the remote first (see update_ref)."""
        self._link = remote

    @property
    def path(self) -> Path:
        return Path(self._repo.path)

    @classmethod
    def init_bare(cls, path: Path) -> GitStore:
        repo = pygit2.init_repository(str(path), bare=True, initial_head="main")
        return cls(repo)

    @classmethod
    def open(cls, path: Path) -> GitStore:
        try:
            repo = pygit2.Repository(str(path))
        except pygit2.GitError:
            raise SwarmError(f"{path}: not a git repository") from None
        return cls(repo)

    @classmethod
    def clone_mirror(cls, remote: RemoteLink, path: Path) -> GitStore:
        """A bare mirror of `remote` at `path` (new), with its branches and plan-swarm's refs."""
        repo = pygit2.init_repository(str(path), bare=True, initial_head="main")
        store = cls(repo)
        store.link(remote)
        store.fetch()
        return store

    @staticmethod
    def is_repository(path: Path) -> bool:
        return pygit2.discover_repository(str(path)) is not None and (
            (path / "HEAD").is_file() or (path / ".git").exists()
        )

    # -- reading --------------------------------------------------------------------------

    def resolve(self, ref: str) -> str | None:
        """The commit id a ref or revision names, or None when it does not exist."""
        try:
            obj = self._repo.revparse_single(ref)
        except (KeyError, pygit2.GitError, ValueError):
            return None
        return str(obj.peel(pygit2.Commit).id)

    def tree_id(self, rev: str) -> str:
        return str(self._commit(rev).tree.id)

    def read(self, rev: str, path: str) -> bytes | None:
        """A file at a commit, ref or tree id; None when absent."""
        tree = self._tree(rev)
        try:
            entry = tree[path]
        except KeyError:
            return None
        obj = self._repo[entry.id]
        return obj.data if isinstance(obj, pygit2.Blob) else None

    def blob_id(self, rev: str, path: str) -> str | None:
        try:
            return str(self._tree(rev)[path].id)
        except KeyError:
            return None

    def folder_id(self, rev: str, path: str) -> str | None:
        """The id of the folder at `path` in a commit or tree; None when there is none."""
        try:
            entry = self._tree(rev)[path]
        except KeyError:
            return None
        return str(entry.id) if entry.filemode == _TREE_MODE else None

    def blob(self, oid: str) -> bytes:
        obj = self._repo[oid]
        assert isinstance(obj, pygit2.Blob), f"{oid} is not a blob"
        return obj.data

    def files(self, rev: str, prefix: str = "") -> dict[str, str]:
        """path -> blob id for every file under `prefix` (a directory path like 'tasks')."""
        tree: pygit2.Object = self._tree(rev)
        if prefix:
            try:
                tree = self._repo[tree[prefix.rstrip("/")].id]  # type: ignore[index]
            except KeyError:
                return {}
        if not isinstance(tree, pygit2.Tree):
            return {}
        base = prefix.rstrip("/") + "/" if prefix else ""
        return dict(self._walk(tree, base))

    def _walk(self, tree: pygit2.Tree, base: str) -> Iterator[tuple[str, str]]:
        for entry in tree:
            path = f"{base}{entry.name}"
            child = self._repo[entry.id] if entry.filemode == _TREE_MODE else None
            if isinstance(child, pygit2.Tree):
                yield from self._walk(child, path + "/")
            else:
                yield path, str(entry.id)

    def log_first_parent(self, rev: str) -> list[str]:
        """Commit ids from `rev` back along first parents, newest first."""
        out: list[str] = []
        commit: pygit2.Commit | None = self._commit(rev)
        while commit is not None:
            out.append(str(commit.id))
            commit = commit.parents[0] if commit.parents else None
        return out

    def commit_message(self, rev: str) -> str:
        return str(self._commit(rev).message)

    def commit_info(self, rev: str) -> CommitInfo:
        c = self._commit(rev)
        return CommitInfo(
            id=str(c.id),
            tree=str(c.tree_id),
            parents=tuple(str(p) for p in c.parent_ids),
            message=str(c.message),
            author=str(c.author.name),
            author_email=str(c.author.email),
            time=int(c.commit_time),
        )

    def refs(self, prefix: str) -> dict[str, str]:
        """ref name -> commit id for every ref under `prefix` (e.g. 'refs/swarm/claims/')."""
        out = {}
        for name in self._repo.references:
            if name.startswith(prefix):
                target = self.resolve_ref(name)
                if target:
                    out[name] = target
        return out

    def may_have_refs(self, prefix: str) -> bool:
        """False only when no ref under `prefix` (e.g. 'refs/swarm/claims/') exists: no loose
        ref below its directory and no packed one. Two file-system calls, where a look-up per
        ref costs one each and listing the refs walks every loose one: a caller about to look
        up thousands of refs that may none of them exist asks this first."""
        gitdir = self.path
        if (gitdir / "commondir").exists():  # a linked worktree: its refs live elsewhere
            return True
        if (gitdir / prefix).is_dir():  # may be empty (git leaves directories behind)
            return True
        try:
            packed = (gitdir / "packed-refs").read_bytes()
        except FileNotFoundError:
            return False
        return b" " + prefix.encode() in packed

    def diff(self, old: str | None, new: str) -> list[Change]:
        """Files that differ between two commits or trees (old None: all of new is added)."""
        new_tree = self._tree(new)
        if old is None:
            return [Change(path, None, oid) for path, oid in self._walk(new_tree, "")]
        out = [
            Change(path, was[0].hex() if was else None, now[0].hex() if now else None)
            for path, was, now in self._diff_trees(self._tree(old).id.raw, new_tree.id.raw, "")
        ]
        out.sort(key=lambda c: c.path)
        return out

    def _diff_trees(self, old: bytes | None, new: bytes | None, base: str) -> _Diff:
        """(path, entry before, entry after) of every non-folder that differs under two trees,
        given by their raw ids (an entry is (raw id, mode), None where there is none). A folder
        whose id is the same on both sides is never entered: libgit2's tree diff reads every
        entry of both trees, so replaying a history cost its length times the number of files.
        Within a folder, the entries both sides share are set aside in C, as raw bytes: only the
        few that differ are decoded, so a wide folder costs little more than a narrow one."""
        before, after = self._entries(old, base), self._entries(new, base)
        gone, came = _decoded(before - after), _decoded(after - before)
        for name in gone.keys() | came.keys():
            was, now = gone.get(name), came.get(name)
            path = base + name
            was_tree = was[0] if was is not None and was[1] == _TREE_MODE else None
            now_tree = now[0] if now is not None and now[1] == _TREE_MODE else None
            if was_tree is not None or now_tree is not None:
                yield from self._diff_trees(was_tree, now_tree, path + "/")
            was_file = None if was_tree is not None else was
            now_file = None if now_tree is not None else now
            if was_file != now_file:
                yield path, was_file, now_file

    def _entries(self, tree: bytes | None, base: str) -> frozenset[bytes]:
        """A tree's entries, each as git stores it, remembered by the tree's id (`base` is the
        path of the folder it is, for the error a damaged one gets)."""
        if tree is None:
            return frozenset()
        known = self._tree_entries.get(tree)
        if known is None:
            kind, raw = self._repo.odb.read(pygit2.Oid(raw=tree))
            where = base.rstrip("/") or "/"
            if kind != pygit2.enums.ObjectType.TREE:
                raise DamagedTree(self.path, where, tree.hex(), "not a folder")
            found = _RAW_ENTRY.findall(raw)
            if sum(map(len, found)) != len(raw):
                raise DamagedTree(self.path, where, tree.hex(), "malformed")
            known = frozenset(found)
            if len(known) <= _ENTRIES_REMEMBERED:
                self._tree_entries[tree] = known
                self._entries_held += len(known)
                while self._entries_held > _ENTRIES_REMEMBERED:
                    oldest = next(iter(self._tree_entries))
                    self._entries_held -= len(self._tree_entries.pop(oldest))
        return known

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits (None when they share none).

        libgit2's walk (git's without a commit-graph) reads ever more of a swarm's history:
        26 ms at 18,000 commits, on every merge, so that a run slowed as it went. A proposal
        (`b`, one commit on a commit of main) against main (`a`) is answered by walking
        main's first parents instead (`_proposal_base`); anything else goes to libgit2."""
        fast = self._proposal_base(a, b)
        if fast is not None:
            return fast
        oid = self._repo.merge_base(pygit2.Oid(hex=a), pygit2.Oid(hex=b))
        return str(oid) if oid else None

    def _proposal_base(self, a: str, b: str) -> str | None:
        """The merge base of `a` and a one-parent commit `b`, or None when this walk cannot
        tell. Down `a`'s first parents to `b`'s parent P: met `b`, or met it as a merged
        parent, and it is `b`. Otherwise it is P, provided `b` cannot hide behind a merged
        parent: each must have one parent on the chain (found by walking on below P), since
        nothing below P on the chain can reach `b` (P would be its own ancestor)."""
        head = self._commit(b)
        if len(head.parent_ids) != 1:
            return None
        parent = str(head.parent_ids[0])
        pending: set[str] = set()  # the parents of merged commits, not yet seen on the chain
        found_parent = False
        commit: pygit2.Commit | None = self._commit(a)
        for _ in range(_FAST_MERGE_BASE_STEPS):
            if commit is None or (found_parent and not pending):
                break
            oid = str(commit.id)
            if oid == b:
                return b
            pending.discard(oid)
            found_parent = found_parent or oid == parent
            for merged in commit.parent_ids[1:] if not found_parent else ():
                if str(merged) == b:
                    return b
                side = self._commit(str(merged))
                if len(side.parent_ids) != 1:
                    return None
                pending.add(str(side.parent_ids[0]))
            commit = commit.parents[0] if commit.parents else None
        return parent if found_parent and not pending else None

    def merge_trees(self, ancestor: str, ours: str, theirs: str) -> tuple[str | None, list[str]]:
        """In-memory three-way merge of commits: (tree id, []) or (None, conflicting paths).

        When `ours` left alone every file `theirs` changed (a task's proposal touches its own
        files only), the merge is `ours` with those changes, built as `apply` builds a tree:
        its cost does not grow with the repository. libgit2's merge, taken otherwise (it also
        merges changes to one text file), builds an index of every file: 0.2 s a merge at
        50,000 files, under the merge lock, which capped a large swarm at 5 merges a second
        and slowed it as it went."""
        disjoint = self._merge_disjoint(ancestor, ours, theirs)
        if disjoint is not None:
            return disjoint, []
        index = self._repo.merge_trees(
            self._commit(ancestor).tree, self._commit(ours).tree, self._commit(theirs).tree
        )
        if index.conflicts is not None:
            paths = sorted({e.path for trio in index.conflicts for e in trio if e is not None})
            return None, paths
        return str(index.write_tree(self._repo)), []

    def _merge_disjoint(self, ancestor: str, ours: str, theirs: str) -> str | None:
        """`ours` with what `theirs` changed since `ancestor`, or None when `ours` changed one
        of those paths too (or a path is anything but a plain file on any side)."""
        ours_tree = self._tree(ours)
        updates: dict[str, pygit2.Oid | None] = {}
        ancestor_tree, theirs_tree = self._tree(ancestor).id.raw, self._tree(theirs).id.raw
        for path, before, after in self._diff_trees(ancestor_tree, theirs_tree, ""):
            for side in (before, after):
                if side is not None and side[1] != _FILE_MODE:
                    return None
            now = self._file_at(ours_tree, path)
            if now is False:
                return None
            wanted = pygit2.Oid(raw=after[0]) if after is not None else None
            if now == wanted:
                continue  # ours has it so already
            if now != (pygit2.Oid(raw=before[0]) if before is not None else None):
                return None  # changed on both sides
            updates[path] = wanted
        return str(self._rebuild(ours_tree, _nest(updates)))

    def _file_at(self, tree: pygit2.Tree, path: str) -> pygit2.Oid | Literal[False] | None:
        """The id of the plain file at `path`, None when nothing is there, False when something
        else is (a folder, a link, or a file where a folder of the path should be)."""
        node: pygit2.Tree = tree
        *folders, name = path.split("/")
        for part in folders:
            if part not in node:
                return None
            entry = node[part]
            if entry.filemode != _TREE_MODE:
                return False
            node = self._repo[entry.id]  # type: ignore[assignment]
        if name not in node:
            return None
        found = node[name]
        return found.id if found.filemode == _FILE_MODE else False

    def apply(self, base: str, changes: Mapping[str, bytes | None]) -> str:
        """A new tree: `base`'s tree with files added, replaced or (None) removed. Only the
        directories on the changed paths are rewritten, so the cost does not grow with the
        size of the repository."""
        return str(self._rebuild(self._tree(base), _nest(changes)))

    def _rebuild(self, tree: pygit2.Tree | None, changes: dict[str, object]) -> pygit2.Oid:
        builder = self._repo.TreeBuilder(tree) if tree is not None else self._repo.TreeBuilder()
        for name, change in changes.items():
            if isinstance(change, dict):
                existing = builder.get(name)
                sub = self._repo[existing.id] if existing is not None else None
                oid = self._rebuild(sub if isinstance(sub, pygit2.Tree) else None, change)
                if len(self._repo[oid]) == 0:  # type: ignore[arg-type]
                    if existing is not None:
                        builder.remove(name)
                else:
                    builder.insert(name, oid, _TREE_MODE)
            elif change is None:
                if builder.get(name) is not None:
                    builder.remove(name)
            elif isinstance(change, pygit2.Oid):  # a blob already in the store
                builder.insert(name, change, _FILE_MODE)
            else:
                assert isinstance(change, bytes)
                builder.insert(name, self._repo.create_blob(change), _FILE_MODE)
        return builder.write()

    def paths(self, rev: str, directory: str) -> list[str]:
        """Paths of every file under a directory, sorted; cheaper than `files` (no ids)."""
        try:
            obj = self._repo[self._tree(rev)[directory].id]
        except KeyError:
            return []
        if not isinstance(obj, pygit2.Tree):
            return []
        out: list[str] = []
        stack = [(obj, directory.rstrip("/") + "/")]
        while stack:
            tree, base = stack.pop()
            for entry in tree:
                child = self._repo[entry.id] if entry.filemode == _TREE_MODE else None
                if isinstance(child, pygit2.Tree):
                    stack.append((child, f"{base}{entry.name}/"))
                else:
                    out.append(f"{base}{entry.name}")
        out.sort()
        return out

    def names(self, rev: str, directory: str) -> list[str]:
        """Entry names of one directory (not recursive); [] when there is no such directory."""
        try:
            obj = self._repo[self._tree(rev)[directory].id]
        except KeyError:
            return []
        return [str(e.name) for e in obj] if isinstance(obj, pygit2.Tree) else []

    def empty_tree(self) -> str:
        return str(self._repo.TreeBuilder().write())

    def write_commit(
        self,
        tree: str,
        message: str,
        author: Identity,
        parents: list[str],
        committer: Identity | None = None,
    ) -> str:
        """A commit object that no ref points to yet (see update_ref)."""
        oid = self._repo.create_commit(
            None,
            author.signature(),
            (committer or author).signature(),
            message,
            pygit2.Oid(hex=tree),
            [pygit2.Oid(hex=p) for p in parents],
        )
        return str(oid)

    def _tree(self, rev: str) -> pygit2.Tree:
        try:
            return self._repo.revparse_single(rev).peel(pygit2.Tree)
        except (KeyError, pygit2.GitError, ValueError):
            raise SwarmError(f"{self.path}: no commit or tree '{rev}'") from None

    def _commit(self, rev: str) -> pygit2.Commit:
        try:
            return self._repo.revparse_single(rev).peel(pygit2.Commit)
        except (KeyError, pygit2.GitError, ValueError):
            raise SwarmError(f"{self.path}: no commit '{rev}'") from None

    # -- writing --------------------------------------------------------------------------

    def write_tree(self, files: Mapping[str, bytes]) -> str:
        """Write a whole snapshot (path -> bytes) as one pack; returns the root tree id."""
        from swarm import packfile  # only materialize writes snapshots: readers skip its imports

        try:
            snapshot = packfile.Snapshot(files)
        except ValueError as exc:
            raise SwarmError(str(exc)) from None
        missing = {
            oid: obj
            for oid, obj in snapshot.objects.items()
            if not self._repo.odb.exists(pygit2.Oid(raw=oid))
        }
        if missing:
            packfile.write_pack(Path(self._repo.path) / "objects", missing)
        return snapshot.root.hex()

    def commit(
        self,
        ref: str,
        tree: str,
        message: str,
        author: Identity,
        parents: list[str],
        expected: str | None,
        committer: Identity | None = None,
    ) -> str:
        """Write a commit and move `ref` to it, only if `ref` still holds `expected`."""
        oid = self.write_commit(tree, message, author, parents, committer)
        self.update_ref(ref, oid, expected, message.split("\n", 1)[0])
        return oid

    def update_ref(self, ref: str, new: str, expected: str | None, reason: str = "") -> None:
        """Compare-and-swap: `ref` goes to `new` only if it holds `expected` now.

        A transaction takes the ref's lock before comparing, so racing writers cannot both
        succeed (pygit2's references.create(force=False) checks before locking and can).
        On a linked mirror the remote is the truth: the local swap happens first (it keeps
        this machine's writers in turn), then the push, which is sent only if the remote
        still holds `expected` and which the server applies only if it still does. A refused
        push resets the local ref to the remote's value and raises RefConflict."""
        self._update_local(ref, new, expected, reason)
        if self._link is not None and self._link.publishes(ref):
            self._publish(ref, new, expected)

    def _update_local(self, ref: str, new: str, expected: str | None, reason: str) -> None:
        attempt, busy_until = 0, time.monotonic() + _GUARD_WAIT_S
        while attempt < _LOCK_RETRIES:
            try:
                with self._guard(ref), self._repo.transaction() as txn:
                    txn.lock_ref(ref)
                    actual = self.resolve_ref(ref)
                    if actual != expected:
                        raise RefConflict(ref, expected, actual)
                    txn.set_target(ref, pygit2.Oid(hex=new), message=reason or "plan-swarm")
                return
            except _GuardBusy:
                # a live plan-swarm writer is in its update (a dead one holds no flock): it
                # will be done in moments, however loaded the machine, so wait for it longer
                if time.monotonic() < busy_until:
                    time.sleep(0.002)
                    continue
            except (OSError, pygit2.GitError) as exc:
                if "lock" not in str(exc).lower():
                    raise
            self._wait_for_lock(ref, attempt)
            attempt += 1
        raise self._lock_error(ref)

    @contextlib.contextmanager
    def _guard(self, ref: str) -> Iterator[None]:
        """Held by a plan-swarm writer for as long as it may hold `ref`'s git lock: an flock,
        which dies with its process, on a file that names the holder until it is done.

        A guard that names a holder while nobody holds its flock was left by a writer killed
        inside its update (SIGKILL, a crash): the git lock of the ref, if that writer left
        one, is its, since no plan-swarm writer takes a ref's git lock without the guard. That
        lock is removed and the log says so. A lock that no guard accounts for (another
        program's, or a writer that is still alive) is never removed: see `_lock_error`."""
        if self._guards is None:
            self._guards = Path(self._repo.path) / GUARDS_DIR
            self._guards.mkdir(exist_ok=True)
        name = hashlib.sha1(ref.encode(), usedforsecurity=False).hexdigest()
        fd = os.open(self._guards / name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise _GuardBusy(ref) from None
            try:
                left = os.pread(fd, 256, 0)
                if left:
                    self._remove_dead_writers_lock(ref, left.decode(errors="replace"))
                    os.ftruncate(fd, 0)
                os.pwrite(fd, f"pid {os.getpid()} was updating {ref}\n".encode(), 0)
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)  # explicit: a forked child may share the fd
        finally:
            os.close(fd)

    def _remove_dead_writers_lock(self, ref: str, holder: str) -> None:
        lock = Path(self._repo.path) / (ref + ".lock")
        try:
            lock.unlink()
        except FileNotFoundError:
            return  # it died before taking the git lock, or after releasing it
        log.warning("removed %s, left behind: %s", lock, holder.strip())

    def resolve_ref(self, ref: str) -> str | None:
        try:
            return str(self._repo.references[ref].resolve().target)
        except (KeyError, pygit2.GitError):
            return None

    def _wait_for_lock(self, ref: str, attempt: int) -> None:
        time.sleep(min(0.005 * (2**attempt), 0.5))

    # -- the remote of a mirror ----------------------------------------------------------

    def _remote(self) -> tuple[pygit2.Remote, RemoteLink]:
        if self._link is None:
            raise SwarmError(f"{self.path}: not linked to a remote", 1)
        return self._repo.remotes.create_anonymous(self._link.url), self._link

    def _publish(self, ref: str, new: str, expected: str | None) -> None:
        remote, link = self._remote()
        callbacks = _Callbacks(link, {ref: expected})
        try:
            remote.push([f"{ref}:{ref}"], callbacks=callbacks)
        except _StaleRemote as stale:
            self._follow(ref, stale.actual, new)
            raise RefConflict(ref, expected, stale.actual) from None
        except pygit2.GitError as exc:
            # the local swap stands; the remote is told again by the next write of this ref,
            # whose expected value then differs from the remote's and resets the mirror
            raise SwarmError(f"push of {ref} to {_public(link.url)} failed: {exc}", 1) from None
        if ref in callbacks.rejected:
            actual = self.remote_refs(ref).get(ref)
            self._follow(ref, actual, new)
            raise RefConflict(ref, expected, actual)

    def _follow(self, ref: str, actual: str | None, mine: str) -> None:
        """Make the mirror's `ref` what the remote says, replacing our own `mine`."""
        if actual is not None and not self._repo.odb.exists(pygit2.Oid(hex=actual)):
            self.fetch([ref])
            return
        with contextlib.suppress(RefConflict):
            if actual is None:
                with self._repo.transaction() as txn:
                    txn.lock_ref(ref)
                    if self.resolve_ref(ref) == mine:
                        txn.remove(ref)
            else:
                self._update_local(ref, actual, mine, "follow the remote")

    def push(self, refs: list[str]) -> dict[str, str]:
        """Push `refs` as they are here (no force): ref -> the server's reason, for those it
        refused. Objects the remote lacks go with them, in one pack."""
        remote, link = self._remote()
        callbacks = _Callbacks(link)
        try:
            remote.push([f"{r}:{r}" for r in refs], callbacks=callbacks)
        except pygit2.GitError as exc:
            raise SwarmError(f"push to {_public(link.url)} failed: {exc}", 1) from None
        return callbacks.rejected

    def remote_refs(self, prefix: str = "") -> dict[str, str]:
        """ref -> commit id on the remote, for refs under `prefix`."""
        remote, link = self._remote()
        try:
            heads = remote.list_heads(callbacks=_Callbacks(link))
        except pygit2.GitError as exc:
            raise SwarmError(f"cannot read {_public(link.url)}: {exc}", 1) from None
        return {h.name: str(h.oid) for h in heads if h.name and h.name.startswith(prefix)}

    def fetch(self, refs: list[str] | None = None) -> None:
        """Bring the mirror up to the remote: `refs` (default: branches and plan-swarm's refs)
        become what the remote holds."""
        remote, link = self._remote()
        specs = (
            [f"+{r}:{r}" for r in refs]
            if refs
            else [
                "+refs/heads/*:refs/heads/*",
                "+refs/swarm/*:refs/swarm/*",
            ]
        )
        try:
            remote.fetch(specs, callbacks=_Callbacks(link), message="plan-swarm: fetch")
        except pygit2.GitError as exc:
            raise SwarmError(f"fetch from {_public(link.url)} failed: {exc}", 1) from None

    def _lock_error(self, ref: str) -> SwarmError:
        lock = Path(self._repo.path) / (ref + ".lock")
        try:
            age = time.time() - os.stat(lock).st_mtime
        except OSError:
            return SwarmError(f"{ref}: could not take its lock after {_LOCK_RETRIES} tries", 1)
        if age > _STALE_LOCK_SECONDS:
            return SwarmError(
                f"{lock} is {age:.0f} s old: a writer probably crashed while holding it. "
                "Make sure no plan-swarm or git process is running on this repository, "
                "then delete that file.",
                1,
            )
        return SwarmError(f"{ref} is locked by another writer ({lock}); try again", 1)


def _decoded(entries: frozenset[bytes]) -> dict[str, _Entry]:
    """Raw tree entries by name, as (raw id, mode)."""
    out: dict[str, _Entry] = {}
    for entry in entries:
        mode, _, name = entry[:-21].partition(b" ")
        out[os.fsdecode(name)] = (entry[-20:], int(mode, 8))
    return out


def _nest(changes: Mapping[str, object]) -> dict[str, object]:
    """{'a/b/c': x} -> {'a': {'b': {'c': x}}}, for `_rebuild`."""
    nested: dict[str, object] = {}
    for path, data in changes.items():
        *dirs, name = path.split("/")
        node = nested
        for part in dirs:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[name] = data
    return nested
