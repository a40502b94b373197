"""Issues (which include pull requests, as on GitHub), comments and sub-issues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ghcontract.api.labels import labels_for
from ghcontract.context import Ctx, Reply, route
from ghcontract.errors import ApiError, custom, invalid, not_found
from ghcontract.state import Comment, Issue, Repo

MAX_SUB_ISSUES = 100
MAX_DEPTH = 8


def _since(value: str | None) -> int | None:
    if value is None:
        return None
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _assignees(ctx: Ctx, fields: dict[str, Any]) -> list[str] | None:
    wanted: list[str] | None = None
    if "assignees" in fields:
        wanted = list(fields["assignees"] or [])
    elif "assignee" in fields:
        wanted = [fields["assignee"]] if fields["assignee"] else []
    if wanted is None:
        return None
    out = []
    for login in wanted:
        account = ctx.world.find_account(login)
        if account is None or account.kind != "User":
            raise invalid("Issue", "assignees", login)
        if account.login not in out:
            out.append(account.login)
    return out


def _milestone_number(repo: Repo, value: Any) -> int | None:
    if value is None or value == "":  # PyGithub clears a milestone with ""; GitHub accepts it
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid("Issue", "milestone", value) from None
    if number not in repo.milestones:
        raise invalid("Issue", "milestone", number)
    return number


def set_state(ctx: Ctx, issue: Issue, state: str, reason: str | None) -> None:
    now = ctx.now()
    if state == "closed":
        if issue.state != "closed":
            issue.closed_at, issue.closed_by = now, ctx.login
        issue.state = "closed"
        issue.state_reason = reason or "completed"
    else:
        if issue.state == "closed":
            issue.state_reason = "reopened"
        issue.state = "open"
        issue.closed_at = None
    issue.updated_at = now


# ---------------------------------------------------------------------- list, create, get, edit


@route("get", "/repos/{owner}/{repo}/issues")
def list_issues(ctx: Ctx) -> Reply:
    repo, query = ctx.repo(), ctx.query
    state = query.get("state", "open")
    items = [i for i in repo.issues.values() if state == "all" or i.state == state]
    milestone = query.get("milestone")
    if milestone == "none":
        items = [i for i in items if i.milestone is None]
    elif milestone == "*":
        items = [i for i in items if i.milestone is not None]
    elif milestone is not None:
        items = [i for i in items if str(i.milestone) == milestone]
    assignee = query.get("assignee")
    if assignee == "none":
        items = [i for i in items if not i.assignees]
    elif assignee == "*":
        items = [i for i in items if i.assignees]
    elif assignee is not None:
        items = [i for i in items if assignee.lower() in (a.lower() for a in i.assignees)]
    if "creator" in query:
        items = [i for i in items if i.user.lower() == query["creator"].lower()]
    if "mentioned" in query:
        mention = f"@{query['mentioned']}".lower()
        items = [i for i in items if mention in (i.body or "").lower()]
    if query.get("labels"):
        wanted = {name.strip().lower() for name in query["labels"].split(",") if name.strip()}
        items = [i for i in items if wanted <= {label.name.lower() for label in i.labels}]
    since = _since(query.get("since"))
    if since is not None:
        items = [i for i in items if int(i.updated_at) >= since]
    sort = query.get("sort", "created")
    keys = {
        "created": lambda i: (i.created_at, i.number),
        "updated": lambda i: (i.updated_at, i.number),
        "comments": lambda i: (len(i.comments), i.number),
    }
    items.sort(key=keys[sort], reverse=query.get("direction", "desc") == "desc")
    return Reply(200, [ctx.objects.issue(repo, i) for i in ctx.page(items)])


@route("post", "/repos/{owner}/{repo}/issues")
def create_issue(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    if not repo.has_issues:
        raise ApiError(410, "Issues are disabled for this repo")
    if fields.get("type") is not None:
        raise invalid("Issue", "type", fields["type"])
    title = str(fields["title"])
    if not title.strip():
        raise custom("Issue", "title cannot be blank", field="title")
    now = ctx.now()
    issue = Issue(
        id=ctx.world.new_id("issue"),
        number=repo.take_number(),
        title=title,
        body=fields.get("body"),
        user=ctx.login,
        created_at=now,
        updated_at=now,
        milestone=_milestone_number(repo, fields.get("milestone")),
        assignees=_assignees(ctx, fields) or [],
    )
    issue.labels = labels_for(ctx, repo, list(fields.get("labels") or []))
    repo.issues[issue.number] = issue
    body = ctx.objects.issue(repo, issue)
    return Reply(201, body, {"Location": body["url"]})


@route("get", "/repos/{owner}/{repo}/issues/{issue_number}")
def get_issue(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(200, ctx.objects.issue(repo, ctx.issue(repo)))


@route("patch", "/repos/{owner}/{repo}/issues/{issue_number}")
def update_issue(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    issue = ctx.issue(repo)
    edit_issue(ctx, repo, issue, fields)
    return Reply(200, ctx.objects.issue(repo, issue))


def edit_issue(ctx: Ctx, repo: Repo, issue: Issue, fields: dict[str, Any]) -> None:
    """Apply an edit after checking all of it: a refused edit changes nothing."""
    if fields.get("type") is not None:
        raise invalid("Issue", "type", fields["type"])
    milestone = _milestone_number(repo, fields.get("milestone")) if "milestone" in fields else 0
    assignees = _assignees(ctx, fields)
    if "title" in fields and (fields["title"] is None or not str(fields["title"]).strip()):
        raise custom("Issue", "title cannot be blank", field="title")
    state = fields.get("state")
    if state is not None and state not in ("open", "closed"):
        raise invalid("Issue", "state", state)
    labels = labels_for(ctx, repo, list(fields["labels"] or [])) if "labels" in fields else None
    if "title" in fields:
        issue.title = str(fields["title"])
    if "body" in fields:
        issue.body = fields["body"]
    if milestone != 0:
        issue.milestone = milestone
    if assignees is not None:
        issue.assignees = assignees
    if labels is not None:
        issue.labels = labels
    if state is not None:
        set_state(ctx, issue, state, fields.get("state_reason"))
    elif fields.get("state_reason") and issue.state == "closed":
        issue.state_reason = fields["state_reason"]
    issue.updated_at = ctx.now()


# ---------------------------------------------------------------------- comments


@route("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def list_comments(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    since = _since(ctx.query.get("since"))
    items = [c for c in issue.comments if since is None or int(c.updated_at) >= since]
    return Reply(200, [ctx.objects.comment(repo, c) for c in ctx.page(items)])


@route("get", "/repos/{owner}/{repo}/issues/comments")
def list_repo_comments(ctx: Ctx) -> Reply:
    """Every issue's and pull request's comments: by ascending id unless `sort` is given; the
    description leaves `direction`'s default open, taken here as ascending (send it)."""
    repo, query = ctx.repo(), ctx.query
    since = _since(query.get("since"))
    items = [
        c
        for issue in repo.issues.values()
        for c in issue.comments
        if since is None or int(c.updated_at) >= since
    ]
    if "sort" in query:
        field = "updated_at" if query["sort"] == "updated" else "created_at"
        items.sort(
            key=lambda c: (getattr(c, field), c.id), reverse=query.get("direction") == "desc"
        )
    else:
        items.sort(key=lambda c: c.id)
    return Reply(200, [ctx.objects.comment(repo, c) for c in ctx.page(items)])


