"""Polling a mirror of a GitHub repository. What people do on GitHub (a review, a merge, a
`/done` comment) writes nothing on this machine, so no file event tells the watcher: every
`interval` seconds it fetches the mirror and takes a fingerprint, which reads the open pull
requests, their reviews and the recent comments fresh (see fingerprint).

Polls run in the watcher's own thread, between runs and while a run waits for other machines'
claims, never beside a pass: a pass's workers are forked from this process, and a fork while
another thread holds a lock (the HTTP client's, say) leaves it held in the child. A pass
fetches by itself.

An idle poll costs one git fetch (smart HTTP, outside the REST budget) and 2 + P REST calls:
the open pull requests (one page per hundred), the reviews of each of the P open ones, and one
page of recent comments.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from swarm.forge import github_target
from swarm.repo import FORGE_DIR, open_repo

DEFAULT_POLL_S = 60.0
Clock = Callable[[], float]


def is_mirror(repo_dir: Path) -> bool:
    """Whether the repository at `repo_dir` mirrors a GitHub repository."""
    return github_target.load(repo_dir / FORGE_DIR) is not None


class Poll:
    """When the next poll is due, and the fetch that starts one."""

    def __init__(self, repo_dir: Path, interval: float, clock: Clock = time.monotonic) -> None:
        self.repo_dir, self.interval = repo_dir, interval
        self._clock = clock
        self._due = clock() + interval

    def left(self) -> float:
        """Seconds until the next poll is due (0 when it is)."""
        return max(self._due - self._clock(), 0.0)

    def restart(self) -> None:
        """Count the interval from now: a run has just read everything afresh."""
        self._due = self._clock() + self.interval

    def fetch(self) -> None:
        """Bring the mirror's branches and claims up to GitHub's (SwarmError when GitHub cannot
        be reached); the interval counts from now, a failed fetch included."""
        self.restart()
        open_repo(self.repo_dir).forge.close()  # links the mirror and fetches
