"""The local forge: the embedded default, kept in SQLite inside the bare repository.

Several processes may share the store (see local_store): the journal is WAL, every write is one
`BEGIN IMMEDIATE` transaction, so there is no lost update and no half-written batch, and a writer
waits up to BUSY_TIMEOUT_S for another before giving up.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

from swarm.errors import SwarmError
from swarm.forge import local_sql as sql
from swarm.forge.base import (
    CheckResult,
    Comment,
    Issue,
    IssueSpec,
    LabelSpec,
    MilestoneSpec,
    PullRequest,
    PullRequestSpec,
    Review,
)
from swarm.forge.local_store import (
    BUSY_TIMEOUT_S,
    create_store,
    open_store,
    store_path,
    transaction,
)

# Keys per `IN (...)` query (SQLite's oldest limit is 999 parameters) and issues per progress call.
CHUNK = 500

Clock = Callable[[], dt.datetime]
Progress = Callable[[int, int], None]
T = TypeVar("T")

_COLOR = re.compile(r"[0-9a-fA-F]{6}")
_ISSUE_STATES = ("open", "closed")
_REVIEW_STATES = ("approved", "changes_requested", "commented")
_CONCLUSIONS = ("success", "failure")
_PULL_STATES = ("open", "merged", "closed")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class WriteCounts:
    """What the last idempotent write did, so a caller can prove a re-run changed nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class Milestone:
    number: int
    title: str
    description: str
    due_on: dt.date | None


