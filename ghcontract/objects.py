"""GitHub's JSON objects for the server's state: a schema-valid default overlaid with the truth.

Every URL points at the server itself: REST URLs at ``api_url`` (PyGithub follows them), web
URLs (``html_url``) at the same host, clone URLs at the git smart-HTTP prefix.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pygit2

from ghcontract.fill import Filler
from ghcontract.state import (
    CheckRun,
    Comment,
    CommitStatus,
    Issue,
    Label,
    Milestone,
    Pull,
    Repo,
    Review,
    World,
)


def iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def iso_required(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


class Objects:
    def __init__(self, filler: Filler, world: World, base_url: str) -> None:
        self.fill = filler
        self.world = world
        self.base = base_url.rstrip("/")
        host = self.base.split("://", 1)[1]
        self.host = host.split(":", 1)[0]
        self.port = host.split(":", 1)[1] if ":" in host else "80"
        self._users: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ URLs

    def repo_api(self, repo: Repo) -> str:
        return f"{self.base}/repos/{repo.full_name}"

    def repo_web(self, repo: Repo) -> str:
        return f"{self.base}/{repo.full_name}"

    def clone_url(self, owner: str, name: str) -> str:
        return f"{self.base}/git/{owner}/{name}.git"

    # ------------------------------------------------------------------ users

    def user(self, login: str) -> dict[str, Any]:
        """A ``simple-user`` (all its values are scalars, so a shallow copy is a copy)."""
        cached = self._users.get(login)
        if cached is None:
            cached = self._users[login] = self._build_user(login)
        return dict(cached)

    def _build_user(self, login: str) -> dict[str, Any]:
        account = self.world.account(login)
        out: dict[str, Any] = self.fill.component("simple-user")
        api = f"{self.base}/users/{account.login}"
        out.update(
            login=account.login,
            id=account.id,
            node_id=f"U_{account.id}",
            avatar_url=f"{self.base}/avatars/{account.login}",
            gravatar_id="",
            url=api,
            html_url=f"{self.base}/{account.login}",
            followers_url=f"{api}/followers",
            following_url=f"{api}/following{{/other_user}}",
            gists_url=f"{api}/gists{{/gist_id}}",
            starred_url=f"{api}/starred{{/owner}}{{/repo}}",
            subscriptions_url=f"{api}/subscriptions",
            organizations_url=f"{api}/orgs",
            repos_url=f"{api}/repos",
            events_url=f"{api}/events{{/privacy}}",
            received_events_url=f"{api}/received_events",
            type=account.kind,
            site_admin=False,
            user_view_type="public",
        )
        return out

    def private_user(self, login: str) -> dict[str, Any]:
        out: dict[str, Any] = self.fill.component("private-user")
        out.update(self.user(login))
        owned = [r for r in self.world.repos.values() if r.owner.login == login]
        out.update(
            name=login,
            created_at=iso_required(0),
            updated_at=iso_required(0),
            public_repos=sum(1 for r in owned if not r.private),
            owned_private_repos=sum(1 for r in owned if r.private),
            total_private_repos=sum(1 for r in owned if r.private),
            user_view_type="private",
        )
        return out

    def public_user(self, login: str) -> dict[str, Any]:
        out: dict[str, Any] = self.fill.component("public-user")
        out.update(self.user(login))
        out.update(name=login, created_at=iso_required(0), updated_at=iso_required(0))
        return out

    def organization(self, login: str) -> dict[str, Any]:
        account = self.world.account(login, "Organization")
        out: dict[str, Any] = self.fill.component("organization-full")
        api = f"{self.base}/orgs/{account.login}"
        for key, value in list(out.items()):
            if key.endswith("_url") and value == f"{self.base}/":
                out[key] = f"{api}/{key[:-4]}"
        owned = [r for r in self.world.repos.values() if r.owner.login == account.login]
        out.update(
            login=account.login,
            id=account.id,
            node_id=f"O_{account.id}",
            url=api,
            html_url=f"{self.base}/{account.login}",
            avatar_url=f"{self.base}/avatars/{account.login}",
            type="Organization",
            public_repos=sum(1 for r in owned if not r.private),
            created_at=iso_required(0),
            updated_at=iso_required(0),
        )
        return out

    def author_association(self, repo: Repo, login: str) -> str:
        return "OWNER" if login.lower() == repo.owner.login.lower() else "COLLABORATOR"

    # ------------------------------------------------------------------ repositories

    def repository(self, repo: Repo, component: str = "full-repository") -> dict[str, Any]:
        out: dict[str, Any] = self.fill.component(component)
        api, web = self.repo_api(repo), self.repo_web(repo)
        for key, value in list(out.items()):
            if key.endswith("_url") and value == f"{self.base}/":
                out[key] = f"{api}/{key[:-4]}"
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        out.update(
            id=repo.id,
            node_id=f"R_{repo.id}",
            name=repo.name,
            full_name=repo.full_name,
            owner=self.user(repo.owner.login),
            private=repo.private,
            html_url=web,
            description=repo.description,
            fork=False,
            url=api,
            issues_url=f"{api}/issues{{/number}}",
            pulls_url=f"{api}/pulls{{/number}}",
            labels_url=f"{api}/labels{{/name}}",
            milestones_url=f"{api}/milestones{{/number}}",
            comments_url=f"{api}/comments{{/number}}",
            issue_comment_url=f"{api}/issues/comments{{/number}}",
            git_refs_url=f"{api}/git/refs{{/sha}}",
            statuses_url=f"{api}/statuses/{{sha}}",
            commits_url=f"{api}/commits{{/sha}}",
            branches_url=f"{api}/branches{{/branch}}",
            merges_url=f"{api}/merges",
            hooks_url=f"{api}/hooks",
        )
        if component != "minimal-repository":
            out.update(
                clone_url=self.clone_url(repo.owner.login, repo.name),
                git_url=f"git://{self.host}:{self.port}/{repo.full_name}.git",
                ssh_url=f"git@{self.host}:{repo.full_name}.git",
                svn_url=web,
                mirror_url=None,
                homepage=None,
                language=None,
                license=None,
                default_branch=repo.default_branch,
                visibility="private" if repo.private else "public",
                has_issues=repo.has_issues,
                open_issues=open_issues,
                open_issues_count=open_issues,
                created_at=iso(repo.created_at),
                updated_at=iso(repo.updated_at),
                pushed_at=iso(repo.updated_at),
                permissions={
                    "admin": True,
                    "maintain": True,
                    "push": True,
                    "triage": True,
                    "pull": True,
                },
                allow_merge_commit=True,
                allow_squash_merge=True,
                allow_rebase_merge=False,
            )
        return out

    # ------------------------------------------------------------------ labels, milestones

    def label(self, repo: Repo, label: Label) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": f"LA_{label.id}",
            "url": f"{self.repo_api(repo)}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "description": label.description,
            "color": label.color,
            "default": label.default,
        }

    def milestone(self, repo: Repo, ms: Milestone) -> dict[str, Any]:
        api = f"{self.repo_api(repo)}/milestones/{ms.number}"
        issues = [i for i in repo.issues.values() if i.milestone == ms.number]
        return {
            "url": api,
            "html_url": f"{self.repo_web(repo)}/milestone/{ms.number}",
            "labels_url": f"{api}/labels",
            "id": ms.id,
            "node_id": f"MI_{ms.id}",
            "number": ms.number,
            "state": ms.state,
            "title": ms.title,
            "description": ms.description,
            "creator": self.user(ms.creator),
            "open_issues": sum(1 for i in issues if i.state == "open"),
            "closed_issues": sum(1 for i in issues if i.state == "closed"),
            "created_at": iso(ms.created_at),
            "updated_at": iso(ms.updated_at),
            "closed_at": iso(ms.closed_at),
            "due_on": ms.due_on,
        }

    # ------------------------------------------------------------------ issues

    def issue(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        api = f"{self.repo_api(repo)}/issues/{issue.number}"
        kind = "pull" if issue.is_pull else "issues"
        web = f"{self.repo_web(repo)}/{kind}/{issue.number}"
        milestone = repo.milestones.get(issue.milestone) if issue.milestone else None
        children = [repo.issues[n] for n in issue.sub_issues if n in repo.issues]
        done = sum(1 for c in children if c.state == "closed")
        out: dict[str, Any] = {
            "id": issue.id,
            "node_id": f"I_{issue.id}",
            "url": api,
            "repository_url": self.repo_api(repo),
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "timeline_url": f"{api}/timeline",
            "html_url": web,
            "number": issue.number,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(issue.user),
            "labels": [self.label(repo, label) for label in issue.labels],
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(login) for login in issue.assignees],
            "milestone": self.milestone(repo, milestone) if milestone else None,
            "locked": issue.locked,
            "active_lock_reason": None,
            "comments": len(issue.comments),
            "closed_at": iso(issue.closed_at),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_by": self.user(issue.closed_by) if issue.closed_by else None,
            "author_association": self.author_association(repo, issue.user),
            "sub_issues_summary": {
                "total": len(children),
                "completed": done,
                "percent_completed": (100 * done // len(children)) if children else 0,
            },
        }
        if issue.parent is not None:
            out["parent_issue_url"] = f"{self.repo_api(repo)}/issues/{issue.parent}"
        if issue.is_pull:
            pull = repo.pulls[issue.number]
            pull_api = f"{self.repo_api(repo)}/pulls/{issue.number}"
            out["draft"] = pull.draft
            out["pull_request"] = {
                "url": pull_api,
                "html_url": web,
                "diff_url": f"{web}.diff",
                "patch_url": f"{web}.patch",
                "merged_at": iso(pull.merged_at),
            }
        return out

    def comment(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        kind = "pull" if repo.issues[comment.issue_number].is_pull else "issues"
        return {
            "id": comment.id,
            "node_id": f"IC_{comment.id}",
            "url": f"{self.repo_api(repo)}/issues/comments/{comment.id}",
            "html_url": (
                f"{self.repo_web(repo)}/{kind}/{comment.issue_number}#issuecomment-{comment.id}"
            ),
            "issue_url": f"{self.repo_api(repo)}/issues/{comment.issue_number}",
            "body": comment.body,
            "user": self.user(comment.user),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "author_association": self.author_association(repo, comment.user),
        }

    # ------------------------------------------------------------------ pull requests

    def _branch(self, repo: Repo, ref: str, sha: str, owner: str) -> dict[str, Any]:
        return {
            "label": f"{owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(owner),
            "repo": self.repository(repo, "repository"),
        }

    def pull(
        self, repo: Repo, pull: Pull, *, full: bool, extra: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``pull-request`` (``full``) or ``pull-request-simple``; ``extra`` adds the computed
        fields only a single pull request has (mergeable, commits, additions, …)."""
        issue = repo.issues[pull.number]
        api = f"{self.repo_api(repo)}/pulls/{pull.number}"
        issue_api = f"{self.repo_api(repo)}/issues/{pull.number}"
        web = f"{self.repo_web(repo)}/pull/{pull.number}"
        milestone = repo.milestones.get(issue.milestone) if issue.milestone else None
        links = {
            "self": api,
            "html": web,
            "issue": issue_api,
            "comments": f"{issue_api}/comments",
            "review_comments": f"{api}/comments",
            "review_comment": f"{self.repo_api(repo)}/pulls/comments{{/number}}",
            "commits": f"{api}/commits",
            "statuses": f"{self.repo_api(repo)}/statuses/{pull.head_sha}",
        }
        out: dict[str, Any] = {
            "url": api,
            "id": pull.id,
            "node_id": f"PR_{pull.id}",
            "html_url": web,
            "diff_url": f"{web}.diff",
            "patch_url": f"{web}.patch",
            "issue_url": issue_api,
            "commits_url": f"{api}/commits",
            "review_comments_url": f"{api}/comments",
            "review_comment_url": f"{self.repo_api(repo)}/pulls/comments{{/number}}",
            "comments_url": f"{issue_api}/comments",
            "statuses_url": f"{self.repo_api(repo)}/statuses/{pull.head_sha}",
            "number": pull.number,
            "state": issue.state,
            "locked": issue.locked,
            "title": issue.title,
            "user": self.user(issue.user),
            "body": issue.body,
            "labels": [self.label(repo, label) for label in issue.labels],
            "milestone": self.milestone(repo, milestone) if milestone else None,
            "active_lock_reason": None,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "merged_at": iso(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(login) for login in issue.assignees],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._branch(repo, pull.head_ref, pull.head_sha, pull.head_owner),
            "base": self._branch(repo, pull.base_ref, pull.base_sha, repo.owner.login),
            "_links": {name: {"href": href} for name, href in links.items()},
            "author_association": self.author_association(repo, issue.user),
            "auto_merge": None,
            "draft": pull.draft,
        }
        if full:
            out.update(
                merged=pull.merged,
                mergeable=None,
                rebaseable=None,
                mergeable_state="unknown",
                merged_by=self.user(pull.merged_by) if pull.merged_by else None,
                comments=len(issue.comments),
                review_comments=0,
                maintainer_can_modify=pull.maintainer_can_modify,
                commits=0,
                additions=0,
                deletions=0,
                changed_files=0,
            )
            out.update(extra or {})
        return out

    def review(self, repo: Repo, pull: Pull, review: Review) -> dict[str, Any]:
        web = f"{self.repo_web(repo)}/pull/{pull.number}#pullrequestreview-{review.id}"
        pull_api = f"{self.repo_api(repo)}/pulls/{pull.number}"
        out: dict[str, Any] = {
            "id": review.id,
            "node_id": f"PRR_{review.id}",
            "user": self.user(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": web,
            "pull_request_url": pull_api,
            "_links": {"html": {"href": web}, "pull_request": {"href": pull_api}},
            "commit_id": review.commit_id,
            "author_association": self.author_association(repo, review.user),
        }
        if review.submitted_at is not None:
            out["submitted_at"] = iso(review.submitted_at)
        return out

    # ------------------------------------------------------------------ commits

    def _git_actor(self, signature: pygit2.Signature) -> dict[str, Any]:
        """A commit's author/committer as a GitHub user when the email or name is one's
        (``login@users.noreply.github.com``), else ``{}`` as GitHub gives for unknown emails."""
        login = (
            signature.email.split("@", 1)[0]
            if signature.email.endswith("@users.noreply.github.com")
            else signature.name
        )
        account = self.world.find_account(login)
        return self.user(account.login) if account is not None else {}

    def commit(self, repo: Repo, git: pygit2.Repository, sha: str) -> dict[str, Any]:
        commit: Any = git.get(sha)
        api = f"{self.repo_api(repo)}/commits/{sha}"
        parent = commit.parents[0].tree if commit.parents else None
        diff = (
            git.diff(parent, commit.tree)
            if parent is not None
            else commit.tree.diff_to_tree(swap=True)
        )
        files = []
        for patch in diff:
            assert patch is not None
            delta = patch.delta
            _, additions, deletions = patch.line_stats
            status = {"A": "added", "D": "deleted", "M": "modified", "R": "renamed"}.get(
                delta.status_char(), "changed"
            )
            status = "removed" if status == "deleted" else status
            path = delta.new_file.path
            files.append(
                {
                    "sha": str(delta.new_file.id) if status != "removed" else None,
                    "filename": path,
                    "status": status,
                    "additions": additions,
                    "deletions": deletions,
                    "changes": additions + deletions,
                    "blob_url": f"{self.repo_web(repo)}/blob/{sha}/{quote(path)}",
                    "raw_url": f"{self.repo_web(repo)}/raw/{sha}/{quote(path)}",
                    "contents_url": f"{self.repo_api(repo)}/contents/{quote(path)}?ref={sha}",
                }
            )
        stats = diff.stats

        def git_user(signature: pygit2.Signature) -> dict[str, Any]:
            return {"name": signature.name, "email": signature.email, "date": iso(signature.time)}

        return {
            "url": api,
            "sha": sha,
            "node_id": f"C_{sha}",
            "html_url": f"{self.repo_web(repo)}/commit/{sha}",
            "comments_url": f"{api}/comments",
            "commit": {
                "url": f"{self.repo_api(repo)}/git/commits/{sha}",
                "author": git_user(commit.author),
                "committer": git_user(commit.committer),
                "message": commit.message.rstrip("\n"),
                "comment_count": 0,
                "tree": {
                    "sha": str(commit.tree_id),
                    "url": f"{self.repo_api(repo)}/git/trees/{commit.tree_id}",
                },
            },
            "author": self._git_actor(commit.author),
            "committer": self._git_actor(commit.committer),
            "parents": [
                {
                    "sha": str(p),
                    "url": f"{self.repo_api(repo)}/commits/{p}",
                    "html_url": f"{self.repo_web(repo)}/commit/{p}",
                }
                for p in commit.parent_ids
            ],
            "stats": {
                "additions": stats.insertions,
                "deletions": stats.deletions,
                "total": stats.insertions + stats.deletions,
            },
            "files": files,
        }

    # ------------------------------------------------------------------ checks, statuses, refs

    def check_run(self, repo: Repo, run: CheckRun) -> dict[str, Any]:
        api = f"{self.repo_api(repo)}/check-runs/{run.id}"
        minimal_repo = {"id": repo.id, "url": self.repo_api(repo), "name": repo.name}
        pulls = [
            {
                "id": p.id,
                "number": p.number,
                "url": f"{self.repo_api(repo)}/pulls/{p.number}",
                "head": {"ref": p.head_ref, "sha": p.head_sha, "repo": minimal_repo},
                "base": {"ref": p.base_ref, "sha": p.base_sha, "repo": minimal_repo},
            }
            for p in repo.pulls.values()
            if p.head_sha == run.head_sha and repo.issues[p.number].state == "open"
        ]
        return {
            "id": run.id,
            "head_sha": run.head_sha,
            "node_id": f"CR_{run.id}",
            "external_id": run.external_id or "",
            "url": api,
            "html_url": f"{self.repo_web(repo)}/runs/{run.id}",
            "details_url": run.details_url or f"{self.repo_web(repo)}/runs/{run.id}",
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": iso(run.started_at),
            "completed_at": iso(run.completed_at),
            "output": {
                "title": run.output.get("title"),
                "summary": run.output.get("summary"),
                "text": run.output.get("text"),
                "annotations_count": len(run.output.get("annotations", [])),
                "annotations_url": f"{api}/annotations",
            },
            "name": run.name,
            "check_suite": {"id": run.suite_id},
            "app": None,
            "pull_requests": pulls,
        }

    def status(self, repo: Repo, status: CommitStatus, *, with_creator: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "url": f"{self.repo_api(repo)}/statuses/{status.sha}",
            "avatar_url": f"{self.base}/avatars/{status.creator}",
            "id": status.id,
            "node_id": f"SC_{status.id}",
            "state": status.state,
            "description": status.description,
            "target_url": status.target_url,
            "context": status.context,
            "created_at": iso(status.created_at),
            "updated_at": iso(status.updated_at),
        }
        if with_creator:
            out["creator"] = self.user(status.creator)
        return out

    def git_ref(self, repo: Repo, name: str, sha: str) -> dict[str, Any]:
        return {
            "ref": name,
            "node_id": f"REF_{repo.id}_{quote(name, safe='')}",
            "url": f"{self.repo_api(repo)}/git/{name}",
            "object": {
                "type": "commit",
                "sha": sha,
                "url": f"{self.repo_api(repo)}/git/commits/{sha}",
            },
        }

    def rate_limit(self, limit: int, remaining: int, reset: int, used: int) -> dict[str, Any]:
        out: dict[str, Any] = self.fill.component("rate-limit-overview")
        core = {"limit": limit, "remaining": remaining, "reset": reset, "used": used}
        idle = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
        out["rate"] = core
        out["resources"] = {"core": core, "search": idle, "graphql": dict(core, used=0)}
        return out
