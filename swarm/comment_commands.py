"""People's commands in issue comments: `/done <evidence>`, `/handback`, `/approve`.

People live in the forge's issues, so a listed person (swarm.yaml `humans`) may move a task by
commenting on its issue instead of running `swarm human`; the swarm turns each command into
the same pull request through the same gates. A command is answered by a reply that carries a
marker naming it, which is how a re-run knows it was handled. Only replies the swarm itself
wrote are trusted (on GitHub, comments by the token's user; see GitHubForge.list_comments).

`/approve` approves the task's open pull request at its current head. The approval is the
swarm's reply, which names the person and the head, and the integrator reads it back beside
the pull request's reviews (see approvals_from_comments): on GitHub a review is always by the
token's user, so a person's comment cannot become their review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from swarm.comment_approvals import AUTHOR
from swarm.errors import SwarmError
from swarm.forge import markers
from swarm.forge.base import Comment, PullRequest
from swarm.human import act
from swarm.repo import Repo
from swarm.states import State

Verb = Literal["done", "handback", "approve"]
_VERBS: tuple[Verb, ...] = ("done", "handback", "approve")


@dataclass(frozen=True)
class Command:
    verb: Verb
    text: str  # the evidence of /done


@dataclass(frozen=True)
class Handled:
    task: str
    comment: int
    who: str
    verb: Verb
    outcome: str  # what the reply said

    def as_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def parse(body: str) -> Command | None:
    """The command a comment starts with, or None. Text after the verb is /done's evidence."""
    lines = body.strip().splitlines()
    if not lines or not lines[0].startswith("/"):
        return None
    word, _, rest = lines[0][1:].partition(" ")
    verb = next((v for v in _VERBS if v == word.strip().lower()), None)
    if verb is None:
        return None
    text = "\n".join([rest, *lines[1:]]).strip()
    return Command(verb, text)


def process(repo: Repo, now: float) -> list[Handled]:
    """Carry out every unanswered command on the issues of tasks a person can move now."""
    humans = set(repo.settings().humans)
    pulls = {pr.task_key: pr for pr in repo.forge.list_pull_requests("open") if pr.task_key}
    out = []
    for task in repo.tasks():
        if task.state is not State.NEEDS_HUMAN and task.id not in pulls:
            continue
        issue = repo.forge.issue_by_key(task.id)
        if issue is None:
            continue
        comments = repo.forge.list_comments(issue.number)
        answered = _answered(comments)
        for c in comments:
            cmd = parse(c.body) if c.author in humans and c.id not in answered else None
            if cmd is not None:
                outcome = _carry_out(repo, task.id, c.author, cmd, pulls.get(task.id), now)
                reply = markers.mark(outcome.text, handled=str(c.id), **outcome.fields)
                repo.forge.add_comment(issue.number, AUTHOR, reply)
                out.append(Handled(task.id, c.id, c.author, cmd.verb, outcome.text))
    return out


@dataclass(frozen=True)
class _Outcome:
    text: str
    fields: dict[str, str]


def _carry_out(
    repo: Repo, task: str, who: str, cmd: Command, pr: PullRequest | None, now: float
) -> _Outcome:
    try:
        if cmd.verb == "approve":
            return _approve(repo, who, pr)
        done = act(repo, task, who, cmd.verb, now, evidence=cmd.text or None)
        return _Outcome(f"@{who}: `/{cmd.verb}` merged as #{done.pr.number}.", {})
    except SwarmError as exc:
        return _Outcome(f"@{who}: `/{cmd.verb}` was not carried out: {exc.message}", {})


def _approve(repo: Repo, who: str, pr: PullRequest | None) -> _Outcome:
    if pr is None:
        return _Outcome(f"@{who}: `/approve`: this task has no open pull request to approve.", {})
    fields = {"approve": pr.head_sha, "by": who, "pr": str(pr.number)}
    return _Outcome(f"@{who} approved #{pr.number} at {pr.head_sha[:12]}.", fields)


def _answered(comments: Iterable[Comment]) -> set[int]:
    out = set()
    for c in comments:
        handled = markers.read(c.body)[1].get("handled") if c.author == AUTHOR else None
        if handled and handled.isdigit():
            out.add(int(handled))
    return out
