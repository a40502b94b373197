"""The GitHub forge: the `Forge` protocol over GitHub's REST API, through PyGithub.

Issues and pull requests carry plan-swarm's key in a hidden marker (see markers), so
every write is an upsert and a re-run or a resumed run never duplicates. What the forge has
read is kept for the life of the instance and updated by its own writes: a swarm worker lists
issues and pull requests once, not once per stage (at most 5 calls per stage is the budget).
A forge on another machine may create something meanwhile; the keys make that harmless: a
second pull request for a head GitHub refuses (422), and the forge then adopts the open one.

Merges happen on GitHub (`merge_on_server`), with the integrator's message and trailers, only
after the gates passed; the mirror then fetches main.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from types import TracebackType
from typing import Any, Literal, TypeVar

from github import Github
from github.GithubObject import GithubObject, NotSet
from github.Issue import Issue as GhIssue
from github.Label import Label as GhLabel
from github.Milestone import Milestone as GhMilestone
from github.PullRequest import PullRequest as GhPull
from github.Repository import Repository

from swarm.forge import markers
from swarm.forge.base import (
    CheckResult,
    Comment,
    Issue,
    IssueSpec,
    LabelSpec,
    MilestoneSpec,
    PullRequest,
    PullRequestSpec,
    RecentComment,
    Review,
)
from swarm.forge.github_client import ApiError, api, client
from swarm.forge.github_target import GitHubTarget

T = TypeVar("T")
_CREATE_TRIES = 3
_REVIEW_STATES: dict[str, Literal["approved", "changes_requested", "commented"]] = {
    "APPROVED": "approved",
    "CHANGES_REQUESTED": "changes_requested",
}


class MergeRefused(ApiError):
    """GitHub would not merge: a required check, a conflict, or the head moved."""


class GitHubForge:
    merges_on_server = True

    def __init__(self, target: GitHubTarget, token: str, gh: Github | None = None) -> None:
        self.target = target
        self._gh = gh or client(target, token)
        self._repo: Repository = self._gh.get_repo(target.repo)  # lazy: the client is
        self._labels: dict[str, GhLabel] | None = None
        self._milestones: dict[str, GhMilestone] | None = None
        self._issues: dict[str, GhIssue] | None = None  # by key
        self._pulls: dict[int, PullRequest] | None = None
        self._open_heads: dict[str, int] = {}  # branch -> its open pull request's number
        self._login: str | None = None
        self._issue_writes = [0, 0]  # created, updated

    def close(self) -> None:
        self._gh.close()

    def __enter__(self) -> GitHubForge:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def repository(self) -> Repository:
        return self._gh.get_repo(self.target.repo)

    def create_repository(self, private: bool) -> Repository:
        """For the token's user when it is the owner, else in the owner organization."""
        name = self.target.name
        if self.target.owner == self.login():
            return self._gh.get_user().create_repo(name, private=private)
        return self._gh.get_organization(self.target.owner).create_repo(name, private=private)

    def login(self) -> str:
        """The user the token acts for: every write here is theirs on GitHub."""
        if self._login is None:
            with api("GET /user"):
                self._login = self._gh.get_user().login
        return self._login

    # --- labels and milestones -----------------------------------------------------------

    def ensure_labels(self, labels: list[LabelSpec]) -> None:
        have = self._label_map()
        for spec in labels:
            found = have.get(spec.name.lower())
            if found is None:
                have[spec.name.lower()] = self._create_label(spec)
            elif (found.color.lower(), found.description or "") != (
                spec.color.lower(),
                spec.description,
            ):
                with api(f"PATCH label {spec.name}"):
                    found.edit(spec.name, spec.color, spec.description)

    def _create_label(self, spec: LabelSpec) -> GhLabel:
        return self._create(
            f"POST labels {spec.name}",
            lambda: self._repo.create_label(spec.name, spec.color, spec.description),
            lambda: self._find_label(spec.name),
        )

    def list_labels(self) -> list[LabelSpec]:
        return [
            LabelSpec(lb.name, lb.color, lb.description or "") for lb in self._label_map().values()
        ]

    def list_milestone_specs(self) -> list[MilestoneSpec]:
        return [
            MilestoneSpec(m.title, m.description or "", _day(m.due_on))
            for m in self._milestone_map().values()
        ]

    def _label_map(self) -> dict[str, GhLabel]:
        if self._labels is None:
            with api("GET labels"):
                self._labels = {lb.name.lower(): lb for lb in self._repo.get_labels()}
        return self._labels

    def _find_label(self, name: str) -> GhLabel | None:
        self._labels = None
        return self._label_map().get(name.lower())

    def ensure_milestones(self, milestones: list[MilestoneSpec]) -> None:
        have = self._milestone_map()
        for spec in milestones:
            found = have.get(spec.title)
            due = _due(spec.due_on)
            if found is None:
                have[spec.title] = self._create(
                    f"POST milestones {spec.title}",
                    partial(self._repo.create_milestone, spec.title, "open", spec.description, due),
                    partial(self._find_milestone, spec.title),
                )
            elif (found.description or "", _day(found.due_on)) != (spec.description, spec.due_on):
                with api(f"PATCH milestone {spec.title}"):
                    found.edit(spec.title, description=spec.description, due_on=due)

    def _milestone_map(self) -> dict[str, GhMilestone]:
        if self._milestones is None:
            with api("GET milestones"):
                self._milestones = {m.title: m for m in self._repo.get_milestones(state="all")}
        return self._milestones

    def _find_milestone(self, title: str) -> GhMilestone | None:
        self._milestones = None
        return self._milestone_map().get(title)

    # --- issues ----------------------------------------------------------------------------

    def upsert_issues(self, specs: list[IssueSpec]) -> list[Issue]:
        have = self._issue_map()
        out = []
        for spec in specs:
            found = have.get(spec.key)
            if found is None:
                found = self._create_issue(spec)
            elif _issue_of(found) != _wanted(spec, found.number):
                found = self._edit_issue(found, spec)
            have[spec.key] = found
            out.append(_issue_of(found))
        return out

    def write_counts(self) -> tuple[int, int]:
        """Issues created and updated by this instance (see issue_sync)."""
        return self._issue_writes[0], self._issue_writes[1]

    def _create_issue(self, spec: IssueSpec) -> GhIssue:
        self._issue_writes[0] += 1
        body = _issue_body(spec)
        created = self._create(
            f"POST issues {spec.key}",
            lambda: self._repo.create_issue(
                spec.title, body, labels=list(spec.labels), **self._milestone_arg(spec)
            ),
            lambda: self._find_issue(spec.key),
        )
        if spec.state == "closed":
            return self._edit_issue(created, spec)
        return created

    def _edit_issue(self, issue: GhIssue, spec: IssueSpec) -> GhIssue:
        self._issue_writes[1] += 1
        with api(f"PATCH issues #{issue.number}"):
            issue.edit(
                title=spec.title,
                body=_issue_body(spec),
                labels=list(spec.labels),
                state=spec.state,
                **self._milestone_arg(spec),
            )
        return issue

    def _milestone_arg(self, spec: IssueSpec) -> dict[str, Any]:
        if spec.milestone is None:
            return {}
        found = self._milestone_map().get(spec.milestone)
        return {"milestone": found} if found is not None else {}

    def _issue_map(self) -> dict[str, GhIssue]:
        if self._issues is None:
            self._issues = {}
            with api("GET issues"):
                for issue in self._repo.get_issues(state="all", direction="asc"):
                    key = markers.read(issue.body)[1].get("key")
                    if key and not _is_pull(issue):
                        self._issues.setdefault(key, issue)  # the oldest wins a duplicate
        return self._issues

    def _find_issue(self, key: str) -> GhIssue | None:
        self._issues = None
        return self._issue_map().get(key)

    def list_issues(self) -> list[Issue]:
        return sorted((_issue_of(i) for i in self._issue_map().values()), key=lambda i: i.number)

    def issue_by_key(self, key: str) -> Issue | None:
        found = self._issue_map().get(key)
        return _issue_of(found) if found is not None else None

    def add_comment(self, issue_number: int, author: str, body: str) -> Comment:
        text = markers.mark(body, author=author) if author != self.login() else body
        with api(f"POST comments #{issue_number}"):
            made = self._repo.get_issue(issue_number).create_comment(text)
        return Comment(made.id, issue_number, author, body, _iso(made.created_at))

    def list_comments(self, issue_number: int) -> list[Comment]:
        out = []
        with api(f"GET comments #{issue_number}"):
            for c in self._repo.get_issue(issue_number).get_comments():
                body, fields = markers.read(c.body)
                mine = c.user.login == self.login() if fields else False
                author = fields.get("author", c.user.login) if mine else c.user.login
                out.append(Comment(c.id, issue_number, author, body, _iso(c.created_at)))
        return out

    # --- pull requests -----------------------------------------------------------------

    def open_pull_request(self, spec: PullRequestSpec, head_sha: str) -> PullRequest:
        known = self.open_pull_for(spec.head)
        if known is not None:
            return self._remember(_with(known, head_sha=head_sha))  # GitHub follows the branch
        body = markers.mark(spec.body, task=spec.task_key, stage=spec.stage, agent=spec.author)
        made = self._create(
            f"POST pulls {spec.head}",
            lambda: self._repo.create_pull(spec.base, spec.head, title=spec.title, body=body),
            lambda: self._find_open_pull(spec.head),
            on_422=lambda: self._find_open_pull(spec.head),
        )
        return self._remember(_with(_pull_of(made), head_sha=head_sha))

    def _find_open_pull(self, head: str) -> GhPull | None:
        with api(f"GET pulls head={head}"):
            for pr in self._repo.get_pulls(state="open", head=f"{self.target.owner}:{head}"):
                return pr
        return None

    def _pull_map(self) -> dict[int, PullRequest]:
        if self._pulls is None:
            with api("GET pulls"):
                found = [_pull_of(p) for p in self._repo.get_pulls(state="all", direction="asc")]
            self._pulls, self._open_heads = {}, {}
            for pr in found:
                self._remember(pr)
        return self._pulls

    def _remember(self, pr: PullRequest) -> PullRequest:
        self._pull_map()[pr.number] = pr
        if pr.state == "open":
            self._open_heads[pr.head] = pr.number
        elif self._open_heads.get(pr.head) == pr.number:
            del self._open_heads[pr.head]
        return pr

    def open_pull_for(self, head: str) -> PullRequest | None:
        pulls = self._pull_map()  # loads _open_heads on first use
        number = self._open_heads.get(head)
        return None if number is None else pulls[number]

    def list_pull_requests(self, state: str | None = None) -> list[PullRequest]:
        pulls = sorted(self._pull_map().values(), key=lambda p: p.number)
        return [p for p in pulls if state is None or p.state == state]

    def open_pull_requests_now(self) -> list[PullRequest]:
        """The open pull requests as GitHub lists them now: one request per hundred open ones
        (a watcher's poll, whose cost must not grow with the merged ones). What this instance
        keeps for the swarm's own use is left alone."""
        with api("GET pulls state=open"):
            return [_pull_of(p) for p in self._repo.get_pulls(state="open", direction="asc")]

    def recent_comments(self) -> list[RecentComment]:
        """The hundred most recently updated comments of the repository, newest first: one
        request, whatever the history (a watcher's poll)."""
        listed = self._repo.get_issues_comments(sort="updated", direction="desc")
        with api("GET issues/comments"):
            page = listed.get_page(0)  # the first page only: older ones were seen before
        return [RecentComment(c.id, c.user.login, c.body, _iso(c.updated_at)) for c in page]

    def get_pull_request(self, number: int, fresh: bool = False) -> PullRequest:
        """As this instance knows it (its own writes keep that current), or as GitHub has it
        now when `fresh` or unknown. A merge of a stale one is refused by GitHub (the head
        sha is part of the request), so a stale read costs a refusal, never a wrong merge."""
        known = None if fresh or self._pulls is None else self._pulls.get(number)
        if known is not None:
            return known
        with api(f"GET pulls #{number}"):
            return self._remember(_pull_of(self._repo.get_pull(number)))

    def merge_on_server(self, number: int, head_sha: str, message: str) -> str:
        """Merge on GitHub with `message`; returns the merge commit's id."""
        title, _, rest = message.partition("\n")
        try:
            with api(f"PUT pulls #{number}/merge"):
                status = self._repo.get_pull(number).merge(
                    commit_message=rest.strip("\n"),
                    commit_title=title,
                    merge_method="merge",
                    sha=head_sha,
                )
        except ApiError as exc:
            if exc.status not in (405, 409, 422) and exc.status is not None and exc.status < 500:
                raise
            current = self.get_pull_request(
                number, fresh=True
            )  # a lost reply: did it merge after all?
            if current.state == "merged" and current.head_sha == head_sha:
                return current.merge_sha
            raise MergeRefused(str(exc), exc.status) from None
        self._remember(_with(self._pull_map()[number], state="merged", merge_sha=status.sha))
        return str(status.sha)

    def mark_merged(self, number: int, merge_sha: str) -> PullRequest:
        # GitHub marked it when it merged (or when main came to contain its head)
        return self._remember(_with(self._pull_map()[number], state="merged", merge_sha=merge_sha))

    def close_pull_request(self, number: int) -> PullRequest:
        with api(f"PATCH pulls #{number}"):
            pr = self._repo.get_pull(number)
            pr.edit(state="closed")
        return self._remember(_with(self._pull_map()[number], state="closed"))

    # --- reviews and checks --------------------------------------------------------------

    def add_review(self, review: Review) -> None:
        event = {"approved": "APPROVE", "changes_requested": "REQUEST_CHANGES"}
        with api(f"POST reviews #{review.pr_number}"):
            self._repo.get_pull(review.pr_number).create_review(
                commit=self._repo.get_commit(review.commit_sha),
                body=review.body or f"{review.state} by {review.reviewer}",
                event=event.get(review.state, "COMMENT"),
            )

    def list_reviews(self, pr_number: int) -> list[Review]:
        with api(f"GET reviews #{pr_number}"):
            return [
                Review(
                    pr_number,
                    r.user.login,
                    _REVIEW_STATES.get(r.state, "commented"),
                    r.commit_id,
                    r.body or "",
                )
                for r in self._repo.get_pull(pr_number).get_reviews()
            ]

    def record_check(self, check: CheckResult) -> None:
        text = json.dumps(check.details, sort_keys=True)[:60000]
        with api(f"POST check-runs {check.name}"):
            self._repo.create_check_run(
                check.name,
                check.commit_sha,
                status="completed",
                conclusion=check.conclusion,
                output={"title": check.name, "summary": check.summary[:60000], "text": text},
            )

    def list_checks(self, pr_number: int) -> list[CheckResult]:
        head = self.get_pull_request(pr_number, fresh=True).head_sha
        out = []
        with api(f"GET check-runs {head[:12]}"):
            for run in self._repo.get_commit(head).get_check_runs():
                conclusion: Literal["success", "failure"]
                if run.conclusion == "success":
                    conclusion = "success"
                elif run.conclusion == "failure":
                    conclusion = "failure"
                else:
                    continue
                try:
                    details = json.loads(run.output.text or "{}")
                except ValueError:
                    details = {}
                out.append(
                    CheckResult(
                        pr_number,
                        run.name,
                        run.head_sha,
                        conclusion,
                        run.output.summary or "",
                        details,
                    )
                )
        return out

    # --- creating without duplicates -----------------------------------------------------

    def _create(
        self,
        what: str,
        make: Callable[[], T],
        find: Callable[[], T | None],
        on_422: Callable[[], T | None] | None = None,
    ) -> T:
        """POST once; when GitHub's answer is lost or a 5xx (it may have acted all the same),
        look for what would have been made before asking again."""
        for attempt in range(_CREATE_TRIES):
            try:
                with api(what):
                    return make()
            except ApiError as exc:
                if exc.status == 422 and on_422 is not None and (found := on_422()) is not None:
                    return found
                if exc.status is not None and exc.status < 500:
                    raise
                found = find()
                if found is not None:
                    return found
                if attempt == _CREATE_TRIES - 1:
                    raise
                time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")


