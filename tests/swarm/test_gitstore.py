"""The git store against real repositories, checked with the git CLI; compare-and-swap under
real concurrency (processes, not threads) and lock files left by crashed writers."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swarm import gitstore
from swarm.errors import SwarmError
from swarm.gitstore import MAIN, GitStore, Identity, RefConflict
from tests.swarm.git_objects import git_bytes, hand_made_object

WHO = Identity("tester", "tester@example.invalid", 1_700_000_000)
FILES = {
    "README.md": b"# hello\n",
    "tasks/1/1.1/1.1.1-first.yaml": b"id: 1.1.1\n",
    "tasks/1/1.1/1.1.2-second.yaml": b"id: 1.1.2\n",
    "plan/deep/er/file.bin": bytes(range(256)),
    "empty": b"",
}


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def store(tmp_path) -> GitStore:
    return GitStore.init_bare(tmp_path / "repo.git")


def first_commit(store: GitStore, files=FILES, ref: str = MAIN) -> str:
    return store.commit(ref, store.write_tree(files), "first", WHO, [], expected=None)


def packs(store: GitStore) -> list[str]:
    pack_dir = store.path / "objects" / "pack"
    return sorted(p.name for p in pack_dir.glob("*.pack")) if pack_dir.is_dir() else []


# --------------------------------------------------------------------------- reading, writing


def test_init_bare_makes_a_repository_git_accepts(store):
    repo = store.path
    assert git("rev-parse", "--is-bare-repository", cwd=repo) == "true"
    assert git("symbolic-ref", "HEAD", cwd=repo) == MAIN
    assert GitStore.is_repository(repo)
    git("fsck", "--strict", cwd=repo)


def test_open_of_a_plain_directory_is_a_swarm_error(tmp_path):
    with pytest.raises(SwarmError, match="not a git repository"):
        GitStore.open(tmp_path)


def test_write_tree_and_commit_give_git_the_same_bytes(store):
    commit = first_commit(store)
    repo = store.path
    assert git("rev-parse", "main", cwd=repo) == commit
    listed = git("ls-tree", "-r", "--name-only", "main", cwd=repo).splitlines()
    assert listed == sorted(FILES)
    for path, data in FILES.items():
        assert git_bytes("cat-file", "-p", f"main:{path}", cwd=repo) == data
        assert store.read(MAIN, path) == data
    assert git("log", "-1", "--format=%an <%ae> %at %s", cwd=repo) == (
        "tester <tester@example.invalid> 1700000000 first"
    )
    assert store.tree_id(MAIN) == git("rev-parse", "main^{tree}", cwd=repo)
    git("fsck", "--strict", cwd=repo)


def test_write_tree_of_the_same_files_twice_writes_no_second_pack(store):
    tree = store.write_tree(FILES)
    written = packs(store)
    assert len(written) == 1
    assert store.write_tree(dict(reversed(FILES.items()))) == tree
    assert packs(store) == written
    bigger = store.write_tree({**FILES, "new.txt": b"new\n"})
    assert bigger != tree
    assert len(packs(store)) == 2


def test_write_tree_refuses_a_path_through_a_file(store):
    with pytest.raises(SwarmError, match="runs through a file"):
        store.write_tree({"a": b"1", "a/b": b"2"})


def test_files_lists_blob_ids_under_a_prefix(store):
    first_commit(store)
    repo = store.path
    tasks = store.files(MAIN, "tasks")
    assert sorted(tasks) == ["tasks/1/1.1/1.1.1-first.yaml", "tasks/1/1.1/1.1.2-second.yaml"]
    for path, oid in tasks.items():
        assert git("rev-parse", f"main:{path}", cwd=repo) == oid
    assert store.files(MAIN, "tasks/") == tasks
    assert store.files(MAIN) == {path: git("rev-parse", f"main:{path}", cwd=repo) for path in FILES}
    deep = "plan/deep/er/file.bin"
    assert store.files(MAIN, "plan") == {deep: git("rev-parse", f"main:{deep}", cwd=repo)}
    assert store.files(MAIN, "nowhere") == {}
    assert store.files(MAIN, "README.md") == {}  # a file, not a directory


def test_read_of_a_missing_path_or_a_directory_is_none(store):
    first_commit(store)
    assert store.read(MAIN, "no/such/file") is None
    assert store.read(MAIN, "missing.txt") is None
    assert store.read(MAIN, "tasks") is None


def test_resolve_of_an_unknown_ref_is_none(store):
    assert store.resolve(MAIN) is None  # HEAD's branch before the first commit
    commit = first_commit(store)
    assert store.resolve(MAIN) == commit
    assert store.resolve("main") == commit
    assert store.resolve("refs/heads/nope") is None
    assert store.resolve("0" * 40) is None
    assert store.resolve("main~5") is None


def test_may_have_refs_is_false_only_when_there_are_none(store):
    commit = first_commit(store)
    assert not store.may_have_refs("refs/swarm/claims/")
    store.update_ref("refs/swarm/claims/1.1.1/research", commit, None)
    assert store.may_have_refs("refs/swarm/claims/")  # a loose ref
    assert not store.may_have_refs("refs/swarm/other/")
    git("pack-refs", "--all", cwd=store.path)
    shutil.rmtree(store.path / "refs" / "swarm", ignore_errors=True)  # git may leave empty ones
    assert store.may_have_refs("refs/swarm/claims/")  # packed only
    assert store.resolve_ref("refs/swarm/claims/1.1.1/research") == commit
    assert not store.may_have_refs("refs/swarm/other/")


def test_reading_an_unknown_revision_is_a_swarm_error(store):
    with pytest.raises(SwarmError, match="no commit"):
        store.log_first_parent("refs/heads/nope")


def test_log_first_parent_and_commit_message(store):
    one = first_commit(store)
    tree = store.write_tree({"x": b"2"})
    two = store.commit(MAIN, tree, "second\n\nbody", WHO, [one], expected=one)
    assert store.log_first_parent(MAIN) == [two, one]
    assert store.commit_message(MAIN) == "second\n\nbody"
    assert git("rev-list", "--count", "main", cwd=store.path) == "2"


# --------------------------------------------------------------------------- compare-and-swap


def test_commit_expecting_no_ref_fails_when_it_exists(store):
    one = first_commit(store)
    tree = store.write_tree({"other": b"x"})
    with pytest.raises(RefConflict) as caught:
        store.commit(MAIN, tree, "again", WHO, [], expected=None)
    assert (caught.value.expected, caught.value.actual) == (None, one)
    assert caught.value.exit_code == 1
    assert git("rev-parse", "main", cwd=store.path) == one


def test_update_ref_with_a_stale_expected_value_leaves_the_ref(store):
    one = first_commit(store)
    two = store.commit(MAIN, store.write_tree({"v": b"2"}), "two", WHO, [one], expected=one)
    three = store.commit("refs/heads/side", store.write_tree({"v": b"3"}), "3", WHO, [two], None)
    with pytest.raises(RefConflict, match=f"expected {one}, found {two}"):
        store.update_ref(MAIN, three, expected=one)
    assert git("rev-parse", "main", cwd=store.path) == two
    store.update_ref(MAIN, three, expected=two)
    assert git("rev-parse", "main", cwd=store.path) == three
    git("fsck", "--strict", cwd=store.path)


def test_update_ref_expecting_a_value_on_a_missing_ref_fails(store):
    one = first_commit(store)
    with pytest.raises(RefConflict, match="found nothing"):
        store.update_ref("refs/heads/absent", one, expected=one)
    assert store.resolve("refs/heads/absent") is None


def _report(queue, index: int, target, args: tuple) -> None:
    """Run `target(*args)` in a child process and send back (index, result or error)."""
    try:
        queue.put((index, target(*args)))
    except BaseException as exc:
        queue.put((index, f"raised {type(exc).__name__}: {exc}"))


def in_processes(target, jobs: list[tuple]) -> list:
    """Run each job in its own spawned process, all at once; their results in job order."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_report, args=(queue, i, target, args)) for i, args in enumerate(jobs)
    ]
    for proc in procs:
        proc.start()
    results = dict(queue.get(timeout=120) for _ in procs)
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    return [results[i] for i in range(len(jobs))]


