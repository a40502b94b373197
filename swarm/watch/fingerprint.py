"""Fingerprints of a repository: what could let agents move it on, and what only people change.

`everything` digests main's files (less the README, whose status table the integrator refreshes
after passes), the other refs, each claim's holder, token and whether it is released, and the
open pull requests with their reviews. Lease renewals (heartbeats) change a claim ref but keep
its holder and token and are left out: a pass that moves nothing renews the claims of the pull
requests waiting for approval, and must not look like a change.

What agents never do is kept as sets, to be compared by `people_acted`: the approvals of the
open pull requests and the claims released by a person. People's merges on main (`Swarm-Stage:
human`) are found by walking main from one fingerprint to the next, since agents move main too.

A forge people use elsewhere (GitHub, see `Polled`) is read fresh, and there the commands
people comment (`/done`, `/approve`, `/handback`, see comment_commands) count too: the swarm
carries them out only when a run starts, so a new one must start a run. Only the most recently
updated comments are read (one request); a command older than those has been seen before.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from swarm import claims, trailers
from swarm.comment_commands import parse as parse_command
from swarm.forge.base import Forge, Polled, PullRequest
from swarm.gitstore import MAIN, GitStore
from swarm.pulls import HUMAN_STAGE
from swarm.settings import SETTINGS_PATH, from_bytes

README = "README.md"
_MAIN_REF = "refs/heads/main"
_MAX_WALK = 100_000  # commits; beyond that (main rewritten?) people are assumed to have acted


Record = tuple[object, ...]


@dataclass(frozen=True)
class Fingerprint:
    main: str  # main's commit
    everything: str
    reviews: frozenset[Record]  # (pr, reviewer, state, commit) of the open pull requests
    released: frozenset[Record]  # (task, stage, person, token) of claims people ended
    commented: frozenset[Record] = frozenset()  # (comment, person, updated) of recent commands


class _Digest:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, *parts: object) -> None:
        self._hash.update(json.dumps(parts).encode() + b"\n")

    def hex(self) -> str:
        return self._hash.hexdigest()


def fingerprint(git: GitStore, forge: Forge) -> Fingerprint:
    everything = _Digest()
    reviews: set[Record] = set()
    released: set[Record] = set()
    main = git.resolve(MAIN) or ""
    for path, blob in sorted(git.files(MAIN).items()):
        if path != README:
            everything.add("main", path, blob)
    for ref, target in sorted(git.refs("refs/").items()):
        if ref != _MAIN_REF and not ref.startswith(claims.PREFIX):
            everything.add("ref", ref, target)
    humans = set(_humans(git))
    for claim in claims.list_claims(git):
        everything.add("claim", claim.task, claim.stage, claim.agent, claim.token, claim.held)
        if not claim.held and claim.agent in humans:
            released.add((claim.task, claim.stage, claim.agent, claim.token))
    for pr in sorted(_open_pulls(forge), key=lambda p: p.number):
        everything.add("pr", pr.number, pr.head_sha)
        for review in forge.list_reviews(pr.number):
            record = (pr.number, review.reviewer, review.state, review.commit_sha)
            everything.add("review", *record)
            reviews.add(record)
    commented = _commands(forge, humans)
    for command in sorted(commented, key=repr):
        everything.add("command", *command)
    return Fingerprint(
        main, everything.hex(), frozenset(reviews), frozenset(released), frozenset(commented)
    )


def _open_pulls(forge: Forge) -> list[PullRequest]:
    if isinstance(forge, Polled):
        return forge.open_pull_requests_now()
    return forge.list_pull_requests("open")


def _commands(forge: Forge, humans: set[str]) -> set[Record]:
    """The recent comments of listed people that are commands; other comments (the swarm's
    replies among them) cannot move anything."""
    if not isinstance(forge, Polled):
        return set()  # the local forge: people use `swarm human` and `swarm approve`
    return {
        (c.id, c.author, c.updated_at)
        for c in forge.recent_comments()
        if c.author in humans and parse_command(c.body) is not None
    }


def people_acted(git: GitStore, before: Fingerprint, after: Fingerprint) -> bool:
    """Whether a person reviewed, released a claim, commented a command or had a change merged
    on main between two fingerprints (the later one's main descends from the earlier one's).
    Reviews that went away with their merged pull request are no action, nor commands that
    left the recent comments."""
    if after.reviews - before.reviews or after.released - before.released:
        return True
    if after.commented - before.commented:
        return True
    commit, walked = after.main, 0
    while commit and commit != before.main:
        info = git.commit_info(commit)
        if trailers.parse(info.message).get("Swarm-Stage") == HUMAN_STAGE:
            return True
        walked += 1
        if walked > _MAX_WALK:
            return True
        commit = info.parents[0] if info.parents else ""
    return commit != before.main  # before.main not on the way: assume the worst


def _humans(git: GitStore) -> tuple[str, ...]:
    data = git.read(MAIN, SETTINGS_PATH)
    return from_bytes(data).humans if data else ()