def _is_pull(issue: GhIssue) -> bool:
    """Whether a listed issue is a pull request, from the data as listed: PyGithub's own
    accessors (`pull_request`, `raw_data`) fetch the whole issue again first."""
    listed: dict[str, Any] = GithubObject.raw_data.fget(issue)  # type: ignore[attr-defined]
    return "pull_request" in listed


def _issue_body(spec: IssueSpec) -> str:
    return markers.mark(spec.body, key=spec.key, parent=spec.parent_key or "")


def _issue_of(issue: GhIssue) -> Issue:
    body, fields = markers.read(issue.body)
    state: Literal["open", "closed"] = "closed" if issue.state == "closed" else "open"
    return Issue(
        number=issue.number,
        key=fields.get("key", ""),
        title=issue.title,
        body=body,
        labels=tuple(sorted(lb.name for lb in issue.labels)),
        milestone=issue.milestone.title if issue.milestone is not None else None,
        state=state,
        parent_key=fields.get("parent") or None,
    )


def _wanted(spec: IssueSpec, number: int) -> Issue:
    body = markers.read(_issue_body(spec))[0]
    return Issue(
        number,
        spec.key,
        spec.title,
        body,
        tuple(sorted(spec.labels)),
        spec.milestone,
        spec.state,
        spec.parent_key,
    )