def _append_commits(repo: str, worker: int, rounds: int) -> int:
    """Append `rounds` commits to main by read-head, commit(expected=head), retry on conflict;
    returns how many conflicts it lost."""
    store = GitStore.open(Path(repo))
    lost = 0
    for n in range(rounds):
        tree = store.write_tree({f"w{worker}/r{n}": f"{worker}.{n}\n".encode()})
        while True:
            head = store.resolve(MAIN)
            parents = [head] if head else []
            try:
                store.commit(MAIN, tree, f"w{worker} r{n}", WHO, parents, expected=head)
                break
            except RefConflict:
                lost += 1
    return lost


def test_racing_appenders_lose_no_update(tmp_path):
    workers, rounds = 8, 25
    store = GitStore.init_bare(tmp_path / "repo.git")
    lost = in_processes(_append_commits, [(str(store.path), w, rounds) for w in range(workers)])
    assert all(isinstance(n, int) for n in lost), lost
    repo = store.path
    assert git("rev-list", "--count", "main", cwd=repo) == str(workers * rounds)
    subjects = git("log", "--format=%s", "main", cwd=repo).splitlines()
    assert sorted(subjects) == sorted(f"w{w} r{n}" for w in range(workers) for n in range(rounds))
    assert git("rev-list", "--max-parents=0", "main", cwd=repo).count("\n") == 0  # one root
    assert git("rev-list", "--min-parents=2", "main", cwd=repo) == ""
    print(f"conflicts lost and retried: {sum(lost)}")
    git("fsck", "--strict", cwd=repo)


