"""Publishing a materialized repository to GitHub: the repository, one push, the issues.

The plan is materialized locally first, exactly as for the local forge (same tree, same
commit), into DIR, which then stays a mirror of the GitHub repository for every later command.
Safe to run again, or after a run cut off half way: the push is skipped when GitHub already
holds main, and the issues are upserted by their keys.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from swarm.errors import SwarmError
from swarm.forge import github_target
from swarm.forge.github import GitHubForge, ensure_repository
from swarm.forge.github_client import api
from swarm.forge.github_target import GitHubTarget
from swarm.gitstore import MAIN, GitStore, RemoteLink
from swarm.issue_sync import SyncCounts, sync_issues
from swarm.repo import FORGE_DIR, open_repo


@dataclass(frozen=True)
class Published:
    target: GitHubTarget
    created: bool  # the repository was created now
    pushed: bool  # main was pushed now
    issues: SyncCounts


def publish(repo_dir: Path, target: GitHubTarget, token: str) -> Published:
    with GitHubForge(target, token) as forge:
        clone_url, created = ensure_repository(forge, target.private)
    held = github_target.load(repo_dir / FORGE_DIR)
    target = replace(target, git_url=clone_url, mirror=held.mirror if held else "")
    _check_same_target(repo_dir, target)
    github_target.save(repo_dir / FORGE_DIR, target)
    repo = open_repo(repo_dir)  # links the mirror and fetches what GitHub holds
    with repo.forge as forge:
        pushed = _push_main(repo.git, target)
        counts = sync_issues(forge, repo.tasks())
    return Published(target, created, pushed, counts)


def _check_same_target(repo_dir: Path, target: GitHubTarget) -> None:
    held = github_target.load(repo_dir / FORGE_DIR)
    if held is not None and held.repo != target.repo:
        raise SwarmError(
            f"{repo_dir}: already mirrors GitHub repository {held.repo}, not {target.repo}"
        )


def _push_main(git: GitStore, target: GitHubTarget) -> bool:
    ours = git.log_first_parent(MAIN)[-1]  # the materialization commit
    theirs = git.remote_refs(MAIN).get(MAIN)
    if theirs is None:
        refused = git.push([MAIN])
        if refused:
            raise SwarmError(f"GitHub refused the push of main to {target.repo}: {refused[MAIN]}")
        return True
    if git.merge_base(theirs, ours) != ours:
        raise SwarmError(
            f"GitHub repository {target.repo} holds another history on main; "
            "publish to a new or empty repository"
        )
    return False


def attach(repo_dir: Path, target: GitHubTarget, token: str) -> None:
    """Make `repo_dir` a mirror of the GitHub repository, cloning it when it does not exist
    (a worker on another machine, or a GitHub Actions job), so `open_repo` can use it."""
    held = github_target.load(repo_dir / FORGE_DIR)
    if held is not None:
        _check_same_target(repo_dir, target)
        return
    if repo_dir.exists() and any(repo_dir.iterdir()):
        raise SwarmError(f"{repo_dir}: exists and is not a mirror of {target.repo}")
    with GitHubForge(target, token) as forge, api(f"GET repos/{target.repo}"):
        clone_url = forge.repository().clone_url
    target = replace(target, git_url=clone_url)
    aside = repo_dir.parent / f".{repo_dir.name}.plan-swarm-clone"
    shutil.rmtree(aside, ignore_errors=True)
    try:
        GitStore.clone_mirror(RemoteLink(target.clone_url(), token), aside)
        github_target.save(aside / FORGE_DIR, target)
        os.replace(aside, repo_dir)
    except BaseException:
        shutil.rmtree(aside, ignore_errors=True)
        raise