def _pull_of(pr: GhPull) -> PullRequest:
    body, fields = markers.read(pr.body)
    # merged_at, not merged: listed pull requests lack `merged`, which would fetch each again
    merged = pr.merged_at is not None
    state: Literal["open", "merged", "closed"] = (
        "merged" if merged else "closed" if pr.state == "closed" else "open"
    )
    return PullRequest(
        number=pr.number,
        head=pr.head.ref,
        base=pr.base.ref,
        title=pr.title,
        body=body,
        author=fields.get("agent", pr.user.login),
        task_key=fields.get("task", ""),
        stage=fields.get("stage", ""),
        state=state,
        head_sha=pr.head.sha,
        merge_sha=(pr.merge_commit_sha or "") if merged else "",
    )


def _with(pr: PullRequest, **changes: Any) -> PullRequest:
    return replace(pr, **changes)


def _due(day: dt.date | None) -> dt.datetime | Any:
    if day is None:
        return NotSet
    return dt.datetime.combine(day, dt.time(8, 0), dt.UTC)


def _day(when: dt.datetime | None) -> dt.date | None:
    return when.date() if when is not None else None


def _iso(when: dt.datetime | None) -> str:
    return when.astimezone(dt.UTC).isoformat() if when is not None else ""


def ensure_repository(forge: GitHubForge, private: bool) -> tuple[str, bool]:
    """Use the repository if it exists, or create it (for the user, or the organization named
    as owner). Returns (its clone URL, whether it was created)."""
    target = forge.target
    try:
        with api(f"GET repos/{target.repo}"):
            return forge.repository().clone_url, False
    except ApiError as exc:
        if exc.status != 404:
            raise
    with api(f"POST repos {target.repo}"):
        made = forge.create_repository(private)
    return made.clone_url, True
