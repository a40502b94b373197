"""Pull requests, their reviews, and merging them into the bare repository."""

from __future__ import annotations

import re
from typing import Any

import pygit2

from ghcontract import gitops
from ghcontract.api.issues import edit_issue, set_state
from ghcontract.context import Ctx, Reply, route
from ghcontract.errors import ApiError, custom, invalid, missing_field, not_found
from ghcontract.state import Issue, Pull, Repo, Review

_CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.I)
_OK_CONCLUSIONS = {"success", "neutral", "skipped"}


def refresh(ctx: Ctx, repo: Repo, pull: Pull, git: pygit2.Repository) -> None:
    """An open pull request follows its branches, as GitHub's does after a push."""
    issue = repo.issues[pull.number]
    if issue.state != "open" or pull.merged:
        return
    head = gitops.branch_sha(git, pull.head_ref)
    base = gitops.branch_sha(git, pull.base_ref)
    if head is not None and head != pull.head_sha:
        pull.head_sha = head
        issue.updated_at = ctx.now()
    if base is not None:
        pull.base_sha = base


def _split_head(repo: Repo, head: str) -> tuple[str, str]:
    owner, sep, branch = head.partition(":")
    return (owner, branch) if sep else (repo.owner.login, head)


def _computed(ctx: Ctx, repo: Repo, pull: Pull, git: pygit2.Repository) -> dict[str, Any]:
    """The fields GitHub computes for a single pull request."""
    if not (gitops.commit_exists(git, pull.head_sha) and gitops.commit_exists(git, pull.base_sha)):
        return {}
    stats = gitops.diff_stats(git, pull.base_sha, pull.head_sha)
    out: dict[str, Any] = {
        "commits": stats.commits,
        "additions": stats.additions,
        "deletions": stats.deletions,
        "changed_files": stats.changed_files,
    }
    if repo.issues[pull.number].state == "open":
        clean = gitops.mergeable(git, pull.base_sha, pull.head_sha)
        blocked = _merge_blocker(ctx, repo, pull) is not None
        out["mergeable"] = clean
        out["rebaseable"] = False
        out["mergeable_state"] = "dirty" if not clean else "blocked" if blocked else "clean"
    return out


def _full(ctx: Ctx, repo: Repo, pull: Pull) -> dict[str, Any]:
    git = gitops.open_repo(repo.path)
    refresh(ctx, repo, pull, git)
    extra = _computed(ctx, repo, pull, git)
    result: dict[str, Any] = ctx.objects.pull(repo, pull, full=True, extra=extra)
    return result


# ---------------------------------------------------------------------- list, create, get, edit


@route("get", "/repos/{owner}/{repo}/pulls")
def list_pulls(ctx: Ctx) -> Reply:
    repo, query = ctx.repo(), ctx.query
    git = gitops.open_repo(repo.path)
    state = query.get("state", "open")
    items = []
    for pull in repo.pulls.values():
        refresh(ctx, repo, pull, git)
        if state not in ("all", repo.issues[pull.number].state):
            continue
        if "base" in query and pull.base_ref != query["base"]:
            continue
        # GitHub filters on head only in the form "owner:branch"; a bare branch name is ignored.
        if ":" in query.get("head", ""):
            owner, branch = query["head"].split(":", 1)
            if (owner.lower(), branch) != (pull.head_owner.lower(), pull.head_ref):
                continue
        items.append(pull)
    sort = query.get("sort", "created")
    issues = repo.issues
    keys = {
        "created": lambda p: (issues[p.number].created_at, p.number),
        "updated": lambda p: (issues[p.number].updated_at, p.number),
        "popularity": lambda p: (len(issues[p.number].comments), p.number),
        "long-running": lambda p: (-issues[p.number].created_at, p.number),
    }
    direction = query.get("direction", "desc" if sort == "created" else "asc")
    items.sort(key=keys[sort], reverse=direction == "desc")
    return Reply(200, [ctx.objects.pull(repo, p, full=False) for p in ctx.page(items)])