class LocalForge:
    """The `Forge` protocol over the store in `repo_dir`; use as a context manager or close().

    One instance per thread (it holds one SQLite connection); processes each open their own.
    """

    def __init__(
        self, repo_dir: Path, *, clock: Clock = utc_now, busy_timeout: float = BUSY_TIMEOUT_S
    ) -> None:
        self.repo_dir = Path(repo_dir)
        self.path = store_path(self.repo_dir)
        self.last_write_counts = WriteCounts()
        self._issue_writes = (0, 0)
        self._clock = clock
        self._conn = open_store(self.repo_dir, busy_timeout)

    @classmethod
    def create(
        cls, repo_dir: Path, *, clock: Clock = utc_now, busy_timeout: float = BUSY_TIMEOUT_S
    ) -> LocalForge:
        """Create (or migrate) the store in an existing repository directory, then open it."""
        create_store(Path(repo_dir), busy_timeout)
        return cls(repo_dir, clock=clock, busy_timeout=busy_timeout)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> LocalForge:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- labels and milestones ---------------------------------------------------------------

    def ensure_labels(self, labels: list[LabelSpec]) -> None:
        wanted = _unique(labels, lambda label: label.name, "label")
        for label in wanted:
            _check_color(label)
        with self._write() as conn:
            stored = {row[0]: LabelSpec(*row) for row in conn.execute(sql.LIST_LABELS)}
            new, changed = _diff(wanted, stored, lambda label: label.name)
            conn.executemany(sql.INSERT_LABEL, [(x.name, x.color, x.description) for x in new])
            conn.executemany(sql.UPDATE_LABEL, [(x.color, x.description, x.name) for x in changed])
        self.last_write_counts = _counts(wanted, new, changed)

    def list_labels(self) -> list[LabelSpec]:
        with self._read() as conn:
            return [LabelSpec(*row) for row in conn.execute(sql.LIST_LABELS)]

    def ensure_milestones(self, milestones: list[MilestoneSpec]) -> None:
        wanted = [replace(m, due_on=_date(m.due_on)) for m in milestones]
        wanted = _unique(wanted, lambda m: m.title, "milestone")
        with self._write() as conn:
            stored = {m.title: _milestone_spec(m) for m in _milestones(conn)}
            new, changed = _diff(wanted, stored, lambda m: m.title)
            conn.executemany(sql.INSERT_MILESTONE, [_milestone_row(m) for m in new])
            conn.executemany(sql.UPDATE_MILESTONE, [_milestone_row(m) for m in changed])
        self.last_write_counts = _counts(wanted, new, changed)

    def list_milestones(self) -> list[Milestone]:
        """Milestones by number; numbers are given in creation order, from 1."""
        with self._read() as conn:
            return _milestones(conn)

    # --- issues ------------------------------------------------------------------------------

    def upsert_issues(
        self, specs: list[IssueSpec], *, on_progress: Progress | None = None
    ) -> list[Issue]:
        """Create new keys (numbered in spec order), update those that differ, in one transaction.

        `on_progress(done, total)` is called inside the transaction after each chunk of writes;
        if it raises, the whole batch is rolled back. Labels come back sorted by name. A
        `parent_key` may name an issue of a later batch: a subtask's body lists its tasks'
        numbers, so the tasks are upserted first.
        """
        wanted = _unique(specs, lambda spec: spec.key, "issue")
        for spec in wanted:
            _check_issue_spec(spec)
        with self._write() as conn:
            milestones = {m.title: m.number for m in _milestones(conn)}
            labels = {row[0] for row in conn.execute(sql.LIST_LABELS)}
            _check_references(wanted, labels, milestones)
            stored = _issues_by_key(conn, [spec.key for spec in wanted])
            plan = _plan_issues(wanted, stored, _next_number(conn))
            _write_issues(conn, plan, milestones, self._now(), on_progress)
        self.last_write_counts = plan.counts(len(wanted))
        self._issue_writes = (
            self._issue_writes[0] + len(plan.created),
            self._issue_writes[1] + len(plan.updated),
        )
        return [plan.issues[spec.key] for spec in specs]

    def write_counts(self) -> tuple[int, int]:
        """Issues (created, updated) by this instance so far; a re-run's delta is (0, 0)."""
        return self._issue_writes

    def list_issues(self) -> list[Issue]:
        with self._read() as conn:
            return _issues_from_rows(conn.execute(sql.LIST_ISSUES))

    def issue_by_key(self, key: str) -> Issue | None:
        with self._read() as conn:
            issues = _issues_from_rows(conn.execute(sql.ISSUE_BY_KEY, (key,)))
        return issues[0] if issues else None

    # --- comments ----------------------------------------------------------------------------

    def add_comment(self, issue_number: int, author: str, body: str) -> Comment:
        """Comment on an issue or a pull request (they share numbers, as on GitHub)."""
        _require_text(body, f"a comment on #{issue_number}", "body")
        now = self._now()
        with self._write() as conn:
            _require_number(conn, issue_number)
            cursor = conn.execute(sql.INSERT_COMMENT, (issue_number, author, body, now))
        assert cursor.lastrowid is not None
        return Comment(cursor.lastrowid, issue_number, author, body, now)

    def list_comments(self, issue_number: int) -> list[Comment]:
        with self._read() as conn:
            _require_number(conn, issue_number)
            return [Comment(*row) for row in conn.execute(sql.LIST_COMMENTS, (issue_number,))]

    # --- pull requests -----------------------------------------------------------------------

    def open_pull_request(self, spec: PullRequestSpec, head_sha: str) -> PullRequest:
        """Open a PR for `spec.head`, or return the open one for that head with `head_sha`."""
        _require_text(head_sha, f"the pull request for {spec.head!r}", "head_sha")
        now = self._now()
        with self._write() as conn:
            row = conn.execute(sql.OPEN_PULL_FOR_HEAD, (spec.head,)).fetchone()
            if row is None:
                return _insert_pull(conn, spec, head_sha, now)
            pull = _pull_from_row(row)
            _check_same_pull(pull, spec)
            if pull.head_sha != head_sha:
                conn.execute(sql.SET_PULL_HEAD, (head_sha, now, pull.number))
        return replace(pull, head_sha=head_sha)

    def list_pull_requests(self, state: str | None = None) -> list[PullRequest]:
        args: tuple[str, ...] = ()
        if state is None:
            query = sql.LIST_PULLS
        else:
            _check_choice(state, _PULL_STATES, "pull request state")
            query, args = sql.LIST_PULLS_IN_STATE, (state,)
        with self._read() as conn:
            return [_pull_from_row(row) for row in conn.execute(query, args)]

    def open_pull_for(self, head: str) -> PullRequest | None:
        with self._read() as conn:
            row = conn.execute(sql.OPEN_PULL_FOR_HEAD, (head,)).fetchone()
        return None if row is None else _pull_from_row(row)

    def get_pull_request(self, number: int) -> PullRequest:
        with self._read() as conn:
            return _get_pull(conn, number)

    def mark_merged(self, number: int, merge_sha: str) -> PullRequest:
        """Open → merged. Repeating it with the same sha is a no-op, so a re-run is safe."""
        _require_text(merge_sha, f"merging pull request #{number}", "merge_sha")
        return self._finish_pull(number, "merged", merge_sha)

    def close_pull_request(self, number: int) -> PullRequest:
        """Open → closed. Closing a closed pull request is a no-op."""
        return self._finish_pull(number, "closed", "")

    def _finish_pull(
        self, number: int, state: Literal["merged", "closed"], merge_sha: str
    ) -> PullRequest:
        now = self._now()
        with self._write() as conn:
            pull = _get_pull(conn, number)
            done = replace(pull, state=state, merge_sha=merge_sha)
            if pull == done:
                return pull
            if pull.state != "open":
                raise SwarmError(
                    f"cannot mark pull request #{number} {state}: it is already {pull.state}"
                    + (f" (merge {pull.merge_sha})" if pull.merge_sha else "")
                )
            conn.execute(sql.SET_PULL_STATE, (state, merge_sha, now, number))
        return done

    # --- reviews and checks ------------------------------------------------------------------

    def add_review(self, review: Review) -> None:
        """Append a review; an exact repeat of the reviewer's latest review is not stored twice."""
        _check_choice(review.state, _REVIEW_STATES, "review state")
        _require_text(review.commit_sha, f"a review of #{review.pr_number}", "commit_sha")
        now = self._now()
        with self._write() as conn:
            _get_pull(conn, review.pr_number)
            last = conn.execute(sql.LAST_REVIEW_BY, (review.pr_number, review.reviewer))
            row = last.fetchone()
            if row is not None and Review(*row) == review:
                return
            conn.execute(sql.INSERT_REVIEW, (*_review_row(review), now))

    def list_reviews(self, pr_number: int) -> list[Review]:
        with self._read() as conn:
            _get_pull(conn, pr_number)
            return [Review(*row) for row in conn.execute(sql.LIST_REVIEWS, (pr_number,))]

    def record_check(self, check: CheckResult) -> None:
        """Upsert the result of one check on one commit of a pull request."""
        _check_choice(check.conclusion, _CONCLUSIONS, "check conclusion")
        _require_text(check.commit_sha, f"check {check.name!r} on #{check.pr_number}", "commit_sha")
        details = _details_json(check)
        now = self._now()
        with self._write() as conn:
            _get_pull(conn, check.pr_number)
            conn.execute(sql.UPSERT_CHECK, (*_check_row(check), details, now))

    def list_checks(self, pr_number: int) -> list[CheckResult]:
        with self._read() as conn:
            _get_pull(conn, pr_number)
            rows = conn.execute(sql.LIST_CHECKS, (pr_number,)).fetchall()
        return [
            CheckResult(pr, name, sha, conclusion, summary, json.loads(details))
            for pr, name, sha, conclusion, summary, details in rows
        ]

    # --- plumbing ----------------------------------------------------------------------------

    def _now(self) -> str:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the forge clock must return an aware datetime")
        return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._conn, self.path, "IMMEDIATE")

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._conn, self.path, "DEFERRED")


