"""The local forge, tested as the real thing: real SQLite files, real processes, real SIGKILLs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing as mp
import signal
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import closing
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest

from swarm.errors import SwarmError
from swarm.forge.base import (
    CheckResult,
    Forge,
    IssueSpec,
    LabelSpec,
    MilestoneSpec,
    PullRequestSpec,
    Review,
)
from swarm.forge.local import LocalForge, WriteCounts
from swarm.forge.local_store import store_path

# Children are spawned, not forked: nothing (no open connection, no lock) leaks into them.
SPAWN = mp.get_context("spawn")

LABELS = [
    LabelSpec("stage:todo", "ededed", "not started"),
    LabelSpec("role:research", "1d76db"),
    LabelSpec("risk:high", "b60205"),
]
MILESTONES = [MilestoneSpec("Phase 1", "Discovery", dt.date(2025, 3, 1)), MilestoneSpec("Phase 2")]


def _specs(prefix: str, count: int, body: str = "body") -> list[IssueSpec]:
    return [
        IssueSpec(
            key=f"{prefix}.{i}",
            title=f"Task {prefix}.{i}",
            body=body,
            labels=("stage:todo", "role:research"),
            milestone="Phase 1",
        )
        for i in range(count)
    ]


def _pull_spec(head: str, task_key: str = "1.1", stage: str = "research") -> PullRequestSpec:
    return PullRequestSpec(
        head=head,
        base="main",
        title=f"{stage} {task_key}",
        body="",
        author="agent-a",
        task_key=task_key,
        stage=stage,
    )


def _seeded(repo_dir: Path) -> None:
    with LocalForge.create(repo_dir) as forge:
        forge.ensure_labels(LABELS)
        forge.ensure_milestones(MILESTONES)


def _raw(repo_dir: Path) -> closing[sqlite3.Connection]:
    """A connection of our own, as an independent witness of what is on disk."""
    return closing(sqlite3.connect(store_path(repo_dir)))


def _assert_sound(repo_dir: Path) -> None:
    with _raw(repo_dir) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def _numbers(forge: LocalForge) -> list[int]:
    issues = [issue.number for issue in forge.list_issues()]
    return sorted(issues + [pull.number for pull in forge.list_pull_requests()])


def test_the_local_forge_is_a_forge(forge: LocalForge) -> None:
    as_protocol: Forge = forge  # checked by mypy: every operation, every signature
    assert as_protocol is forge


# --- opening ---------------------------------------------------------------------------------


def test_create_keeps_the_store_inside_the_repo_and_is_idempotent(repo_dir: Path) -> None:
    with LocalForge.create(repo_dir) as forge:
        forge.ensure_labels(LABELS)
    with LocalForge.create(repo_dir) as again:
        assert again.list_labels() == sorted(LABELS, key=lambda label: label.name)
    assert store_path(repo_dir) == repo_dir / "plan-swarm" / "forge.sqlite3"
    with _raw(repo_dir) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(2,)]


def test_a_store_of_the_first_version_is_migrated_and_keeps_its_pulls(repo_dir: Path) -> None:
    with LocalForge.create(repo_dir) as forge:
        forge.open_pull_request(_pull_spec("task/1.1.1", "1.1.1", "research"), "a" * 40)
        forge.mark_merged(
            forge.open_pull_request(_pull_spec("task/1.1.2", "1.1.2", "research"), "b" * 40).number,
            "c" * 40,
        )
    with _raw(repo_dir) as db, db:  # back to version 1, as an earlier plan-swarm left it
        db.execute("DROP INDEX open_pulls")
        db.execute("UPDATE schema_version SET version = 1")
    with LocalForge(repo_dir) as forge:
        assert [p.task_key for p in forge.list_pull_requests("open")] == ["1.1.1"]
        assert [p.task_key for p in forge.list_pull_requests("merged")] == ["1.1.2"]
    with _raw(repo_dir) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT number FROM pull_requests WHERE state = 'open' "
            "ORDER BY number"
        ).fetchall()
        assert "open_pulls" in str(plan)  # the open ones are read without reading the others


def test_a_directory_without_a_store_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(SwarmError, match="not a plan-swarm repository") as caught:
        LocalForge(tmp_path)
    assert str(store_path(tmp_path)) in caught.value.message
    with pytest.raises(SwarmError, match="not a plan-swarm repository"):
        LocalForge(tmp_path / "missing")
    with pytest.raises(SwarmError, match="no such directory"):
        LocalForge.create(tmp_path / "missing")


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    store_path(tmp_path).parent.mkdir()
    store_path(tmp_path).write_bytes(b"not a database, just some bytes " * 100)
    with pytest.raises(SwarmError, match="not a plan-swarm forge store"):
        LocalForge(tmp_path)
    with pytest.raises(SwarmError, match="not a plan-swarm forge store"):
        LocalForge.create(tmp_path)


def test_a_store_from_a_newer_version_is_refused(repo_dir: Path) -> None:
    LocalForge.create(repo_dir).close()
    with _raw(repo_dir) as db, db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(SwarmError, match="version 99, newer"):
        LocalForge(repo_dir)


def test_a_writer_waits_for_the_lock_then_gives_up_clearly(repo_dir: Path) -> None:
    LocalForge.create(repo_dir).close()
    holder = sqlite3.connect(store_path(repo_dir), isolation_level=None, check_same_thread=False)
    with closing(holder), LocalForge(repo_dir, busy_timeout=0.2) as impatient:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(SwarmError, match=r"locked by another process for 0\.2 s"):
            impatient.upsert_issues([IssueSpec("k", "t", "b")])
        threading.Timer(0.2, holder.execute, ("COMMIT",)).start()
        with LocalForge(repo_dir, busy_timeout=10) as patient:
            assert patient.upsert_issues([IssueSpec("k", "t", "b")])[0].number == 1


# --- labels and milestones -------------------------------------------------------------------


def test_labels_are_ensured_by_name(forge: LocalForge) -> None:
    forge.ensure_labels(LABELS)
    assert forge.last_write_counts == WriteCounts(created=3)
    forge.ensure_labels(LABELS)
    assert forge.last_write_counts == WriteCounts(unchanged=3)
    recoloured = LabelSpec("risk:high", "ff0000", "handle with care")
    forge.ensure_labels([recoloured, LABELS[0]])
    assert forge.last_write_counts == WriteCounts(updated=1, unchanged=1)
    assert recoloured in forge.list_labels()
    assert len(forge.list_labels()) == 3


@pytest.mark.parametrize(
    "labels",
    [
        [LabelSpec("x", "#ffffff")],
        [LabelSpec("x", "fff")],
        [LabelSpec("x", "111111"), LabelSpec("x", "222222")],
    ],
)
def test_bad_labels_are_refused(forge: LocalForge, labels: list[LabelSpec]) -> None:
    with pytest.raises(SwarmError):
        forge.ensure_labels(labels)
    assert forge.list_labels() == []


def test_milestones_are_numbered_and_updated_by_title(forge: LocalForge) -> None:
    forge.ensure_milestones(MILESTONES)
    forge.ensure_milestones(MILESTONES)
    assert forge.last_write_counts == WriteCounts(unchanged=2)
    later = MilestoneSpec("Phase 2", "Build", dt.date(2025, 6, 30))
    forge.ensure_milestones([later, MilestoneSpec("Phase 3")])
    assert forge.last_write_counts == WriteCounts(created=1, updated=1)
    listed = forge.list_milestones()
    assert [(m.number, m.title) for m in listed] == [(1, "Phase 1"), (2, "Phase 2"), (3, "Phase 3")]
    assert (listed[0].due_on, listed[1].due_on) == (dt.date(2025, 3, 1), dt.date(2025, 6, 30))
    assert listed[1].description == "Build"


# --- issues ----------------------------------------------------------------------------------


def test_issues_round_trip(forge: LocalForge) -> None:
    forge.ensure_labels(LABELS)
    forge.ensure_milestones(MILESTONES)
    child = IssueSpec(
        "1.1.1", "Child", "b", ("stage:todo", "risk:high", "stage:todo"), "Phase 2", "closed", "1"
    )
    created = forge.upsert_issues([child])
    assert forge.write_counts() == (1, 0)
    created += forge.upsert_issues([IssueSpec("1", "Parent", "a")])  # a parent may come later
    assert [issue.number for issue in created] == [1, 2]
    assert created[0].labels == ("risk:high", "stage:todo")  # a set, sorted by name
    assert forge.list_issues() == created
    assert forge.issue_by_key("1.1.1") == created[0]
    assert created[0].milestone == "Phase 2"
    assert (created[0].state, created[0].parent_key) == ("closed", "1")
    assert forge.issue_by_key("nope") is None


def test_a_second_upsert_of_500_issues_writes_nothing(forge: LocalForge, repo_dir: Path) -> None:
    forge.ensure_labels(LABELS)
    forge.ensure_milestones(MILESTONES)
    specs = _specs("t", 500)
    first = forge.upsert_issues(specs)
    assert forge.last_write_counts == WriteCounts(created=500)
    with _raw(repo_dir) as witness:
        version = witness.execute("PRAGMA data_version").fetchone()
        reordered = [dataclasses.replace(s, labels=s.labels[::-1]) for s in specs]
        assert forge.upsert_issues(reordered) == first
        assert forge.last_write_counts == WriteCounts(unchanged=500)
        # data_version moves whenever another connection commits a change to the file.
        assert witness.execute("PRAGMA data_version").fetchone() == version

    specs[42] = dataclasses.replace(specs[42], labels=("risk:high",), state="closed")
    second = forge.upsert_issues(specs)
    assert forge.last_write_counts == WriteCounts(updated=1, unchanged=499)
    assert [i.number for i in second] == [i.number for i in first]
    assert forge.issue_by_key("t.42") == dataclasses.replace(
        first[42], labels=("risk:high",), state="closed"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (IssueSpec("k", "t", "b", labels=("nope",)), "unknown label"),
        (IssueSpec("k", "t", "b", milestone="Phase 9"), "unknown milestone"),
        (IssueSpec("k", "t", "b", parent_key="k"), "itself"),
        (IssueSpec("k", "t", "b", state="done"), "state"),  # type: ignore[arg-type]
        (IssueSpec(" ", "t", "b"), "key"),
    ],
)
def test_bad_issues_fail_the_whole_batch(forge: LocalForge, spec: IssueSpec, message: str) -> None:
    forge.ensure_labels(LABELS)
    forge.ensure_milestones(MILESTONES)
    with pytest.raises(SwarmError, match=message):
        forge.upsert_issues([*_specs("ok", 3), spec])
    assert forge.list_issues() == []


def test_two_different_specs_for_one_key_are_refused(forge: LocalForge) -> None:
    with pytest.raises(SwarmError, match="share the key 'k'"):
        forge.upsert_issues([IssueSpec("k", "a", ""), IssueSpec("k", "b", "")])


def test_a_failure_midway_rolls_back_the_whole_batch(forge: LocalForge) -> None:
    forge.ensure_labels(LABELS)
    forge.ensure_milestones(MILESTONES)
    forge.upsert_issues(_specs("old", 2))
    seen: list[int] = []

    def give_up(done: int, total: int) -> None:
        seen.append(done)
        if done > total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        forge.upsert_issues([*_specs("new", 2000), _specs("old", 2)[0]], on_progress=give_up)
    assert seen == [500, 1000, 1500]
    assert [i.key for i in forge.list_issues()] == ["old.0", "old.1"]
    assert forge.upsert_issues(_specs("new", 1))[0].number == 3  # no number was used up


# --- comments and pull requests --------------------------------------------------------------


def test_comments_get_ids_and_utc_times(forge: LocalForge, clock: Any) -> None:
    issue = forge.upsert_issues([IssueSpec("1", "t", "b")])[0]
    pull = forge.open_pull_request(_pull_spec("claim/1/research"), "a" * 40)
    clock.now = dt.datetime(2025, 5, 6, 9, 8, 7, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    first = forge.add_comment(issue.number, "agent-a", "claimed")
    clock.now += dt.timedelta(seconds=1)
    second = forge.add_comment(pull.number, "gate", "all checks passed")
    third = forge.add_comment(issue.number, "human", "thanks")
    assert (first.id, second.id, third.id) == (1, 2, 3)
    assert first.created_at == "2025-05-06T07:08:07Z"
    assert forge.list_comments(issue.number) == [first, third]
    assert forge.list_comments(pull.number) == [second]
    with pytest.raises(SwarmError, match="no issue or pull request #99"):
        forge.add_comment(99, "a", "b")
    with pytest.raises(SwarmError, match="non-empty body"):
        forge.add_comment(issue.number, "a", "  ")


def test_issues_and_pull_requests_share_one_number_sequence(forge: LocalForge) -> None:
    forge.upsert_issues([IssueSpec("1", "t", "b")])
    pull = forge.open_pull_request(_pull_spec("claim/1/research"), "a" * 40)
    later = forge.upsert_issues([IssueSpec("2", "t", "b")])[0]
    assert (pull.number, later.number) == (2, 3)
    with pytest.raises(SwarmError, match="#1 is an issue, not a pull request"):
        forge.get_pull_request(1)
    with pytest.raises(SwarmError, match="no issue or pull request #7"):
        forge.get_pull_request(7)


def test_opening_a_pull_request_twice_returns_the_open_one(forge: LocalForge) -> None:
    spec = _pull_spec("claim/1.1/research")
    first = forge.open_pull_request(spec, "a" * 40)
    again = forge.open_pull_request(spec, "b" * 40)
    assert again == dataclasses.replace(first, head_sha="b" * 40)
    assert forge.list_pull_requests() == [again]
    with pytest.raises(SwarmError, match="already has open pull request #1"):
        forge.open_pull_request(_pull_spec("claim/1.1/research", stage="compliance"), "c" * 40)
    with pytest.raises(SwarmError, match="non-empty head_sha"):
        forge.open_pull_request(_pull_spec("claim/2/research"), "")


def test_pull_requests_leave_open_only_once(forge: LocalForge) -> None:
    merged = forge.open_pull_request(_pull_spec("claim/1/research"), "a" * 40)
    closed = forge.open_pull_request(_pull_spec("claim/2/research", "2"), "b" * 40)
    assert forge.mark_merged(merged.number, "m" * 40).state == "merged"
    assert forge.mark_merged(merged.number, "m" * 40).merge_sha == "m" * 40  # a re-run: no-op
    assert forge.close_pull_request(closed.number).state == "closed"
    assert forge.close_pull_request(closed.number).state == "closed"
    with pytest.raises(SwarmError, match="already merged"):
        forge.mark_merged(merged.number, "n" * 40)
    with pytest.raises(SwarmError, match="already merged"):
        forge.close_pull_request(merged.number)
    with pytest.raises(SwarmError, match="already closed"):
        forge.mark_merged(closed.number, "m" * 40)
    assert forge.open_pull_for("claim/2/research") is None
    reopened = forge.open_pull_request(_pull_spec("claim/2/research", "2"), "c" * 40)
    assert reopened.number == 3  # a closed PR is history; its branch may get a new one
    assert forge.open_pull_for("claim/2/research") == reopened
    assert forge.open_pull_for("claim/1/research") is None
    assert forge.open_pull_for("claim/3/research") is None
    assert [p.number for p in forge.list_pull_requests("open")] == [3]
    assert [p.number for p in forge.list_pull_requests("merged")] == [1]
    assert [p.number for p in forge.list_pull_requests()] == [1, 2, 3]
    assert forge.get_pull_request(1) == dataclasses.replace(
        merged, state="merged", merge_sha="m" * 40
    )
    with pytest.raises(SwarmError, match="pull request state 'draft'"):
        forge.list_pull_requests("draft")


def test_reviews_are_bound_to_a_commit(forge: LocalForge) -> None:
    pull = forge.open_pull_request(_pull_spec("claim/1/research"), "a" * 40)
    asked = Review(pull.number, "human", "changes_requested", "a" * 40, "add evidence")
    approved = Review(pull.number, "human", "approved", "b" * 40)
    for review in (asked, approved, approved):  # the repeat is a re-run, not a second review
        forge.add_review(review)
    assert forge.list_reviews(pull.number) == [asked, approved]
    with pytest.raises(SwarmError, match="review state 'lgtm'"):
        forge.add_review(Review(pull.number, "human", "lgtm", "b" * 40))  # type: ignore[arg-type]
    with pytest.raises(SwarmError, match="no issue or pull request #5"):
        forge.add_review(dataclasses.replace(approved, pr_number=5))


def test_checks_are_upserted_per_pull_name_and_commit(forge: LocalForge) -> None:
    pull = forge.open_pull_request(_pull_spec("claim/1/research"), "a" * 40)
    failed = CheckResult(pull.number, "gate", "a" * 40, "failure", "1 finding", {"rules": ["R1"]})
    forge.record_check(failed)
    forge.record_check(CheckResult(pull.number, "lint", "a" * 40, "success"))
    fixed = dataclasses.replace(failed, conclusion="success", summary="", details={})
    forge.record_check(fixed)
    newer = dataclasses.replace(failed, commit_sha="b" * 40)
    forge.record_check(newer)
    assert forge.list_checks(pull.number) == [
        fixed,
        CheckResult(pull.number, "lint", "a" * 40, "success"),
        newer,
    ]
    with pytest.raises(SwarmError, match="JSON"):
        forge.record_check(dataclasses.replace(failed, details={"when": dt.date(2025, 1, 1)}))


# --- several processes -----------------------------------------------------------------------


def _report(results: Queue[Any], target: Callable[..., Any], *args: Any) -> None:
    try:
        results.put((True, target(*args)))
    except BaseException:
        results.put((False, traceback.format_exc()))


def _in_processes(target: Callable[..., Any], argsets: list[tuple[Any, ...]]) -> list[Any]:
    results: Queue[Any] = SPAWN.Queue()
    procs = [SPAWN.Process(target=_report, args=(results, target, *a)) for a in argsets]
    for proc in procs:
        proc.start()
    try:
        outcomes = [results.get(timeout=60) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=10)
            proc.kill()  # only if it hung; a joined process is left alone
    failures = [detail for ok, detail in outcomes if not ok]
    assert not failures, failures[0]
    return [value for _, value in outcomes]


def _snapshot(repo: str) -> dict[str, Any]:
    with LocalForge(Path(repo)) as forge:
        pulls = forge.list_pull_requests()
        issues = forge.list_issues()
        return {
            "labels": forge.list_labels(),
            "milestones": forge.list_milestones(),
            "issues": issues,
            "pulls": pulls,
            "comments": [forge.list_comments(i.number) for i in issues],
            "reviews": [forge.list_reviews(p.number) for p in pulls],
            "checks": [forge.list_checks(p.number) for p in pulls],
        }


def test_a_new_process_sees_everything(forge: LocalForge, repo_dir: Path) -> None:
    forge.ensure_labels(LABELS)
    forge.ensure_milestones(MILESTONES)
    issues = forge.upsert_issues(_specs("t", 20))
    forge.add_comment(issues[3].number, "agent", "hello")
    pull = forge.open_pull_request(_pull_spec("claim/t.3/research", "t.3"), "a" * 40)
    forge.add_review(Review(pull.number, "human", "approved", "a" * 40))
    forge.record_check(CheckResult(pull.number, "gate", "a" * 40, "success", details={"n": 1}))
    forge.mark_merged(pull.number, "m" * 40)
    [seen] = _in_processes(_snapshot, [(str(repo_dir),)])
    assert seen == _snapshot(str(repo_dir))
    assert len(seen["issues"]) == 20
    assert seen["pulls"][0].merge_sha == "m" * 40
    assert seen["comments"][3][0].body == "hello"
    assert seen["reviews"] == [[Review(21, "human", "approved", "a" * 40)]]
    assert seen["checks"] == [[CheckResult(21, "gate", "a" * 40, "success", details={"n": 1})]]


ROUNDS, OWN, SHARED = 8, 6, 4


def _busy_agent(repo: str, worker: int, start: Barrier) -> list[int]:
    """Creates the store, then races the others: its own keys, shared keys, comments, PRs."""
    with LocalForge.create(Path(repo)) as forge:
        forge.ensure_labels(LABELS)
        forge.ensure_milestones(MILESTONES)
        start.wait(timeout=30)
        comment_ids = []
        for r in range(ROUNDS):
            own, shared = _specs(f"w{worker}.{r}", OWN), _specs(f"shared.{r}", SHARED)
            batch = own + shared if worker % 2 else shared + own
            issues = forge.upsert_issues(batch)
            for issue in issues[:2]:
                comment_ids.append(forge.add_comment(issue.number, f"w{worker}", f"r{r}").id)
            forge.open_pull_request(_pull_spec(f"claim/w{worker}.{r}/research"), "a" * 40)
            forge.open_pull_request(_pull_spec("claim/contested/research"), f"{worker}" * 40)
            # An agent works between writes; without this pause SQLite's busy handler (which
            # sleeps and backs off) lets one process win every round and nothing interleaves.
            time.sleep(0.01)
        return comment_ids


def test_concurrent_processes_lose_nothing(repo_dir: Path) -> None:
    workers = 4
    start = SPAWN.Barrier(workers)
    returned = _in_processes(_busy_agent, [(str(repo_dir), w, start) for w in range(workers)])

    with LocalForge(repo_dir) as forge:
        issues = forge.list_issues()
        keys = [issue.key for issue in issues]
        assert len(keys) == len(set(keys)) == workers * ROUNDS * OWN + ROUNDS * SHARED
        pulls = forge.list_pull_requests()
        assert len(pulls) == workers * ROUNDS + 1  # the contested branch got exactly one
        assert _numbers(forge) == list(range(1, len(issues) + len(pulls) + 1))
        comments = [c for issue in issues for c in forge.list_comments(issue.number)]
    ids = sorted(c.id for c in comments)
    assert ids == sorted(i for r in returned for i in r) == list(range(1, workers * ROUNDS * 2 + 1))
    _assert_sound(repo_dir)


# --- crashes ---------------------------------------------------------------------------------


def _doomed_batch(repo: str, marker: str, count: int, stall_midway: bool) -> None:
    """Upserts a big batch; with `stall_midway`, signals and hangs halfway, inside the write."""

    def stall(done: int, total: int) -> None:
        if stall_midway and done >= total // 2:
            Path(marker).write_text("midway")
            time.sleep(120)

    with LocalForge(Path(repo)) as forge:
        Path(marker).write_text("starting")
        forge.upsert_issues(_specs("doomed", count, body="x" * 2000), on_progress=stall)


def _kill_during(repo_dir: Path, *, stall_midway: bool, delay: float) -> int | None:
    """Run `_doomed_batch` in a child and SIGKILL it `delay` s after it got going."""
    marker = repo_dir.parent / f"marker-{delay}"
    args = (str(repo_dir), str(marker), 4000, stall_midway)
    proc = SPAWN.Process(target=_doomed_batch, args=args)
    proc.start()
    try:
        expected = "midway" if stall_midway else "starting"
        deadline = time.monotonic() + 30
        while not (marker.exists() and marker.read_text() == expected):
            assert time.monotonic() < deadline and proc.is_alive(), "the child never got going"
            time.sleep(0.005)
        time.sleep(delay)
        if stall_midway:  # the uncommitted half of the batch is really on disk, in the WAL
            assert Path(f"{store_path(repo_dir)}-wal").stat().st_size > 1_000_000
    finally:
        proc.kill()  # SIGKILL to this child's pid: no cleanup, no rollback, no atexit
        proc.join(timeout=10)
    return proc.exitcode


def test_a_batch_killed_midway_leaves_nothing_behind(repo_dir: Path) -> None:
    _seeded(repo_dir)
    with LocalForge(repo_dir) as forge:
        forge.upsert_issues(_specs("kept", 5))
    assert _kill_during(repo_dir, stall_midway=True, delay=0) == -signal.SIGKILL

    _assert_sound(repo_dir)
    with LocalForge(repo_dir) as forge:
        assert [i.key for i in forge.list_issues()] == [f"kept.{i}" for i in range(5)]
        redone = forge.upsert_issues(_specs("doomed", 4000))
        assert [i.number for i in redone] == list(range(6, 4006))


# The batch takes about 0.1 s here: the kills land before, during and after it.
@pytest.mark.parametrize("delay", [0.0, 0.02, 0.04, 0.06, 0.08, 0.12, 0.2])
def test_a_batch_killed_at_any_moment_is_all_or_nothing(repo_dir: Path, delay: float) -> None:
    _seeded(repo_dir)
    # A late kill may find the child already done (exit code 0): then all must be there.
    assert _kill_during(repo_dir, stall_midway=False, delay=delay) in (0, -signal.SIGKILL)

    _assert_sound(repo_dir)
    with LocalForge(repo_dir) as forge:
        assert len(forge.list_issues()) in (0, 4000)


# --- speed -----------------------------------------------------------------------------------


def test_ten_thousand_issues_upsert_in_one_quick_transaction(forge: LocalForge) -> None:
    forge.ensure_labels(LABELS)
    forge.ensure_milestones(MILESTONES)
    specs = _specs("big", 10_000, "b" * 300)
    specs[1:] = [dataclasses.replace(s, parent_key="big.0") for s in specs[1:]]
    started = time.perf_counter()
    forge.upsert_issues(specs)
    created = time.perf_counter() - started
    forge.upsert_issues(specs)
    rerun = time.perf_counter() - started - created
    assert forge.last_write_counts == WriteCounts(unchanged=10_000)
    assert created < 10 and rerun < 10, (created, rerun)
