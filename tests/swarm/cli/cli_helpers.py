"""Helpers for the CLI tests: run `swarm` for real (a subprocess) or in-process, snapshot
directories to prove nothing was written, and build the bad inputs the CLI must refuse."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from swarm.cli import main
from swarm.forge.base import PullRequest
from swarm.pulls import Proposal, propose
from swarm.repo import open_repo
from swarm.task import TaskFile
from swarm.trailers import parse
from tests.planexe.planexe_fixtures import (
    DEPENDENCIES,
    build_run,
    dumps,
    file_name,
    wbs_full,
    write_dir,
    write_zip,
)
from tests.swarm.flow import Flow

REPO_ROOT = Path(__file__).resolve().parents[3]
MiB = 1024 * 1024


@dataclass(frozen=True)
class Ran:
    """What one `swarm` invocation did."""

    code: int
    out: str
    err: str


def swarm_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env.update(extra)
    return env


def run_swarm(*args: str | os.PathLike[str], cwd: Path | None = None, **env: str) -> Ran:
    """`python -m swarm ARGS` in a subprocess, stdout and stderr piped (so not a TTY)."""
    done = subprocess.run(
        [sys.executable, "-m", "swarm", *map(str, args)],
        cwd=cwd,
        env=swarm_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def run_swarm_many(jobs: Mapping[str, Sequence[str | os.PathLike[str]]]) -> dict[str, Ran]:
    """Several independent `swarm` runs at once (each one is mostly interpreter start-up)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(run_swarm, *args) for name, args in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def call(capsys, *args: str | os.PathLike[str]) -> Ran:
    """`swarm ARGS` in-process through swarm.cli.main, with its output captured."""
    capsys.readouterr()
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def snapshot(root: Path, *, content: bool = True) -> dict[str, tuple[object, ...]]:
    """Every path under `root` (not following links) with its kind, and for files their size,
    mtime and (when `content`) sha256. A directory's own mtime is left out: opening the forge's
    SQLite store creates and removes its -wal/-shm files, which changes nothing in the repo."""
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            info = path.lstat()
            entry: tuple[object, ...] = (stat.S_IFMT(info.st_mode),)
            if not stat.S_ISDIR(info.st_mode):
                entry += (info.st_size, info.st_mtime_ns)
            if content and stat.S_ISREG(info.st_mode):
                entry += (hashlib.sha256(path.read_bytes()).hexdigest(),)
            out[str(path.relative_to(root))] = entry
    return out


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def assert_one_error_line(err: str, *fragments: str) -> None:
    """stderr is one short `error:` line naming the file/entry and the problem; no traceback."""
    assert "Traceback" not in err, err
    assert err.startswith("error: "), err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert len(err) < 400, err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"


# --------------------------------------------------------------------------- repositories

HUMAN = "alice"  # the one person Flow lists in swarm.yaml humans


def flow_now(root: Path) -> Flow:
    """The example plan materialized in `root`, driven by hand from two minutes ago: the
    claims it takes are still live (15 minutes) when a `swarm` command runs at wall-clock
    time, and the commands' merges come after everything the flow did."""
    flow = Flow(root, humans=(HUMAN,))
    flow.now = time.time() - 120
    return flow


def copy_repo(template: Path, tmp_path: Path) -> Path:
    """A private copy of a repository built once per module (its forge must be closed)."""
    return Path(shutil.copytree(template, tmp_path / "repo", symlinks=True))


def prs_json(capsys, repo: Path) -> dict[int, dict]:
    """`swarm prs DIR --json`, by number."""
    ran = call(capsys, "prs", repo, "--json")
    assert ran.code == 0, ran.err
    return {pr["number"]: pr for pr in json.loads(ran.out)}


def main_head(repo: Path) -> str:
    return git("rev-parse", "main", cwd=repo)


def repropose(repo: Path, number: int, edits: Mapping[str, bytes]) -> PullRequest:
    """The pull request's author pushes again: its change as it stands on its head, with
    `edits` applied, on top of main now; same branch, same claim token."""
    opened = open_repo(repo)
    with opened.forge as forge:
        pr = forge.get_pull_request(number)
        git_ = opened.git
        base = git_.merge_base(main_head(repo), pr.head_sha)
        assert base is not None
        changes: dict[str, bytes | None] = {
            c.path: git_.read(pr.head_sha, c.path) for c in git_.diff(base, pr.head_sha)
        }
        changes.update(edits)
        fence = parse(git_.commit_message(pr.head_sha)).get("Swarm-Fence")
        proposal = Proposal(
            pr.task_key, pr.stage, pr.author, pr.title, fence=int(fence) if fence else None
        )
        again = propose(opened, proposal, changes, time.time())
    assert again.number == number and again.head_sha != pr.head_sha
    return again


def task_on_main(repo: Path, task_id: str) -> TaskFile:
    opened = open_repo(repo)
    opened.forge.close()
    task = opened.task(task_id)
    assert task is not None, task_id
    return task


# --------------------------------------------------------------------------- bad inputs

WBS = "wbs_project_level1_and_level2_and_level3.json"


def _zip_with(path: Path, name: str, data: bytes, *, attr: int | None = None) -> Path:
    """A valid tiny run as a zip, plus one more entry."""
    write_zip(path, build_run())
    with zipfile.ZipFile(path, "a") as zf:
        info = zipfile.ZipInfo(name)
        if attr is not None:
            info.create_system = 3  # unix, so external_attr holds the mode
            info.external_attr = attr << 16
        zf.writestr(info, data)
    return path


