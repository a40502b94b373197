"""What the gates judge and what they say. The gates are a pure function of a GateInput."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from swarm.claims import Claim
from swarm.gitstore import Change
from swarm.states import Role

RULES = (
    "schema",
    "transition",
    "scope",
    "protected-path",
    "claim",
    "precondition",
    "approval",
    "secret",
    "budget",
    "hype",
    "fermi",
)
Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
        }


class Snapshot(Protocol):
    """A tree of files: the base (current main) or the head (main with the PR merged)."""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Paths of the files under a directory (e.g. 'tasks', 'deliverables/1.2.3')."""
        ...


@dataclass(frozen=True)
class MemorySnapshot:
    """A snapshot held in memory, for callers that have the files at hand."""

    files: Mapping[str, bytes]

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def list(self, prefix: str) -> list[str]:
        base = prefix.rstrip("/") + "/"
        return sorted(p for p in self.files if p.startswith(base))


@dataclass(frozen=True)
class Actor:
    """Who made the change: an agent (role from its claim's stage) or a person."""

    name: str
    role: Role


@dataclass(frozen=True)
class Approval:
    reviewer: str
    commit: str  # the head commit the approval is bound to


@dataclass(frozen=True)
class Proposal:
    """What the pull request's commits say about themselves (their trailers)."""

    task: str | None = None
    stage: str | None = None
    fence: int | None = None


@dataclass(frozen=True)
class GateInput:
    base: Snapshot
    head: Snapshot
    changes: tuple[Change, ...]  # files that differ between base and head
    actor: Actor
    proposal: Proposal = Proposal()
    claim: Claim | None = None  # the current record of the proposal's claim ref
    approvals: tuple[Approval, ...] = ()
    head_commit: str = ""  # the pull request's head, which approvals must name
    now: float = 0.0
    extra: Mapping[str, object] = field(default_factory=dict)
