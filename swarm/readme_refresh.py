"""The integrator refreshes the status table of the repository's README on main.

It is the one change made on main outside a pull request (`swarm verify` accepts it), because it
only restates what the task files already say.
"""

from __future__ import annotations

from swarm import repo_readme
from swarm.gitstore import MAIN, RefConflict
from swarm.integrator import INTEGRATOR
from swarm.pulls import identity
from swarm.repo import Repo
from swarm.task_index import TaskIndex

README = "README.md"
_ATTEMPTS = 5


def refresh_readme(repo: Repo, now: float) -> str | None:
    """Commit a fresh status table if it changed; returns the commit, or None."""
    for _ in range(_ATTEMPTS):
        base = repo.git.resolve(MAIN)
        current = repo.git.read(MAIN, README) if base else None
        if base is None or current is None:
            return None
        text = current.decode("utf-8")
        start, end = text.find(repo_readme.STATUS_START), text.find(repo_readme.STATUS_END)
        if start < 0 or end < 0:
            return None
        with TaskIndex(repo.path) as index:  # parsing every task file: 5 s at 10,000 tasks
            block = repo_readme.status_block(index.entries(repo.git, base))
        fresh = text[:start] + block + text[end + len(repo_readme.STATUS_END) :]
        if fresh == text:
            return None
        tree = repo.git.apply(base, {README: fresh.encode()})
        commit = repo.git.write_commit(
            tree, "Refresh the status table\n", identity(INTEGRATOR, now), [base]
        )
        try:
            repo.git.update_ref(MAIN, commit, base, "refresh README status")
            return commit
        except RefConflict:
            continue
    return None
