"""What the GitHub forge would send, worked out without sending anything (`--dry-run`).

Pure functions of the task files: the requests materializing them into an empty repository
takes, and the requests a swarm pass takes per stage. Against a repository that already holds
some of it, the real run sends fewer (it creates only what is missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from swarm import issue_specs
from swarm.task import TaskFile

REPO = "/repos/{owner}/{repo}"


@dataclass(frozen=True)
class Request:
    method: str  # an HTTP method, or GIT for a smart-HTTP exchange
    path: str
    count: int
    why: str

    def as_dict(self) -> dict[str, object]:
        return {"method": self.method, "path": self.path, "count": self.count, "why": self.why}


def materialize(tasks: Sequence[TaskFile], owner_is_user: bool | None = None) -> list[Request]:
    """`owner_is_user` None: not known without asking GitHub, so both creation paths show."""
    phases = list(dict.fromkeys(t.phase.code for t in tasks))
    labels = issue_specs.labels(phases)
    milestones = issue_specs.milestones(tasks)
    parents = issue_specs.subtask_issues(tasks, {})
    closed = sum(1 for t in tasks if issue_specs.task_issue(t).state == "closed")
    closed += sum(1 for p in parents if p.state == "closed")
    create = "/user/repos or /orgs/{org}/repos"
    if owner_is_user is not None:
        create = "/user/repos" if owner_is_user else "/orgs/{org}/repos"
    out = [
        Request("GET", REPO, 1, "does the repository exist"),
        Request("GET", "/user", 1, "whose token this is (user or organization repository)"),
        Request("POST", create, 1, "create the repository (private)"),
        Request("GIT", "push refs/heads/main", 1, "the materialized history, one push"),
        Request("GET", REPO + "/labels", 1, "labels already there"),
        Request("POST", REPO + "/labels", len(labels), "state, role, phase and kind labels"),
        Request("GET", REPO + "/milestones", 1, "milestones already there"),
        Request("POST", REPO + "/milestones", len(milestones), "one milestone per phase"),
        Request("GET", REPO + "/issues", 1, "issues already there (keyed by a hidden marker)"),
        Request("POST", REPO + "/issues", len(tasks), "one issue per task"),
        Request("POST", REPO + "/issues", len(parents), "one parent issue per subtask"),
        Request("PATCH", REPO + "/issues/{issue_number}", closed, "issues of finished tasks"),
    ]
    return [r for r in out if r.count]


def per_stage() -> list[Request]:
    """A stage that merges: the branch and claim travel by git, the rest by the REST API."""
    return [
        Request("GIT", "push refs/swarm/claims/<task>/<stage>", 2, "claim, then release"),
        Request("GIT", "push refs/heads/swarm/<task>/<stage>", 1, "the stage's commit"),
        Request("POST", REPO + "/pulls", 1, "open the pull request"),
        Request("POST", REPO + "/check-runs", 1, "the gates' verdict on its head"),
        Request("PUT", REPO + "/pulls/{pull_number}/merge", 1, "merge when the gates pass"),
        Request("GIT", "fetch refs/heads/main", 1, "main after the merge"),
        Request("PATCH", REPO + "/issues/{issue_number}", 1, "the task's issue shows its state"),
    ]


def api_calls(requests: Sequence[Request]) -> int:
    return sum(r.count for r in requests if r.method != "GIT")