def _create_if_absent(repo: str, oid: str, rounds: int, barrier) -> list[str]:
    """Every round, race the others to create refs/heads/race-N; report each outcome."""
    store = GitStore.open(Path(repo))
    outcomes = []
    for n in range(rounds):
        barrier.wait(timeout=60)
        try:
            store.update_ref(f"refs/heads/race-{n}", oid, expected=None)
            outcomes.append("won")
        except RefConflict as exc:
            outcomes.append("lost" if exc.actual else f"bad conflict: {exc}")
        except SwarmError as exc:
            outcomes.append(f"error: {exc}")
    return outcomes


def test_racing_creators_have_exactly_one_winner_per_round(tmp_path):
    workers, rounds = 8, 20
    store = GitStore.init_bare(tmp_path / "repo.git")
    oids = [
        store.commit(
            f"refs/heads/seed-{w}", store.write_tree({"w": bytes([w])}), f"{w}", WHO, [], None
        )
        for w in range(workers)
    ]
    barrier = multiprocessing.get_context("spawn").Barrier(workers)
    jobs = [(str(store.path), oids[w], rounds, barrier) for w in range(workers)]
    outcomes = in_processes(_create_if_absent, jobs)
    assert all(isinstance(o, list) for o in outcomes), outcomes
    for n in range(rounds):
        this_round = [outcomes[w][n] for w in range(workers)]
        assert sorted(this_round) == ["lost"] * (workers - 1) + ["won"], this_round
        [winner] = [w for w in range(workers) if outcomes[w][n] == "won"]
        assert git("rev-parse", f"refs/heads/race-{n}", cwd=store.path) == oids[winner]
    git("fsck", "--strict", cwd=store.path)


# --------------------------------------------------------------------------- lock files


def test_a_stale_lock_is_reported_by_name(store):
    one = first_commit(store)
    lock = store.path / "refs" / "heads" / "main.lock"
    lock.write_text("")
    old = time.time() - 120
    os.utime(lock, (old, old))
    tree = store.write_tree({"v": b"2"})
    with pytest.raises(SwarmError) as caught:
        store.commit(MAIN, tree, "two", WHO, [one], expected=one)
    message = caught.value.message
    assert str(lock) in message
    assert "s old" in message and "crashed" in message and "delete that file" in message
    assert caught.value.exit_code == 1
    assert lock.exists()  # never removed behind the user's back
    assert git("rev-parse", "main", cwd=store.path) == one


def test_a_fresh_lock_that_stays_is_reported_as_busy_not_stale(store):
    one = first_commit(store)
    lock = store.path / "refs" / "heads" / "main.lock"
    lock.write_text("")
    with pytest.raises(SwarmError, match="locked by another writer") as caught:
        store.update_ref(MAIN, one, expected=one)
    assert "crashed" not in caught.value.message
    assert not isinstance(caught.value, RefConflict)


HOLD_LOCK = """
import os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
os.close(fd)
os.unlink(sys.argv[1])
"""