@route("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def create_comment(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    issue = ctx.issue(repo)
    if issue.locked:
        raise ApiError(403, "Unable to create comment because issue is locked.")
    if not str(fields["body"]).strip():
        raise custom("IssueComment", "body cannot be blank", field="body")
    now = ctx.now()
    comment = Comment(
        ctx.world.new_id("comment"), issue.number, ctx.login, fields["body"], now, now
    )
    issue.comments.append(comment)
    issue.updated_at = now
    body = ctx.objects.comment(repo, comment)
    return Reply(201, body, {"Location": body["url"]})


def _comment(ctx: Ctx, repo: Repo) -> Comment:
    wanted = int(ctx.params["comment_id"])
    for issue in repo.issues.values():
        for comment in issue.comments:
            if comment.id == wanted:
                return comment
    raise not_found()


@route("get", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def get_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(200, ctx.objects.comment(repo, _comment(ctx, repo)))


@route("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def update_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    comment = _comment(ctx, repo)
    comment.body = ctx.fields()["body"]
    comment.updated_at = ctx.now()
    return Reply(200, ctx.objects.comment(repo, comment))


@route("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def delete_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    comment = _comment(ctx, repo)
    repo.issues[comment.issue_number].comments.remove(comment)
    return Reply(204)


# ---------------------------------------------------------------------- sub-issues


def _sub_issue(ctx: Ctx, repo: Repo, issue_id: int) -> Issue:
    found = ctx.world.issue_by_id(repo, issue_id)
    if found is not None:
        return found
    for other in ctx.world.repos.values():
        if other is not repo and ctx.world.issue_by_id(other, issue_id) is not None:
            raise ctx.server.unemulated(ctx, "sub-issues from another repository")
    raise not_found()


def _depth(repo: Repo, issue: Issue) -> int:
    depth = 1
    while issue.parent is not None:
        issue = repo.issues[issue.parent]
        depth += 1
    return depth


@route("post", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues")
def add_sub_issue(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    parent = ctx.issue(repo)
    child = _sub_issue(ctx, repo, int(fields["sub_issue_id"]))
    if child.is_pull or parent.is_pull:
        raise custom("Issue", "Pull requests cannot be sub-issues", field="sub_issue_id")
    if child is parent:
        raise custom("Issue", "An issue cannot be a sub-issue of itself", field="sub_issue_id")
    ancestor: Issue | None = parent
    while ancestor is not None:
        if ancestor is child:
            raise custom("Issue", "Sub-issues cannot form a cycle", field="sub_issue_id")
        ancestor = repo.issues[ancestor.parent] if ancestor.parent is not None else None
    if child.parent == parent.number:
        raise custom("Issue", "Issue is already a sub-issue of this issue", field="sub_issue_id")
    if child.parent is not None and not fields.get("replace_parent"):
        raise custom("Issue", "Sub issue may only have one parent", field="sub_issue_id")
    if len(parent.sub_issues) >= MAX_SUB_ISSUES:
        raise custom("Issue", f"Parent cannot have more than {MAX_SUB_ISSUES} sub-issues")
    if _depth(repo, parent) >= MAX_DEPTH:
        raise custom("Issue", f"Sub-issues cannot be nested more than {MAX_DEPTH} levels")
    if child.parent is not None:
        repo.issues[child.parent].sub_issues.remove(child.number)
    child.parent = parent.number
    parent.sub_issues.append(child.number)
    parent.updated_at = child.updated_at = ctx.now()
    body = ctx.objects.issue(repo, parent)
    return Reply(201, body, {"Location": f"{body['url']}/sub_issues"})


@route("get", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues")
def list_sub_issues(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    parent = ctx.issue(repo)
    children = [repo.issues[n] for n in parent.sub_issues]
    return Reply(200, [ctx.objects.issue(repo, c) for c in ctx.page(children)])


@route("delete", "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue")
def remove_sub_issue(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    parent = ctx.issue(repo)
    child = _sub_issue(ctx, repo, int(ctx.fields()["sub_issue_id"]))
    if child.number not in parent.sub_issues:
        raise not_found()
    parent.sub_issues.remove(child.number)
    child.parent = None
    parent.updated_at = child.updated_at = ctx.now()
    body = ctx.objects.issue(repo, child)
    return Reply(200, body, {"Location": body["url"]})


@route("get", "/repos/{owner}/{repo}/issues/{issue_number}/parent")
def get_parent(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    child = ctx.issue(repo)
    if child.parent is None:
        raise not_found()
    return Reply(200, ctx.objects.issue(repo, repo.issues[child.parent]))
