"""The bare repositories behind the emulated GitHub: creation, reads, merges, ref updates, and
smart HTTP through ``git http-backend``.

Reads and merge objects use pygit2 in process; ref writes use ``git update-ref <ref> <new>
<old>``, an atomic compare-and-swap that also holds against a concurrent ``git push``.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

ZERO = "0" * 40
BOT_NAME, BOT_EMAIL = "GitHub", "noreply@github.com"


class MergeConflict(Exception):
    """The head does not merge cleanly into the base."""


class RefUpdateRejected(Exception):
    """The compare-and-swap on a ref lost (someone else moved it) or the ref is missing."""


def init_bare(path: Path, default_branch: str, *, auto_init: bool, title: str, login: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    repo = pygit2.init_repository(str(path), bare=True, initial_head=default_branch)
    config = repo.config
    config["http.receivepack"] = True
    config["receive.denyNonFastForwards"] = True
    config["receive.denyDeletes"] = True
    config["core.logAllRefUpdates"] = False
    if auto_init:
        blob = repo.create_blob(f"# {title}\n".encode())
        builder = repo.TreeBuilder()
        builder.insert("README.md", blob, pygit2.enums.FileMode.BLOB)
        tree = builder.write()
        sig = user_signature(login)
        repo.create_commit(f"refs/heads/{default_branch}", sig, sig, "Initial commit", tree, [])


def user_signature(login: str, when: float | None = None) -> pygit2.Signature:
    stamp = int(when if when is not None else time.time())
    return pygit2.Signature(login, f"{login}@users.noreply.github.com", stamp, 0)


def bot_signature(when: float | None = None) -> pygit2.Signature:
    stamp = int(when if when is not None else time.time())
    return pygit2.Signature(BOT_NAME, BOT_EMAIL, stamp, 0)


def open_repo(path: Path) -> pygit2.Repository:
    return pygit2.Repository(str(path))


def branch_sha(repo: pygit2.Repository, branch: str) -> str | None:
    ref = repo.references.get(f"refs/heads/{branch}")
    return str(ref.resolve().target) if ref is not None else None


def ref_sha(repo: pygit2.Repository, full_ref: str) -> str | None:
    ref = repo.references.get(full_ref)
    return str(ref.resolve().target) if ref is not None else None


def commit_exists(repo: pygit2.Repository, sha: str) -> bool:
    try:
        obj = repo.get(sha)
    except (ValueError, KeyError):
        return False
    return obj is not None and obj.type == pygit2.enums.ObjectType.COMMIT


def resolve_commitish(repo: pygit2.Repository, ref: str) -> str | None:
    """A commit sha from a sha, branch name, tag name or full ref name (as GitHub's ``{ref}``)."""
    for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}"):
        found = ref_sha(repo, candidate) if candidate.startswith("refs/") else None
        if found:
            return found
    if len(ref) >= 7 and all(c in "0123456789abcdef" for c in ref.lower()):
        try:
            obj = repo.revparse_single(ref)
        except (KeyError, ValueError, pygit2.GitError):
            return None
        if obj.type == pygit2.enums.ObjectType.COMMIT:
            return str(obj.id)
    return None


def is_ancestor(repo: pygit2.Repository, ancestor: str, descendant: str) -> bool:
    if ancestor == descendant:
        return True
    return bool(repo.descendant_of(descendant, ancestor))


@dataclass(frozen=True)
class DiffStats:
    commits: int
    additions: int
    deletions: int
    changed_files: int


def diff_stats(repo: pygit2.Repository, base_sha: str, head_sha: str) -> DiffStats:
    """What a pull request of head into base shows: commits ahead and the three-dot diff."""
    merge_base = repo.merge_base(base_sha, head_sha)
    walker = repo.walk(head_sha, pygit2.enums.SortMode.NONE)
    if merge_base is not None:
        walker.hide(merge_base)
    commits = sum(1 for _ in walker)
    old_tree: Any = repo.get(merge_base).tree if merge_base is not None else None  # type: ignore[union-attr]
    new_tree: Any = repo.get(head_sha).tree  # type: ignore[union-attr]
    diff = repo.diff(old_tree, new_tree) if old_tree is not None else new_tree.diff_to_tree()
    stats = diff.stats
    return DiffStats(commits, stats.insertions, stats.deletions, stats.files_changed)


def mergeable(repo: pygit2.Repository, base_sha: str, head_sha: str) -> bool:
    return repo.merge_commits(base_sha, head_sha).conflicts is None


def merge_commit(
    repo: pygit2.Repository,
    base_sha: str,
    head_sha: str,
    message: str,
    author: pygit2.Signature,
    *,
    squash: bool = False,
) -> str:
    """Write the merge (or squash) commit of head onto base; the caller moves the base ref."""
    index = repo.merge_commits(base_sha, head_sha)
    if index.conflicts is not None:
        raise MergeConflict(f"{head_sha} does not merge cleanly into {base_sha}")
    tree = index.write_tree(repo)
    parents = [base_sha] if squash else [base_sha, head_sha]
    oid = repo.create_commit(None, author, bot_signature(author.time), message, tree, parents)
    return str(oid)


def update_ref(path: Path, ref: str, new: str, old: str) -> None:
    """Compare-and-swap ``ref`` from ``old`` (ZERO: must not exist) to ``new`` (ZERO: delete)."""
    args = ["git", "update-ref"]
    args += ["-d", ref, old] if new == ZERO else [ref, new, old]
    proc = subprocess.run(args, cwd=path, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RefUpdateRejected(proc.stderr.strip())


def list_refs(repo: pygit2.Repository, prefix: str) -> list[tuple[str, str]]:
    names = sorted(n for n in repo.references if n.startswith(prefix))
    out = []
    for name in names:
        sha = ref_sha(repo, name)
        if sha is not None:
            out.append((name, sha))
    return out


@dataclass(frozen=True)
class CgiResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_backend(
    project_root: Path,
    *,
    method: str,
    path_info: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    remote_user: str,
) -> CgiResult:
    """Run one smart-HTTP request through ``git http-backend`` as a CGI program."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_PROJECT_ROOT": str(project_root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(project_root),
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "REMOTE_USER": remote_user,
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    for name, value in headers.items():
        key = "HTTP_" + name.upper().replace("-", "_")
        if key not in ("HTTP_AUTHORIZATION", "HTTP_CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING"):
            env[key] = value
    proc = subprocess.run(
        ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
    )
    head, _, payload = proc.stdout.partition(b"\r\n\r\n")
    if not _:
        head, _, payload = proc.stdout.partition(b"\n\n")
    status = 200
    out_headers: list[tuple[str, str]] = []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            out_headers.append((name.strip(), value.strip()))
    if proc.returncode != 0 and not proc.stdout:
        return CgiResult(500, [("Content-Type", "text/plain")], proc.stderr)
    return CgiResult(status, out_headers, payload)
