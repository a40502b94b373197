"""Snapshots of a git tree for the gates: read a file, list a directory, nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

from swarm.gitstore import GitStore


@dataclass
class TreeSnapshot:
    """The files of one commit or tree, read lazily from the git store."""

    git: GitStore
    rev: str  # a commit id, ref or tree id
    _lists: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def read(self, path: str) -> bytes | None:
        return self.git.read(self.rev, path)

    def list(self, prefix: str) -> list[str]:
        key = prefix.rstrip("/")
        if key not in self._lists:
            self._lists[key] = self.git.paths(self.rev, key)
        return self._lists[key]