@route("post", "/repos/{owner}/{repo}/pulls")
def create_pull(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    if fields.get("issue") is not None:
        raise ctx.server.unemulated(ctx, "turning an issue into a pull request")
    if fields.get("head_repo"):
        raise ctx.server.unemulated(ctx, "pull requests from another repository (head_repo)")
    head_owner, head_ref = _split_head(repo, str(fields["head"]))
    base_ref = str(fields["base"])
    git = gitops.open_repo(repo.path)
    if head_owner.lower() != repo.owner.login.lower():
        raise invalid("PullRequest", "head", fields["head"])  # forks are not emulated
    head_sha = gitops.branch_sha(git, head_ref)
    if head_sha is None:
        raise invalid("PullRequest", "head", fields["head"])
    base_sha = gitops.branch_sha(git, base_ref)
    if base_sha is None:
        raise invalid("PullRequest", "base", base_ref)
    for other in repo.pulls.values():
        if (
            repo.issues[other.number].state == "open"
            and other.head_ref == head_ref
            and other.base_ref == base_ref
        ):
            raise custom(
                "PullRequest", f"A pull request already exists for {repo.owner.login}:{head_ref}."
            )
    if gitops.is_ancestor(git, head_sha, base_sha):
        raise custom("PullRequest", f"No commits between {base_ref} and {head_ref}")
    title = fields.get("title")
    if title is None or not str(title).strip():
        raise missing_field("PullRequest", "title")
    now = ctx.now()
    number = repo.take_number()
    repo.issues[number] = Issue(
        id=ctx.world.new_id("issue"),
        number=number,
        title=str(title),
        body=fields.get("body"),
        user=ctx.login,
        created_at=now,
        updated_at=now,
        is_pull=True,
    )
    pull = Pull(
        id=ctx.world.new_id("pull"),
        number=number,
        head_owner=repo.owner.login,
        head_ref=head_ref,
        head_sha=head_sha,
        base_ref=base_ref,
        base_sha=base_sha,
        draft=bool(fields.get("draft", False)),
        maintainer_can_modify=bool(fields.get("maintainer_can_modify", False)),
    )
    repo.pulls[number] = pull
    body = ctx.objects.pull(repo, pull, full=True, extra=_computed(ctx, repo, pull, git))
    body["mergeable"], body["mergeable_state"] = None, "unknown"  # GitHub computes it later
    return Reply(201, body, {"Location": body["url"]})


@route("get", "/repos/{owner}/{repo}/pulls/{pull_number}")
def get_pull(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(200, _full(ctx, repo, ctx.pull(repo)))


@route("patch", "/repos/{owner}/{repo}/pulls/{pull_number}")
def update_pull(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    pull = ctx.pull(repo)
    issue = repo.issues[pull.number]
    git = gitops.open_repo(repo.path)
    if "base" in fields and fields["base"] != pull.base_ref:
        if pull.merged or issue.state != "open":
            raise custom("PullRequest", "Cannot change the base branch of a closed pull request")
        base_sha = gitops.branch_sha(git, fields["base"])
        if base_sha is None:
            raise invalid("PullRequest", "base", fields["base"])
        pull.base_ref, pull.base_sha = fields["base"], base_sha
    if fields.get("state") == "open" and issue.state == "closed":
        if pull.merged:
            raise custom("PullRequest", "state cannot be changed. The pull request was merged.")
        if gitops.branch_sha(git, pull.head_ref) is None:
            raise custom("PullRequest", "state cannot be changed. The head branch was deleted.")
    if "maintainer_can_modify" in fields:
        pull.maintainer_can_modify = bool(fields["maintainer_can_modify"])
    edit_issue(
        ctx, repo, issue, {k: v for k, v in fields.items() if k in {"title", "body", "state"}}
    )
    return Reply(200, _full(ctx, repo, pull))


# ---------------------------------------------------------------------- merging


def _merge_blocker(ctx: Ctx, repo: Repo, pull: Pull) -> str | None:
    """Why branch protection refuses the merge (required checks, approvals), or None."""
    for name in sorted(ctx.server.required_checks):
        runs = [r for r in repo.check_runs if r.head_sha == pull.head_sha and r.name == name]
        statuses = [s for s in repo.statuses if s.sha == pull.head_sha and s.context == name]
        latest_run = max(runs, key=lambda r: r.id) if runs else None
        latest_status = max(statuses, key=lambda s: s.id) if statuses else None
        if latest_run is not None and latest_run.conclusion in _OK_CONCLUSIONS:
            continue
        if latest_status is not None and latest_status.state == "success":
            continue
        if latest_run is None and latest_status is None:
            return f'Required status check "{name}" is expected.'
        pending = (latest_run is not None and latest_run.status != "completed") or (
            latest_status is not None and latest_status.state == "pending"
        )
        return f'Required status check "{name}" is {"in progress" if pending else "failing"}.'
    needed = ctx.server.required_approvals
    if needed:
        latest: dict[str, str] = {}
        for review in pull.reviews:
            if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                latest[review.user] = review.state
        approvals = sum(1 for state in latest.values() if state == "APPROVED")
        if "CHANGES_REQUESTED" in latest.values() or approvals < needed:
            plural = "review is" if needed == 1 else "reviews are"
            return f"At least {needed} approving {plural} required by reviewers with write access."
    return None


@route("put", "/repos/{owner}/{repo}/pulls/{pull_number}/merge")
def merge_pull(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    pull = ctx.pull(repo)
    issue = repo.issues[pull.number]
    git = gitops.open_repo(repo.path)
    refresh(ctx, repo, pull, git)
    if pull.merged or issue.state != "open":
        raise ApiError(405, "Pull Request is not mergeable")
    if fields.get("sha") is not None and fields["sha"] != pull.head_sha:
        raise ApiError(409, "Head branch was modified. Review and try the merge again.")
    method = fields.get("merge_method", "merge")
    if method == "rebase":
        raise ApiError(405, "Rebase merges are not allowed on this repository.")
    if pull.draft:
        raise ApiError(405, "Pull Request is still a draft")
    blocker = _merge_blocker(ctx, repo, pull)
    if blocker is not None:
        raise ApiError(405, blocker)
    if method == "squash":
        title = fields.get("commit_title") or f"{issue.title} (#{pull.number})"
        default_message = "\n\n".join(
            f"* {c.message.strip()}" for c in _commits(git, pull.base_sha, pull.head_sha)
        )
    else:
        title = fields.get("commit_title") or (
            f"Merge pull request #{pull.number} from {pull.head_owner}/{pull.head_ref}"
        )
        default_message = issue.title
    message = fields.get("commit_message", default_message)
    text = f"{title}\n\n{message}\n" if message else f"{title}\n"
    author = gitops.user_signature(ctx.login, ctx.now())
    try:
        sha = gitops.merge_commit(
            git, pull.base_sha, pull.head_sha, text, author, squash=method == "squash"
        )
    except gitops.MergeConflict:
        raise ApiError(405, "Pull Request is not mergeable") from None
    try:
        gitops.update_ref(repo.path, f"refs/heads/{pull.base_ref}", sha, pull.base_sha)
    except gitops.RefUpdateRejected:
        raise ApiError(409, "Base branch was modified. Review and try the merge again.") from None
    now = ctx.now()
    pull.merged, pull.merged_at, pull.merged_by, pull.merge_commit_sha = True, now, ctx.login, sha
    set_state(ctx, issue, "closed", None)
    if pull.base_ref == repo.default_branch:
        for number in _CLOSING.findall(issue.body or ""):
            target = repo.issues.get(int(number))
            if target is not None and not target.is_pull and target.state == "open":
                set_state(ctx, target, "closed", "completed")
    repo.updated_at = now
    return Reply(200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"})


def _commits(git: pygit2.Repository, base: str, head: str) -> list[pygit2.Commit]:
    walker = git.walk(head, pygit2.enums.SortMode.REVERSE | pygit2.enums.SortMode.TOPOLOGICAL)
    merge_base = git.merge_base(base, head)
    if merge_base is not None:
        walker.hide(merge_base)
    return list(walker)


@route("get", "/repos/{owner}/{repo}/pulls/{pull_number}/merge")
def check_merged(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    if not ctx.pull(repo).merged:
        raise not_found()
    return Reply(204)


# ---------------------------------------------------------------------- reviews

_EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}


def _refuse(message: str) -> ApiError:
    return ApiError(422, "Unprocessable Entity", [message])


def _submit_checks(issue: Issue, login: str, event: str, body: str) -> None:
    own = issue.user.lower() == login.lower()
    if own and event == "APPROVE":
        raise _refuse("Review Can not approve your own pull request")
    if own and event == "REQUEST_CHANGES":
        raise _refuse("Review Can not request changes on your own pull request")
    if event in ("REQUEST_CHANGES", "COMMENT") and not body.strip():
        raise _refuse(f"Review Body is required for event {event}")


@route("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
def list_reviews(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    pull = ctx.pull(repo)
    visible = [r for r in pull.reviews if r.state != "PENDING" or r.user == ctx.login]
    return Reply(200, [ctx.objects.review(repo, pull, r) for r in ctx.page(visible)])


@route("post", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
def create_review(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    pull = ctx.pull(repo)
    issue = repo.issues[pull.number]
    git = gitops.open_repo(repo.path)
    refresh(ctx, repo, pull, git)
    if fields.get("comments"):
        raise ctx.server.unemulated(ctx, "inline review comments")
    event = fields.get("event")
    body = fields.get("body") or ""
    if event is not None:
        _submit_checks(issue, ctx.login, event, body)
    elif any(r.user == ctx.login and r.state == "PENDING" for r in pull.reviews):
        raise _refuse("User can only have one pending review per pull request")
    commit_id = fields.get("commit_id") or pull.head_sha
    if not gitops.commit_exists(git, commit_id):
        raise _refuse(f"Commit {commit_id} is not part of the pull request")
    review = Review(
        id=ctx.world.new_id("review"),
        user=ctx.login,
        body=body,
        state=_EVENTS[event] if event else "PENDING",
        commit_id=commit_id,
        submitted_at=ctx.now() if event else None,
    )
    pull.reviews.append(review)
    issue.updated_at = ctx.now()
    return Reply(200, ctx.objects.review(repo, pull, review))


@route("post", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/events")
def submit_review(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    pull = ctx.pull(repo)
    wanted = int(ctx.params["review_id"])
    review = next((r for r in pull.reviews if r.id == wanted and r.user == ctx.login), None)
    if review is None:
        raise not_found()
    if review.state != "PENDING":
        raise _refuse("Can not submit a review that is not pending")
    body = fields.get("body") or review.body
    _submit_checks(repo.issues[pull.number], ctx.login, fields["event"], body)
    review.state, review.body, review.submitted_at = _EVENTS[fields["event"]], body, ctx.now()
    return Reply(200, ctx.objects.review(repo, pull, review))


@route("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}")
def get_review(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    pull = ctx.pull(repo)
    wanted = int(ctx.params["review_id"])
    review = next((r for r in pull.reviews if r.id == wanted), None)
    if review is None:
        raise not_found()
    return Reply(200, ctx.objects.review(repo, pull, review))
