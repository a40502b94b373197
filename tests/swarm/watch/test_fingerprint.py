"""Fingerprints: `everything` is the same after a pass that moved nothing and changes with
anything that could move the plan on; `people_acted` tells people's changes from the agents'."""

from __future__ import annotations

from pathlib import Path

from swarm.cli import main
from swarm.cli.demo import DEMO_HUMAN
from swarm.forge.base import Polled, PullRequest, RecentComment
from swarm.forge.local import LocalForge
from swarm.gitstore import MAIN, GitStore
from swarm.integrator import INTEGRATOR
from swarm.pulls import identity
from swarm.repo import open_repo
from swarm.runtime.engines import engine_spec
from swarm.runtime.spawn import SpawnOptions, spawn
from swarm.states import State
from swarm.watch.fingerprint import Fingerprint, fingerprint, people_acted

OFFLINE = SpawnOptions(engine_spec("offline"))


def fp(repo_dir: Path) -> Fingerprint:
    repo = open_repo(repo_dir)
    with repo.forge as forge:
        return fingerprint(GitStore.open(repo_dir), forge)


def acted(repo_dir: Path, before: Fingerprint, after: Fingerprint) -> bool:
    return people_acted(GitStore.open(repo_dir), before, after)


def swarm(*args: object) -> int:
    return main([str(a) for a in args])


def test_a_pass_that_moves_nothing_leaves_it_alone(settled_repo: Path) -> None:
    git = GitStore.open(settled_repo)
    before = fp(settled_repo)
    claims_before = git.refs("refs/swarm/claims/")
    report = spawn(settled_repo, OFFLINE, sleep=lambda _s: None)
    assert report.passes == 1 and not report.outcomes["merged"]
    # the pass renewed the claims of the pull requests awaiting approval: no change
    assert git.refs("refs/swarm/claims/") != claims_before
    after = fp(settled_repo)
    assert after.everything == before.everything
    assert not acted(settled_repo, before, after)


def test_the_integrators_readme_refresh_is_left_out(settled_repo: Path) -> None:
    """The status table is refreshed on main after passes that moved something, and at the
    end of a run: it restates the task files and cannot move anything."""
    before = fp(settled_repo)
    git = GitStore.open(settled_repo)
    base = git.resolve(MAIN)
    assert base is not None
    readme = (git.read(MAIN, "README.md") or b"") + b"\nRefreshed.\n"
    tree = git.apply(base, {"README.md": readme})
    commit = git.write_commit(tree, "Refresh the status table\n", identity(INTEGRATOR, 0), [base])
    git.update_ref(MAIN, commit, base)
    after = fp(settled_repo)
    assert after.main != before.main
    assert after.everything == before.everything
    assert not acted(settled_repo, before, after)


def test_what_people_do_changes_it_and_is_told_apart(settled_repo: Path, tmp_path: Path) -> None:
    repo = open_repo(settled_repo)
    with repo.forge as forge:
        first, second = sorted(forge.list_pull_requests("open"), key=lambda p: p.number)
    waiting = next(t for t in repo.tasks() if t.state is State.NEEDS_HUMAN)
    start = fp(settled_repo)

    # an approval
    assert swarm("approve", settled_repo, first.number, "--as", DEMO_HUMAN) == 0
    approved = fp(settled_repo)
    assert approved.everything != start.everything and approved.reviews > start.reviews
    assert acted(settled_repo, start, approved)

    # the agents' work that follows is theirs: everything changes, people did nothing more
    report = spawn(settled_repo, OFFLINE, sleep=lambda _s: None)
    assert report.outcomes["merged"] >= 1
    worked = fp(settled_repo)
    assert worked.everything != approved.everything
    assert not acted(settled_repo, approved, worked)

    # a person's change merged on main
    evidence = tmp_path / "minutes.txt"
    evidence.write_text("Signed minutes.\n")
    done = ("human", "done", settled_repo, waiting.id, "--evidence", evidence, "--as", DEMO_HUMAN)
    assert swarm(*done) == 0
    merged = fp(settled_repo)
    assert merged.everything != worked.everything
    assert (merged.reviews, merged.released) == (worked.reviews, worked.released)
    assert acted(settled_repo, worked, merged)
    assert acted(settled_repo, start, merged)  # found however far back it lies

    # a person releases an agent's claim
    assert swarm("release", settled_repo, second.task_key, "--as", DEMO_HUMAN) == 0
    released = fp(settled_repo)
    assert released.everything != merged.everything and released.released > merged.released
    assert acted(settled_repo, merged, released)


class _GitHubLike:
    """The local forge of a settled repository, read the way a GitHub mirror's is (`Polled`):
    what people comment lives on the forge, not in the repository."""

    def __init__(self, forge: LocalForge) -> None:
        self._forge = forge
        self.comments: list[RecentComment] = []  # oldest first

    def __getattr__(self, name: str) -> object:
        return getattr(self._forge, name)

    def open_pull_requests_now(self) -> list[PullRequest]:
        return self._forge.list_pull_requests("open")

    def recent_comments(self) -> list[RecentComment]:
        return list(reversed(self.comments[-3:]))  # a window of three, newest first

    def comment(self, author: str, body: str) -> None:
        n = len(self.comments) + 1
        self.comments.append(RecentComment(n, author, body, f"2025-01-02T03:04:{n:02d}+00:00"))


def test_a_persons_command_in_a_comment_changes_it_and_is_told_apart(settled_repo: Path) -> None:
    repo = open_repo(settled_repo)
    assert isinstance(repo.forge, LocalForge)
    hub = _GitHubLike(repo.forge)
    assert isinstance(hub, Polled)
    git = GitStore.open(settled_repo)
    start = fingerprint(git, hub)  # type: ignore[arg-type]

    # what cannot move anything: chatter, the swarm's replies, commands of unlisted people
    hub.comment(DEMO_HUMAN, "Looks good to me")
    hub.comment("swarm-bot", "/done handled <!-- plan-swarm handled=1 -->")
    hub.comment("mallory", "/approve")
    quiet = fingerprint(git, hub)  # type: ignore[arg-type]
    assert quiet.everything == start.everything and not people_acted(git, start, quiet)

    hub.comment(DEMO_HUMAN, "/done Lease signed")
    commanded = fingerprint(git, hub)  # type: ignore[arg-type]
    assert commanded.everything != quiet.everything
    assert people_acted(git, quiet, commanded)

    # the command leaves the window of recent comments: no new act, though it is a change
    for n in range(3):
        hub.comment("swarm-bot", f"reply {n}")
    later = fingerprint(git, hub)  # type: ignore[arg-type]
    assert later.everything != commanded.everything
    assert not people_acted(git, commanded, later)
    repo.forge.close()