def _text_file(root: Path) -> Path:
    path = root / "notes.txt"
    path.write_text("not a plan\n")
    return path


def _missing(root: Path) -> Path:
    return root / "no-such-plan"


def _truncated_zip(root: Path) -> Path:
    path = write_zip(root / "truncated.zip", build_run())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _zip_dotdot(root: Path) -> Path:
    return _zip_with(root / "dotdot.zip", "../evil.json", b"{}")


def _zip_absolute(root: Path) -> Path:
    return _zip_with(root / "absolute.zip", "/tmp/evil.json", b"{}")


def _zip_symlink(root: Path) -> Path:
    return _zip_with(root / "symlink.zip", "link.json", b"/etc/passwd", attr=stat.S_IFLNK | 0o777)


def _folder_symlink(root: Path) -> Path:
    run = write_dir(root / "symlink-folder", build_run())
    (run / "link.json").symlink_to("/etc/passwd")
    return run


def _zip_bomb(root: Path) -> Path:
    """A real bomb: 700 MiB of zeros deflated to about 3 MiB (over 200:1), beside a valid run.
    The reader must refuse it from the central directory, before inflating a byte."""
    path = write_zip(root / "bomb.zip", build_run())
    zeros = bytes(4 * MiB)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("bomb.md", "w", force_zip64=True) as fh,
    ):
        for _ in range(175):
            fh.write(zeros)
    return path


def _empty_folder(root: Path) -> Path:
    path = root / "empty"
    path.mkdir()
    return path


def _wbs_missing(root: Path) -> Path:
    gone = [WBS, "wbs_level1.json", "wbs_level2.json", WBS.replace(".json", ".csv")]
    return write_dir(root / "wbs-missing", build_run(omit=gone))


def _wbs_malformed(root: Path) -> Path:
    return write_dir(root / "wbs-malformed", build_run(replace={WBS: b'{"wbs_project": {'}))


def _wbs_duplicate_ids(root: Path) -> Path:
    wbs = wbs_full()
    wbs["wbs_project"]["task_children"][1]["id"] = "p1"
    return write_dir(root / "wbs-duplicates", build_run(replace={WBS: dumps(wbs)}))


def _dependency_cycle(root: Path) -> Path:
    back = {"dependent_task_id": "s11", "depends_on_task_id_list": ["s22"]}
    deps = dumps({"task_dependency_details": [*DEPENDENCIES, back]})
    return write_dir(root / "cycle", build_run(replace={"task_dependencies_raw.json": deps}))


def _non_utf8(root: Path) -> Path:
    # 0x81 is neither UTF-8 here nor defined in Windows-1252, the reader's fallback.
    text = b"Plan:\nBuild a \x81 thing.\n\nToday's date:\n2025-Nov-14\n"
    return write_dir(root / "non-utf8", build_run(replace={"plan.txt": text}))


def _file_over_limit(root: Path) -> Path:
    run = write_dir(root / "huge-report", build_run())
    with open(run / file_name("report.html", "B"), "r+b") as fh:
        fh.truncate(65 * MiB)  # sparse: costs no disk and no time
    return run


#: name -> (builder, fragments the one-line error must hold: the file or entry, the problem)
BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "text-file": (_text_file, ("notes.txt", "neither a folder nor a zip")),
    "missing-path": (_missing, ("no-such-plan", "does not exist")),
    "truncated-zip": (_truncated_zip, ("truncated.zip", "truncated or corrupt")),
    "zip-entry-dotdot": (_zip_dotdot, ("../evil.json", "'..' path")),
    "zip-entry-absolute": (_zip_absolute, ("/tmp/evil.json", "absolute")),
    "zip-entry-symlink": (_zip_symlink, ("link.json", "symbolic link")),
    "folder-symlink": (_folder_symlink, ("link.json", "symbolic link")),
    "zip-bomb": (_zip_bomb, ("bomb.md", "zip bomb")),
    "empty-folder": (_empty_folder, ("empty", "contains no plan files")),
    "wbs-missing": (_wbs_missing, (WBS, "is missing")),
    "wbs-malformed": (_wbs_malformed, (WBS, "not valid JSON", "line 1")),
    "wbs-duplicate-ids": (_wbs_duplicate_ids, (WBS, "'p1' is used twice")),
    "dependency-cycle": (_dependency_cycle, ("task_dependencies_raw.json", "cycle")),
    "non-utf8": (_non_utf8, ("plan.txt", "not UTF-8")),
    "file-over-limit": (_file_over_limit, ("report.html", "over the 64.0 MiB limit")),
}


def build_bad_inputs(root: Path) -> dict[str, Path]:
    return {name: build(root) for name, (build, _) in BAD_INPUTS.items()}


def with_unknown_dependency(root: Path) -> Path:
    extra = {"dependent_task_id": "s11", "depends_on_task_id_list": ["zzz"]}
    deps = dumps({"task_dependency_details": [*DEPENDENCIES, extra]})
    return write_dir(root / "unknown-dep", build_run(replace={"task_dependencies_raw.json": deps}))


def without_plan_txt(root: Path) -> Path:
    return write_dir(root / "no-plan-txt", build_run(omit=["plan.txt"]))
