"""Fingerprints of a repository: what could let agents move it on, and what only people change.

`everything` digests main's files (less the README, whose status table the integrator refreshes
after passes), the other refs, each claim's holder, token and whether it is released, and the
open pull requests with their reviews. Lease renewals (heartbeats) change a claim ref but keep
its holder and token and are left out: a pass that moves nothing renews the claims of the pull
requests waiting for approval, and must not look like a change.

What agents never do is kept as sets, to be compared by `people_acted`: the approvals of the
open pull requests and the claims released by a person. People's merges on main (`Swarm-Stage:
human`) are found by walking main from one fingerprint to the next, since agents move main too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from swarm import claims, trailers
from swarm.forge.base import Forge
from swarm.gitstore import MAIN, GitStore
from swarm.pulls import HUMAN_STAGE
from swarm.settings import SETTINGS_PATH, from_yaml

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
    for pr in sorted(forge.list_pull_requests("open"), key=lambda p: p.number):
        everything.add("pr", pr.number, pr.head_sha)
        for review in forge.list_reviews(pr.number):
            record = (pr.number, review.reviewer, review.state, review.commit_sha)
            everything.add("review", *record)
            reviews.add(record)
    return Fingerprint(main, everything.hex(), frozenset(reviews), frozenset(released))


def people_acted(git: GitStore, before: Fingerprint, after: Fingerprint) -> bool:
    """Whether a person reviewed, released a claim or had a change merged on main between two
    fingerprints (the later one's main descends from the earlier one's). Reviews that went
    away with their merged pull request are no action."""
    if after.reviews - before.reviews or after.released - before.released:
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
    return from_yaml(data.decode("utf-8")).humans if data else ()
