"""The server's world: users, repositories and everything GitHub keeps about them.

Plain dataclasses guarded by one re-entrant lock (``World.lock``); handlers hold it for the
whole request, so every REST call is atomic, as a single GitHub API call is.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Account:
    login: str
    id: int
    kind: str = "User"  # or "Organization"

    @property
    def name(self) -> str:
        return self.login


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass
class Milestone:
    id: int
    number: int
    title: str
    description: str | None
    state: str
    due_on: str | None
    creator: str
    created_at: float
    updated_at: float
    closed_at: float | None = None


@dataclass
class Comment:
    id: int
    issue_number: int
    user: str
    body: str
    created_at: float
    updated_at: float


@dataclass
class Issue:
    """An issue, or the issue half of a pull request (``is_pull``)."""

    id: int
    number: int
    title: str
    body: str | None
    user: str
    created_at: float
    updated_at: float
    state: str = "open"
    state_reason: str | None = None
    labels: list[Label] = field(default_factory=list)
    milestone: int | None = None
    assignees: list[str] = field(default_factory=list)
    closed_at: float | None = None
    closed_by: str | None = None
    comments: list[Comment] = field(default_factory=list)
    parent: int | None = None  # the parent's number
    sub_issues: list[int] = field(default_factory=list)  # children's numbers
    is_pull: bool = False
    locked: bool = False


@dataclass
class Review:
    id: int
    user: str
    body: str
    state: str
    commit_id: str
    submitted_at: float | None


@dataclass
class Pull:
    id: int
    number: int
    head_owner: str
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    draft: bool = False
    maintainer_can_modify: bool = False
    merged: bool = False
    merged_at: float | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    reviews: list[Review] = field(default_factory=list)


@dataclass
class CheckRun:
    id: int
    suite_id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: float
    completed_at: float | None
    details_url: str | None
    external_id: str | None
    output: dict[str, Any]


@dataclass
class CommitStatus:
    id: int
    sha: str
    state: str
    target_url: str | None
    description: str | None
    context: str
    creator: str
    created_at: float
    updated_at: float


@dataclass
class Repo:
    id: int
    owner: Account
    name: str
    private: bool
    description: str | None
    path: Path
    created_at: float
    updated_at: float
    default_branch: str = "main"
    has_issues: bool = True
    labels: dict[str, Label] = field(default_factory=dict)  # by lower-cased name
    milestones: dict[int, Milestone] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)  # issues and pull requests
    pulls: dict[int, Pull] = field(default_factory=dict)
    check_runs: list[CheckRun] = field(default_factory=list)
    statuses: list[CommitStatus] = field(default_factory=list)
    next_number: int = 1
    next_milestone: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def take_number(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number


class World:
    """Accounts, repositories and id counters (ids are global, numbers per repository)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}  # by lower-cased login
        self.repos: dict[str, Repo] = {}  # by lower-cased "owner/name"
        self._ids: dict[str, itertools.count[int]] = {}

    def new_id(self, kind: str) -> int:
        # Separate, far-apart ranges per kind: mixing up an issue's id and number, or an issue
        # id and a pull request id, gives a 404/422 instead of silently hitting another object.
        bases = {"account": 1000, "repo": 700_000_000, "issue": 3_000_000_000}
        if kind not in self._ids:
            base = bases.get(kind, 9_000_000_000 + 100_000_000 * len(self._ids))
            self._ids[kind] = itertools.count(base + 1)
        return next(self._ids[kind])

    def account(self, login: str, kind: str = "User") -> Account:
        key = login.lower()
        if key not in self.accounts:
            self.accounts[key] = Account(login, self.new_id("account"), kind)
        return self.accounts[key]

    def find_account(self, login: str) -> Account | None:
        return self.accounts.get(login.lower())

    def find_repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def issue_by_id(self, repo: Repo, issue_id: int) -> Issue | None:
        for issue in repo.issues.values():
            if issue.id == issue_id:
                return issue
        return None
