"""Repository labels, milestones, and the labels on one issue."""

from __future__ import annotations

import re
from typing import Any

from ghcontract.context import Ctx, Reply, route
from ghcontract.errors import ApiError, already_exists, invalid, not_found, validation_failed
from ghcontract.state import Label, Milestone, Repo

_COLOR = re.compile(r"[0-9a-fA-F]{6}\Z")
DEFAULT_COLOR = "ededed"


def _check_label_fields(color: Any, description: Any) -> None:
    if color is not None and not _COLOR.match(str(color)):
        raise invalid("Label", "color", color)
    if description is not None and len(str(description)) > 100:
        raise invalid("Label", "description", description)


def new_label(ctx: Ctx, repo: Repo, name: str, color: str | None, description: str | None) -> Label:
    if not name.strip():
        raise invalid("Label", "name", name)
    if name.lower() in repo.labels:
        raise already_exists("Label", "name", name)
    label = Label(ctx.world.new_id("label"), name, (color or DEFAULT_COLOR).lower(), description)
    repo.labels[name.lower()] = label
    return label


def labels_for(ctx: Ctx, repo: Repo, values: list[Any]) -> list[Label]:
    """Labels named in an issue body (strings or ``{"name": …}``); missing ones are created, as
    GitHub does for anyone with push access."""
    out: list[Label] = []
    for value in values:
        name = value.get("name") if isinstance(value, dict) else value
        if not isinstance(name, str) or not name.strip():
            raise invalid("Label", "name", name if isinstance(name, str) else None)
        label = repo.labels.get(name.lower()) or new_label(ctx, repo, name, None, None)
        if label not in out:
            out.append(label)
    return out


@route("get", "/repos/{owner}/{repo}/labels")
def list_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    labels = sorted(repo.labels.values(), key=lambda label: label.name.lower())
    return Reply(200, [ctx.objects.label(repo, label) for label in ctx.page(labels)])


