"""Git references through the REST API (``/git/ref``, ``/git/refs``, ``/git/matching-refs``)."""

from __future__ import annotations

import pygit2

from ghcontract import gitops
from ghcontract.context import Ctx, Reply, route
from ghcontract.errors import ApiError, not_found


def _full(ctx: Ctx) -> str:
    return f"refs/{ctx.params['ref']}"


@route("get", "/repos/{owner}/{repo}/git/ref/{ref}")
def get_ref(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    name = _full(ctx)
    sha = gitops.ref_sha(gitops.open_repo(repo.path), name)
    if sha is None:
        raise not_found()
    return Reply(200, ctx.objects.git_ref(repo, name, sha))


@route("get", "/repos/{owner}/{repo}/git/matching-refs/{ref}")
def matching_refs(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    refs = gitops.list_refs(gitops.open_repo(repo.path), _full(ctx))
    return Reply(200, [ctx.objects.git_ref(repo, name, sha) for name, sha in refs])


@route("post", "/repos/{owner}/{repo}/git/refs")
def create_ref(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    name, sha = str(fields["ref"]), str(fields["sha"])
    if not name.startswith("refs/") or name.count("/") < 2:
        raise ApiError(422, "Reference name must start with 'refs/' and have at least two slashes.")
    if not pygit2.reference_is_valid_name(name):
        raise ApiError(422, f"{name} is not a valid ref name.")
    git = gitops.open_repo(repo.path)
    if not gitops.commit_exists(git, sha):
        raise ApiError(422, "Object does not exist")
    try:
        gitops.update_ref(repo.path, name, sha, gitops.ZERO)
    except gitops.RefUpdateRejected:
        raise ApiError(422, "Reference already exists") from None
    body = ctx.objects.git_ref(repo, name, sha)
    return Reply(201, body, {"Location": body["url"]})


@route("patch", "/repos/{owner}/{repo}/git/refs/{ref}")
def update_ref(ctx: Ctx) -> Reply:
    repo, fields = ctx.repo(), ctx.fields()
    name, sha = _full(ctx), str(fields["sha"])
    git = gitops.open_repo(repo.path)
    old = gitops.ref_sha(git, name)
    if old is None:
        raise ApiError(422, "Reference does not exist")
    if not gitops.commit_exists(git, sha):
        raise ApiError(422, "Object does not exist")
    if not fields.get("force", False) and not gitops.is_ancestor(git, old, sha):
        raise ApiError(422, "Update is not a fast forward")
    try:
        gitops.update_ref(repo.path, name, sha, old)
    except gitops.RefUpdateRejected:  # moved by a push between our read and our write
        raise ApiError(422, "Update is not a fast forward") from None
    return Reply(200, ctx.objects.git_ref(repo, name, sha))


@route("delete", "/repos/{owner}/{repo}/git/refs/{ref}")
def delete_ref(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    name = _full(ctx)
    if name == f"refs/heads/{repo.default_branch}":
        raise ApiError(422, "Cannot delete the default branch")
    old = gitops.ref_sha(gitops.open_repo(repo.path), name)
    if old is None:
        raise ApiError(422, "Reference does not exist")
    try:
        gitops.update_ref(repo.path, name, gitops.ZERO, old)
    except gitops.RefUpdateRejected:
        raise ApiError(422, "Reference does not exist") from None
    return Reply(204)