def test_a_lock_held_briefly_by_another_process_is_waited_for(store):
    one = first_commit(store)
    two = store.commit("refs/heads/next", store.write_tree({"v": b"2"}), "2", WHO, [one], None)
    lock = store.path / "refs" / "heads" / "main.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock), "0.3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        began = time.monotonic()
        store.update_ref(MAIN, two, expected=one)
        waited = time.monotonic() - began
    finally:
        holder.wait(timeout=10)
    assert holder.returncode == 0
    assert waited >= 0.2  # it did wait for the other writer
    assert git("rev-parse", "main", cwd=store.path) == two
    assert not lock.exists()
    git("fsck", "--strict", cwd=store.path)


# --- three-way merges ----------------------------------------------------------------------


def _random_side(rng: random.Random, files: dict[str, bytes], tag: str) -> dict[str, bytes | None]:
    """Changes one side makes: edits, deletions, additions, sometimes a file where a folder
    is or a folder where a file is; contents from a small set so both sides often agree."""
    changes: dict[str, bytes | None] = {}
    for path in rng.sample(sorted(files), k=min(len(files), rng.randint(0, 3))):
        changes[path] = rng.choice([None, b"x\n", b"y\n", tag.encode()])
    for _ in range(rng.randint(0, 2)):
        folder = rng.choice(["a", "a/b", "c", "tasks/1/1.1"])
        changes[f"{folder}/{rng.choice(['n1', 'n2', 'f0'])}"] = rng.choice([b"x\n", b"new\n"])
    if rng.random() < 0.1:
        changes[rng.choice(["a", "a/b", "c/f0/deeper"])] = b"file or folder\n"
    return changes


@pytest.mark.parametrize("seed", range(120))
def test_merge_trees_agrees_with_git(tmp_path, seed: int) -> None:
    """The disjoint fast path gives git's own merge (`git merge-tree`): the same tree when it
    merges, and it leaves every merge git finds a conflict in to libgit2's full merge."""
    rng = random.Random(seed)
    store = GitStore.init_bare(tmp_path / "repo.git")
    files = {f"{d}/f{i}": f"{d}{i}\n".encode() for d in ("a", "a/b", "c") for i in range(3)}
    base = store.commit(MAIN, store.write_tree(files), "base", WHO, [], expected=None)
    ours, theirs = (
        store.write_commit(store.apply(base, _random_side(rng, files, tag)), tag, WHO, [base])
        for tag in ("ours", "theirs")
    )
    merged = subprocess.run(
        ["git", "merge-tree", "--write-tree", ours, theirs],
        cwd=store.path,
        capture_output=True,
        text=True,
    )
    assert merged.returncode in (0, 1), merged.stderr
    fast = store._merge_disjoint(base, ours, theirs)
    if merged.returncode == 1:
        assert fast is None
    elif fast is not None:
        assert fast == merged.stdout.split()[0]
        assert store.merge_trees(base, ours, theirs) == (fast, [])


def test_the_fast_path_takes_the_merges_of_a_swarm(tmp_path) -> None:
    """Most random merges are disjoint, as a swarm's are: the fast path is really taken."""
    taken = 0
    for seed in range(40):
        rng = random.Random(seed)
        store = GitStore.init_bare(tmp_path / f"r{seed}.git")
        files = {f"tasks/{i}/f": b"x\n" for i in range(20)}
        base = store.commit(MAIN, store.write_tree(files), "base", WHO, [], expected=None)
        ours, theirs = (
            store.write_commit(
                store.apply(base, {f"tasks/{rng.randrange(20)}/f": t}), "", WHO, [base]
            )
            for t in (b"o\n", b"t\n")
        )
        taken += store._merge_disjoint(base, ours, theirs) is not None
    assert taken >= 30


def test_a_merge_of_disjoint_changes_skips_libgit2s_index(store) -> None:
    """The proposal of one task merged over another's: done without building an index of
    every file (libgit2's merge would, and would give the same tree)."""
    base = first_commit(store)
    ours = store.write_commit(
        store.apply(base, {"tasks/1/1.1/1.1.1-first.yaml": b"o\n"}), "o", WHO, [base]
    )
    theirs = store.write_commit(
        store.apply(base, {"tasks/1/1.1/1.1.2-second.yaml": b"t\n"}), "t", WHO, [base]
    )
    assert store._merge_disjoint(base, ours, theirs) is not None
    tree, _ = store.merge_trees(base, ours, theirs)
    assert store.read(tree, "tasks/1/1.1/1.1.1-first.yaml") == b"o\n"
    assert store.read(tree, "tasks/1/1.1/1.1.2-second.yaml") == b"t\n"
    clash = store.write_commit(
        store.apply(base, {"tasks/1/1.1/1.1.1-first.yaml": b"t\n"}), "c", WHO, [base]
    )
    assert store._merge_disjoint(base, ours, clash) is None