# --- validation ------------------------------------------------------------------------------


def _unique(items: Sequence[T], key: Callable[[T], Hashable], what: str) -> list[T]:
    """Drop exact repeats; two different specs under one key are a caller's mistake."""
    seen: dict[Hashable, T] = {}
    for item in items:
        k = key(item)
        if k in seen and seen[k] != item:
            raise SwarmError(f"two different {what} specs share the key {k!r} in one batch")
        seen.setdefault(k, item)
    return list(seen.values())


def _check_color(label: LabelSpec) -> None:
    if not _COLOR.fullmatch(label.color):
        raise SwarmError(
            f"label {label.name!r} has colour {label.color!r}; give six hex digits without '#'"
        )


def _check_choice(value: str, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise SwarmError(f"{what} {value!r} is not one of {', '.join(choices)}")


def _require_text(value: str, subject: str, name: str) -> None:
    if not value.strip():
        raise SwarmError(f"{subject} needs a non-empty {name}")


def _check_issue_spec(spec: IssueSpec) -> None:
    _require_text(spec.key, f"issue {spec.title!r}", "key")
    _check_choice(spec.state, _ISSUE_STATES, f"issue {spec.key!r}: state")
    if spec.parent_key == spec.key:
        raise SwarmError(f"issue {spec.key!r} names itself as its parent")


def _check_references(specs: list[IssueSpec], labels: set[str], milestones: dict[str, int]) -> None:
    for spec in specs:
        unknown = sorted(set(spec.labels) - labels)
        if unknown:
            raise SwarmError(
                f"issue {spec.key!r} uses unknown label(s) {', '.join(map(repr, unknown))};"
                " ensure labels before upserting issues"
            )
        if spec.milestone is not None and spec.milestone not in milestones:
            raise SwarmError(
                f"issue {spec.key!r} uses unknown milestone {spec.milestone!r};"
                " ensure milestones before upserting issues"
            )


# --- issues ----------------------------------------------------------------------------------


@dataclass
class _IssuePlan:
    """The writes one upsert batch needs; `issues` is the result for every key of the batch."""

    created: list[Issue] = field(default_factory=list)
    updated: list[tuple[Issue, bool]] = field(default_factory=list)  # (issue, labels changed)
    issues: dict[str, Issue] = field(default_factory=dict)

    def counts(self, total: int) -> WriteCounts:
        changed = len(self.created) + len(self.updated)
        return WriteCounts(len(self.created), len(self.updated), total - changed)


def _desired(spec: IssueSpec, number: int) -> Issue:
    # Labels are a set: stored and returned sorted, so their order in a spec is not a change.
    return Issue(
        number=number,
        key=spec.key,
        title=spec.title,
        body=spec.body,
        labels=tuple(sorted(set(spec.labels))),
        milestone=spec.milestone,
        state=spec.state,
        parent_key=spec.parent_key,
    )


def _plan_issues(specs: list[IssueSpec], stored: dict[str, Issue], next_number: int) -> _IssuePlan:
    plan = _IssuePlan()
    for spec in specs:
        old = stored.get(spec.key)
        if old is None:
            issue = _desired(spec, next_number)
            next_number += 1
            plan.created.append(issue)
        else:
            issue = _desired(spec, old.number)
            if issue != old:
                plan.updated.append((issue, issue.labels != old.labels))
        plan.issues[spec.key] = issue
    return plan


def _write_issues(
    conn: sqlite3.Connection,
    plan: _IssuePlan,
    milestones: dict[str, int],
    now: str,
    on_progress: Progress | None,
) -> None:
    total = len(plan.created) + len(plan.updated)
    done = 0
    for created in _chunks(plan.created):
        _insert_issues(conn, created, milestones, now)
        done += len(created)
        if on_progress is not None:
            on_progress(done, total)
    for updated in _chunks(plan.updated):
        _update_issues(conn, updated, milestones, now)
        done += len(updated)
        if on_progress is not None:
            on_progress(done, total)


def _insert_issues(
    conn: sqlite3.Connection, issues: list[Issue], milestones: dict[str, int], now: str
) -> None:
    conn.executemany(sql.INSERT_NUMBER, [(issue.number, "issue") for issue in issues])
    rows = [(i.number, i.key, *_issue_fields(i, milestones), now, now) for i in issues]
    conn.executemany(sql.INSERT_ISSUE, rows)
    conn.executemany(sql.INSERT_ISSUE_LABEL, _label_rows(issues))


def _update_issues(
    conn: sqlite3.Connection,
    updates: list[tuple[Issue, bool]],
    milestones: dict[str, int],
    now: str,
) -> None:
    rows = [(*_issue_fields(i, milestones), now, i.number) for i, _ in updates]
    conn.executemany(sql.UPDATE_ISSUE, rows)
    relabelled = [issue for issue, labels_changed in updates if labels_changed]
    conn.executemany(sql.DELETE_ISSUE_LABELS, [(issue.number,) for issue in relabelled])
    conn.executemany(sql.INSERT_ISSUE_LABEL, _label_rows(relabelled))


def _label_rows(issues: list[Issue]) -> list[tuple[int, str]]:
    return [(issue.number, label) for issue in issues for label in issue.labels]


def _issue_fields(issue: Issue, milestones: dict[str, int]) -> tuple[object, ...]:
    """The columns an update may change, in the order both INSERT_ISSUE and UPDATE_ISSUE use."""
    milestone = None if issue.milestone is None else milestones[issue.milestone]
    return (issue.title, issue.body, milestone, issue.state, issue.parent_key)


def _issues_by_key(conn: sqlite3.Connection, keys: list[str]) -> dict[str, Issue]:
    found: dict[str, Issue] = {}
    for chunk in _chunks(keys):
        for issue in _issues_from_rows(conn.execute(sql.issues_by_keys(len(chunk)), chunk)):
            found[issue.key] = issue
    return found


def _issues_from_rows(rows: sqlite3.Cursor) -> list[Issue]:
    """Fold the (issue, label) rows of the issue queries into issues."""
    issues = []
    for _, group in groupby(rows, key=itemgetter(0)):
        first, *rest = group
        number, key, title, body, milestone, state, parent_key, _ = first
        labels = tuple(row[7] for row in (first, *rest) if row[7] is not None)
        issues.append(Issue(number, key, title, body, labels, milestone, state, parent_key))
    return issues


def _next_number(conn: sqlite3.Connection) -> int:
    return int(conn.execute(sql.NEXT_NUMBER).fetchone()[0])


def _require_number(conn: sqlite3.Connection, number: int) -> str:
    row = conn.execute(sql.NUMBER_KIND, (number,)).fetchone()
    if row is None:
        raise SwarmError(f"there is no issue or pull request #{number}")
    return str(row[0])


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _counts(wanted: list[T], new: list[T], changed: list[T]) -> WriteCounts:
    return WriteCounts(len(new), len(changed), len(wanted) - len(new) - len(changed))


def _diff(
    wanted: list[T], stored: dict[str, T], key: Callable[[T], str]
) -> tuple[list[T], list[T]]:
    """Split `wanted` into (new, changed); what is stored identically needs no write."""
    new = [item for item in wanted if key(item) not in stored]
    changed = [item for item in wanted if key(item) in stored and stored[key(item)] != item]
    return new, changed


# --- milestones ------------------------------------------------------------------------------


def _date(value: dt.date | None) -> dt.date | None:
    # A datetime is a date too, but would never compare equal to the stored date.
    return value.date() if isinstance(value, dt.datetime) else value


def _milestones(conn: sqlite3.Connection) -> list[Milestone]:
    return [
        Milestone(number, title, description, None if due is None else dt.date.fromisoformat(due))
        for number, title, description, due in conn.execute(sql.LIST_MILESTONES)
    ]


def _milestone_spec(milestone: Milestone) -> MilestoneSpec:
    return MilestoneSpec(milestone.title, milestone.description, milestone.due_on)


def _milestone_row(spec: MilestoneSpec) -> dict[str, str | None]:
    due = None if spec.due_on is None else spec.due_on.isoformat()
    return {"title": spec.title, "description": spec.description, "due_on": due}


# --- pull requests, reviews, checks ----------------------------------------------------------


def _insert_pull(
    conn: sqlite3.Connection, spec: PullRequestSpec, head_sha: str, now: str
) -> PullRequest:
    number = _next_number(conn)
    conn.execute(sql.INSERT_NUMBER, (number, "pull"))
    fields = (spec.head, spec.base, spec.title, spec.body, spec.author, spec.task_key, spec.stage)
    conn.execute(sql.INSERT_PULL, (number, *fields, head_sha, now, now))
    return PullRequest(number, *fields, state="open", head_sha=head_sha)


def _pull_from_row(row: tuple[Any, ...]) -> PullRequest:
    return PullRequest(*row)


def _get_pull(conn: sqlite3.Connection, number: int) -> PullRequest:
    row = conn.execute(sql.GET_PULL, (number,)).fetchone()
    if row is None:
        kind = _require_number(conn, number)
        raise SwarmError(f"#{number} is an {kind}, not a pull request")
    return _pull_from_row(row)


def _check_same_pull(pull: PullRequest, spec: PullRequestSpec) -> None:
    """One branch, one task, one stage: an open PR's identity never changes under it."""
    ours = (pull.base, pull.task_key, pull.stage)
    theirs = (spec.base, spec.task_key, spec.stage)
    if ours != theirs:
        raise SwarmError(
            f"branch {spec.head!r} already has open pull request #{pull.number} for"
            f" base/task/stage {ours}, not {theirs}; close it first"
        )


def _review_row(review: Review) -> tuple[int, str, str, str, str]:
    return (review.pr_number, review.reviewer, review.state, review.commit_sha, review.body)


def _check_row(check: CheckResult) -> tuple[int, str, str, str, str]:
    return (check.pr_number, check.name, check.commit_sha, check.conclusion, check.summary)


def _details_json(check: CheckResult) -> str:
    try:
        return json.dumps(check.details, sort_keys=True)
    except (TypeError, ValueError) as err:
        raise SwarmError(
            f"check {check.name!r} on #{check.pr_number}: details must be JSON data ({err})"
        ) from err