@route("post", "/repos/{owner}/{repo}/labels")
def create_label(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    _check_label_fields(fields.get("color"), fields.get("description"))
    label = new_label(ctx, repo, fields["name"], fields.get("color"), fields.get("description"))
    body = ctx.objects.label(repo, label)
    return Reply(201, body, {"Location": body["url"]})


def _label(ctx: Ctx, repo: Repo) -> Label:
    found: Label | None = repo.labels.get(ctx.params["name"].lower())
    if found is None:
        raise not_found()
    return found


@route("get", "/repos/{owner}/{repo}/labels/{name}")
def get_label(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(200, ctx.objects.label(repo, _label(ctx, repo)))


@route("patch", "/repos/{owner}/{repo}/labels/{name}")
def update_label(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    label = _label(ctx, repo)
    _check_label_fields(fields.get("color"), fields.get("description"))
    new_name = fields.get("new_name")
    if new_name is not None and new_name != label.name:
        other = repo.labels.get(new_name.lower())
        if other is not None and other is not label:
            raise already_exists("Label", "name", new_name)
        del repo.labels[label.name.lower()]
        label.name = new_name
        repo.labels[new_name.lower()] = label
    if fields.get("color") is not None:
        label.color = str(fields["color"]).lower()
    if "description" in fields:
        label.description = fields["description"]
    return Reply(200, ctx.objects.label(repo, label))


@route("delete", "/repos/{owner}/{repo}/labels/{name}")
def delete_label(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    label = _label(ctx, repo)
    del repo.labels[label.name.lower()]
    for issue in repo.issues.values():
        if label in issue.labels:
            issue.labels.remove(label)
    return Reply(204)


# ---------------------------------------------------------------------- labels on an issue


def _label_values(body: Any) -> list[Any]:
    """``{"labels": [...]}``, a bare array of names, or ``[{"name": …}]``: all three are valid."""
    if isinstance(body, dict):
        values = body.get("labels", [])
    else:
        values = body if isinstance(body, list) else []
    return list(values)


@route("get", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def list_issue_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    return Reply(200, [ctx.objects.label(repo, label) for label in ctx.page(issue.labels)])


@route("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def add_issue_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    for label in labels_for(ctx, repo, _label_values(ctx.body)):
        if label not in issue.labels:
            issue.labels.append(label)
    issue.updated_at = ctx.now()
    return Reply(200, [ctx.objects.label(repo, label) for label in issue.labels])


@route("put", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def set_issue_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    issue.labels = labels_for(ctx, repo, _label_values(ctx.body))
    issue.updated_at = ctx.now()
    return Reply(200, [ctx.objects.label(repo, label) for label in issue.labels])


@route("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}")
def remove_issue_label(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    wanted = ctx.params["name"].lower()
    kept = [label for label in issue.labels if label.name.lower() != wanted]
    if len(kept) == len(issue.labels):
        raise ApiError(404, "Label does not exist")
    issue.labels = kept
    issue.updated_at = ctx.now()
    return Reply(200, [ctx.objects.label(repo, label) for label in issue.labels])


@route("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def remove_all_issue_labels(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    issue = ctx.issue(repo)
    issue.labels = []
    issue.updated_at = ctx.now()
    return Reply(204)


# ---------------------------------------------------------------------- milestones


def _due_on(value: Any) -> str | None:
    """GitHub keeps the instant; ``2025-03-01T00:00:00Z`` comes back as given."""
    if value is None:
        return None
    text = str(value)
    return text.replace("+00:00", "Z").replace(".000Z", "Z")


@route("get", "/repos/{owner}/{repo}/milestones")
def list_milestones(ctx: Ctx) -> Reply:
    repo, query = ctx.repo(), ctx.query
    state = query.get("state", "open")
    items = [m for m in repo.milestones.values() if state == "all" or m.state == state]
    if query.get("sort", "due_on") == "completeness":

        def done(m: Milestone) -> float:
            issues = [i for i in repo.issues.values() if i.milestone == m.number]
            return sum(i.state == "closed" for i in issues) / len(issues) if issues else 0.0

        items.sort(key=lambda m: (done(m), m.number))
    else:  # GitHub lists milestones without a due date after those with one
        items.sort(key=lambda m: (m.due_on is None, m.due_on or "", m.number))
    if query.get("direction", "asc") == "desc":
        items.reverse()
    return Reply(200, [ctx.objects.milestone(repo, m) for m in ctx.page(items)])


@route("post", "/repos/{owner}/{repo}/milestones")
def create_milestone(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    title = str(fields["title"])
    if any(m.title == title for m in repo.milestones.values()):
        raise already_exists("Milestone", "title", title)
    state = fields.get("state", "open")
    if state not in ("open", "closed"):
        raise invalid("Milestone", "state", state)
    now = ctx.now()
    ms = Milestone(
        id=ctx.world.new_id("milestone"),
        number=repo.next_milestone,
        title=title,
        description=fields.get("description"),
        state=state,
        due_on=_due_on(fields.get("due_on")),
        creator=ctx.login,
        created_at=now,
        updated_at=now,
        closed_at=now if state == "closed" else None,
    )
    repo.next_milestone += 1
    repo.milestones[ms.number] = ms
    body = ctx.objects.milestone(repo, ms)
    return Reply(201, body, {"Location": body["url"]})


def _milestone(ctx: Ctx, repo: Repo) -> Milestone:
    found: Milestone | None = repo.milestones.get(int(ctx.params["milestone_number"]))
    if found is None:
        raise not_found()
    return found


@route("get", "/repos/{owner}/{repo}/milestones/{milestone_number}")
def get_milestone(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(200, ctx.objects.milestone(repo, _milestone(ctx, repo)))


@route("patch", "/repos/{owner}/{repo}/milestones/{milestone_number}")
def update_milestone(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    ms = _milestone(ctx, repo)
    if "title" in fields:
        title = str(fields["title"])
        if any(m.title == title and m is not ms for m in repo.milestones.values()):
            raise already_exists("Milestone", "title", title)
        ms.title = title
    if "description" in fields:
        ms.description = fields["description"]
    if "due_on" in fields:
        ms.due_on = _due_on(fields["due_on"])
    if "state" in fields:
        if fields["state"] not in ("open", "closed"):
            raise validation_failed({"resource": "Milestone", "field": "state", "code": "invalid"})
        if fields["state"] != ms.state:
            ms.state = fields["state"]
            ms.closed_at = ctx.now() if ms.state == "closed" else None
    ms.updated_at = ctx.now()
    return Reply(200, ctx.objects.milestone(repo, ms))


@route("delete", "/repos/{owner}/{repo}/milestones/{milestone_number}")
def delete_milestone(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    ms = _milestone(ctx, repo)
    del repo.milestones[ms.number]
    for issue in repo.issues.values():
        if issue.milestone == ms.number:
            issue.milestone = None
    return Reply(204)