# --- diffs ---------------------------------------------------------------------------------


def _git_diff(store: GitStore, old: str, new: str) -> list[tuple[str, str | None, str | None]]:
    """`git diff-tree -r` as (path, blob before, blob after), None where there is none."""
    out = git("diff-tree", "-r", "--no-renames", "--full-index", old, new, cwd=store.path)
    rows = []
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        _, _, before, after, _ = meta.split(" ")
        rows.append(
            (path, None if set(before) == {"0"} else before, None if set(after) == {"0"} else after)
        )
    return sorted(rows)


@pytest.mark.parametrize("seed", range(60))
def test_diff_agrees_with_git(tmp_path, seed: int) -> None:
    """The diff that skips identical folders gives git's own, files turned folders included."""
    rng = random.Random(seed)
    store = GitStore.init_bare(tmp_path / "repo.git")
    files = {f"{d}/f{i}": f"{d}{i}\n".encode() for d in ("a", "a/b", "c") for i in range(3)}
    old = store.commit(MAIN, store.write_tree(files), "base", WHO, [], expected=None)
    new = store.write_commit(store.apply(old, _random_side(rng, files, "new")), "new", WHO, [old])
    got = [(c.path, c.before, c.after) for c in store.diff(old, new)]
    assert got == _git_diff(store, old, new)


@pytest.mark.parametrize("limit", [12, 3])
def test_one_store_diffing_a_history_agrees_with_git_while_it_forgets_trees(
    tmp_path, monkeypatch, limit: int
) -> None:
    """The store keeps the entries of the trees it last read (a history replay reads each
    tree twice): a store diffing one commit after another, and now and then two far apart,
    still gives git's answer while it forgets the oldest, and holds no more entries than it
    may (a tree wider than that is not kept at all)."""
    monkeypatch.setattr(gitstore, "_ENTRIES_REMEMBERED", limit)
    rng = random.Random(7)
    store = GitStore.init_bare(tmp_path / "repo.git")
    files = {f"{d}/f{i}": f"{d}{i}\n".encode() for d in ("a", "a/b", "c") for i in range(3)}
    chain = [store.commit(MAIN, store.write_tree(files), "base", WHO, [], expected=None)]
    for step in range(40):
        changes = _random_side(rng, files, f"s{step}")
        made_files = [path for path, data in changes.items() if data is not None]
        for path in [p for p in changes if any(p.startswith(f + "/") for f in made_files)]:
            del changes[path]  # a file and a path through it: not one change set
        chain.append(store.write_commit(store.apply(chain[-1], changes), "c", WHO, [chain[-1]]))
        pairs = [(chain[-2], chain[-1]), (rng.choice(chain), chain[-1])]
        for old, new in pairs:
            got = [(c.path, c.before, c.after) for c in store.diff(old, new)]
            assert got == _git_diff(store, old, new)
        held = sum(len(entries) for entries in store._tree_entries.values())
        assert held == store._entries_held <= limit
    assert store._tree_entries  # it did keep some


def test_diff_reports_a_change_of_mode_alone(store) -> None:
    """A file made executable (same bytes) is a change, as git says it is."""
    old = first_commit(store)
    blob = git("rev-parse", f"{old}:README.md", cwd=store.path)
    listing = git("ls-tree", old, cwd=store.path).replace(
        f"100644 blob {blob}\tREADME.md", f"100755 blob {blob}\tREADME.md"
    )
    tree = git_bytes("mktree", input=(listing + "\n").encode(), cwd=store.path).decode().strip()
    new = store.write_commit(tree, "x", WHO, [old])
    assert [(c.path, c.before, c.after) for c in store.diff(old, new)] == [
        ("README.md", blob, blob)
    ]
    assert store._merge_disjoint(old, old, new) is None  # not a plain file: left to libgit2


def _tree_object(store: GitStore, raw: bytes) -> str:
    return hand_made_object(store.path, "tree", raw)


