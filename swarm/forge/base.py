"""The forge interface: what plan-swarm needs from a place that hosts issues and pull requests.

Two implementations: the local forge (embedded default, a store kept inside the bare repository)
and the GitHub forge. Everything is keyed by plan-swarm's own keys (a task id, a label name, a
milestone title), so every write is an idempotent upsert and a re-run never duplicates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class LabelSpec:
    name: str
    color: str  # six hex digits, no '#'
    description: str = ""


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    description: str = ""
    due_on: dt.date | None = None


@dataclass(frozen=True)
class IssueSpec:
    """An issue as plan-swarm wants it. `key` is the upsert key (a task id like '1.2.3', or
    'subtask:1.2'); the forge stores it out of band (local) or as a hidden marker (GitHub)."""

    key: str
    title: str
    body: str
    labels: tuple[str, ...] = ()
    milestone: str | None = None  # milestone title
    state: Literal["open", "closed"] = "open"
    parent_key: str | None = None


@dataclass(frozen=True)
class Issue:
    number: int
    key: str
    title: str
    body: str
    labels: tuple[str, ...]
    milestone: str | None
    state: Literal["open", "closed"]
    parent_key: str | None = None


@dataclass(frozen=True)
class Comment:
    id: int
    issue_number: int
    author: str
    body: str
    created_at: str


@dataclass(frozen=True)
class RecentComment:
    """A comment as a repository-wide listing gives it: who wrote it by login (the swarm's own
    comments are the token's user's), and when it last changed (an edit counts)."""

    id: int
    author: str
    body: str
    updated_at: str


@dataclass(frozen=True)
class PullRequestSpec:
    head: str  # branch name, e.g. 'claim/1.2.3/research'
    base: str
    title: str
    body: str
    author: str
    task_key: str
    stage: str


@dataclass(frozen=True)
class PullRequest:
    number: int
    head: str
    base: str
    title: str
    body: str
    author: str
    task_key: str
    stage: str
    state: Literal["open", "merged", "closed"]
    head_sha: str = ""
    merge_sha: str = ""


@dataclass(frozen=True)
class Review:
    pr_number: int
    reviewer: str
    state: Literal["approved", "changes_requested", "commented"]
    commit_sha: str  # the head the review is bound to
    body: str = ""


@dataclass(frozen=True)
class CheckResult:
    pr_number: int
    name: str
    commit_sha: str
    conclusion: Literal["success", "failure"]
    summary: str = ""
    details: dict[str, object] = field(default_factory=dict)


class Forge(Protocol):
    """What both forges offer. Writes are idempotent where they carry a key."""

    def close(self) -> None: ...

    def __enter__(self) -> Forge: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def ensure_labels(self, labels: list[LabelSpec]) -> None: ...

    def ensure_milestones(self, milestones: list[MilestoneSpec]) -> None: ...

    def upsert_issues(self, specs: list[IssueSpec]) -> list[Issue]:
        """Create the issues whose key is new, update those that differ, leave the rest alone.
        Returns the issues in the order of `specs`."""
        ...

    def list_issues(self) -> list[Issue]: ...

    def issue_by_key(self, key: str) -> Issue | None: ...

    def add_comment(self, issue_number: int, author: str, body: str) -> Comment: ...

    def list_comments(self, issue_number: int) -> list[Comment]: ...

    def open_pull_request(self, spec: PullRequestSpec, head_sha: str) -> PullRequest:
        """Open a PR for `spec.head`, or return the open one for that head (updating head_sha)."""
        ...

    def list_pull_requests(self, state: str | None = None) -> list[PullRequest]: ...

    def open_pull_for(self, head: str) -> PullRequest | None:
        """The open pull request of branch `head`, or None: one lookup, however many pull
        requests there are (a stage asks this every time it runs)."""
        ...

    def get_pull_request(self, number: int) -> PullRequest: ...

    def mark_merged(self, number: int, merge_sha: str) -> PullRequest: ...

    def close_pull_request(self, number: int) -> PullRequest: ...

    def add_review(self, review: Review) -> None: ...

    def list_reviews(self, pr_number: int) -> list[Review]: ...

    def record_check(self, check: CheckResult) -> None: ...

    def list_checks(self, pr_number: int) -> list[CheckResult]: ...


@runtime_checkable
class ServerMerging(Protocol):
    """A forge that merges on its side (GitHub): the integrator judges, the forge merges."""

    merges_on_server: bool

    def merge_on_server(self, number: int, head_sha: str, message: str) -> str:
        """Merge pull request `number` if its head is still `head_sha`; the merge commit id."""
        ...


@runtime_checkable
class Polled(Protocol):
    """A forge people act on elsewhere (GitHub), which a watcher must poll: reads that are
    fresh on every call, at a cost that does not grow with the repository's history."""

    def open_pull_requests_now(self) -> list[PullRequest]:
        """The open pull requests as the forge has them now."""
        ...

    def recent_comments(self) -> list[RecentComment]:
        """The most recently updated comments on the issues and pull requests, newest first."""
        ...