def test_diff_names_a_folder_entry_that_is_not_a_folder(store) -> None:
    old = first_commit(store)
    blob = git("rev-parse", f"{old}:README.md", cwd=store.path)
    bad = _tree_object(store, b"40000 docs\0" + bytes.fromhex(blob))
    new = store.write_commit(bad, "x", WHO, [old])
    with pytest.raises(SwarmError, match=rf"docs \({blob}\) is filed as a folder but is not one"):
        store.diff(old, new)


@pytest.mark.parametrize(
    "raw", [b"100644 a", b"100644 a\0short", b"garbage\0" + bytes(20), b"100644 a\0" + bytes(21)]
)
def test_diff_names_a_folder_that_is_not_a_well_formed_tree(store, raw: bytes) -> None:
    old = first_commit(store)
    inner = _tree_object(store, raw)
    outer = _tree_object(store, b"40000 docs\0" + bytes.fromhex(inner))
    new = store.write_commit(outer, "x", WHO, [old])
    with pytest.raises(SwarmError, match=rf"folder docs \({inner}\) is not a well-formed tree"):
        store.diff(old, new)


# --- merge bases ---------------------------------------------------------------------------


def _history(store: GitStore, rng: random.Random, steps: int) -> tuple[list[str], list[str]]:
    """A main like a swarm's: proposals (one commit on some recent main) merged with a merge
    commit, direct commits, and now and then a person's branch of several commits (some
    merging a proposal themselves) merged whole. Returns main's first parents, oldest first,
    and every proposal made (merged or not)."""
    main = [store.commit(MAIN, store.write_tree({"f": b"0"}), "root", WHO, [], expected=None)]
    proposals: list[str] = []

    def commit(parents: list[str], tag: str) -> str:
        tree = store.apply(parents[0], {f"{tag}/{rng.randrange(10**9)}": tag.encode()})
        return store.write_commit(tree, tag, WHO, parents)

    for _ in range(steps):
        kind = rng.random()
        if kind < 0.6 or not proposals:
            proposals.append(commit([rng.choice(main[-6:])], "p"))
            if rng.random() < 0.7:
                main.append(commit([main[-1], proposals[-1]], "m"))
        elif kind < 0.8:
            main.append(commit([main[-1]], "d"))
        else:  # a person's branch: a commit, maybe a merge of a proposal, another commit
            tip = commit([rng.choice(main[-4:])], "b")
            if rng.random() < 0.5:
                tip = commit([tip, rng.choice(proposals[-4:])], "bm")
            main.append(commit([main[-1], commit([tip], "b")], "m"))
    return main, proposals


@pytest.mark.parametrize("seed", range(25))
def test_merge_base_agrees_with_git(tmp_path, seed: int) -> None:
    """The first-parent walk gives git's merge base for every proposal against every main
    (proposals merged directly, through a person's branch, or not at all)."""
    rng = random.Random(seed)
    store = GitStore.init_bare(tmp_path / "repo.git")
    main, proposals = _history(store, rng, 40)
    for _ in range(40):
        a, b = rng.choice(main), rng.choice(proposals + main)
        want = git("merge-base", a, b, cwd=store.path) if _related(store, a, b) else None
        assert store.merge_base(a, b) == want, (a, b)


def _related(store: GitStore, a: str, b: str) -> bool:
    done = subprocess.run(["git", "merge-base", a, b], cwd=store.path, capture_output=True)
    return done.returncode == 0


def test_the_walk_answers_a_swarm_s_merges(store) -> None:
    """A proposal on a recent main is answered by the walk, not left to libgit2; one that a
    person's branch merged is left to libgit2 (the walk cannot tell)."""
    base = first_commit(store)
    mains = [base]
    for n in range(30):
        proposal = store.write_commit(
            store.apply(mains[-1], {f"p{n}": b"x"}), "p", WHO, [mains[-1]]
        )
        mains.append(
            store.write_commit(
                store.apply(mains[-1], {f"p{n}": b"x"}), "m", WHO, [mains[-1], proposal]
            )
        )
    fresh = store.write_commit(store.apply(mains[10], {"new": b"x"}), "p", WHO, [mains[10]])
    assert store._proposal_base(mains[-1], fresh) == mains[10]
    branch = store.write_commit(store.apply(mains[-1], {"b": b"x"}), "b", WHO, [mains[-1], fresh])
    top = store.write_commit(store.apply(mains[-1], {"b": b"x"}), "m", WHO, [mains[-1], branch])
    assert store._proposal_base(top, fresh) is None
    assert store.merge_base(top, fresh) == fresh
