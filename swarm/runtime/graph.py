"""The swarm as a luigi workflow: one luigi task per (plan task, stage).

A stage's target is "the task has moved past this stage on main", read through the git store,
so a re-run skips what is done and resumes the rest. Compliance requires research of the same
task; execution requires compliance and the execution of every dependency. Role pools are
luigi resources. Each stage run re-checks on main whether it can act (luigi's own check of
unfulfilled dependencies is off: a dependency waiting on a person is "not complete" yet its
stage ran, and the dependent simply finds it is not ready). Which stages a pass gives the
scheduler, and in what order, is swarm.runtime.stages'; how, swarm.runtime.feeder's.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import luigi

from swarm.llm.errors import redact
from swarm.repo import FORGE_DIR, Repo, open_repo
from swarm.runtime.context import StageContext
from swarm.runtime.engines import Engine, load_engine
from swarm.runtime.stage import StageResult, run_stage
from swarm.states import ROLE_OF_STAGE, TERMINAL, State

POOL_OF_STAGE = {"research": "research", "compliance": "compliance", "execute": "executor"}
_PAST: dict[str, frozenset[State]] = {
    # a stage is complete once agents can do nothing more at it
    "research": frozenset(State) - {State.TODO},
    "compliance": frozenset(State) - {State.TODO, State.RESEARCHED},
    "execute": frozenset(TERMINAL | {State.BLOCKED}),
}
_REPOS: dict[tuple[str, int], Repo] = {}


def repo_for(path: str) -> Repo:
    """One Repo per process: luigi forks workers, and handles must not cross a fork."""
    key = (path, os.getpid())
    if key not in _REPOS:
        _REPOS[key] = open_repo(Path(path))
    return _REPOS[key]


class StageTask(luigi.Task):
    repo_dir = luigi.Parameter()
    plan_task = luigi.Parameter()  # not task_id: luigi.Task already has one
    stage = luigi.Parameter()
    # significant: each pass is new work to the scheduler (luigid would otherwise ignore a task
    # it saw done moments ago, per its stable_done_cooldown_secs)
    run_id = luigi.Parameter()
    # significant too: luigid ignores, for stable_done_cooldown_secs (10 s), a task it saw done,
    # and a stage that was busy or waiting in one pass must run in the next, seconds later
    pass_no = luigi.IntParameter(default=0)
    engine_spec = luigi.Parameter(significant=False)

    @property
    def resources(self) -> dict[str, int]:  # type: ignore[override]
        return {POOL_OF_STAGE[self.stage]: 1}

    def requires(self) -> list[StageTask]:
        if self.stage == "research":
            return []
        if self.stage == "compliance":
            return [self._other(self.plan_task, "research")]
        task = self._context().task(self.plan_task)
        deps = task.depends_on if task else ()
        return [self._other(self.plan_task, "compliance")] + [
            self._other(dep, "execute") for dep in deps
        ]

    def _other(self, task_id: str, stage: str) -> StageTask:
        return stage_task(
            self.repo_dir, task_id, stage, self.run_id, self.engine_spec, self.pass_no
        )

    def complete(self) -> bool:
        task = self._context().task(self.plan_task)
        return task is None or task.state in _PAST[self.stage]

    def _context(self) -> StageContext:
        return load_engine(self.engine_spec).context(repo_for(self.repo_dir))

    def run(self) -> None:
        repo = repo_for(self.repo_dir)
        engine: Engine = load_engine(self.engine_spec)
        role = ROLE_OF_STAGE[self.stage]
        with agent_slot(repo.path, POOL_OF_STAGE[self.stage]) as name:
            at, started, engine_before = time.time(), time.monotonic(), engine.engine_seconds()
            result = run_stage(
                repo,
                engine.context(repo),
                self.plan_task,
                self.stage,
                repo.agent_name(name),
                lambda: engine.agent(role, repo),
                time.time,
            )
            record(
                repo.path,
                self.run_id,
                result,
                at,
                time.monotonic() - started,
                engine.engine_seconds() - engine_before,
                self.pass_no,
            )

    def on_failure(self, exception: BaseException) -> str:
        """A stage that raised (a bug, not an outcome) is written to the run's failure file by
        the worker that ran it: an assistant's own summary of its work reaches no one."""
        what = re.sub(r"\s+", " ", f"{type(exception).__name__}: {exception}")[:300]
        line = f"{self.plan_task} {self.stage} raised {redact(what)}\n"
        path = failures_path(Path(self.repo_dir), self.run_id)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return str(super().on_failure(exception))  # type: ignore[no-untyped-call]


def stage_task(
    repo_dir: str, task_id: str, stage: str, run_id: str, engine: str, pass_no: int = 0
) -> StageTask:
    return StageTask(  # type: ignore[no-untyped-call]
        repo_dir=repo_dir,
        plan_task=task_id,
        stage=stage,
        run_id=run_id,
        engine_spec=engine,
        pass_no=pass_no,
    )


@contextmanager
def agent_slot(repo_path: Path, pool: str, limit: int = 64) -> Iterator[str]:
    """The lowest free agent name of the pool on this machine (research-1, research-2, …),
    held by an advisory lock for as long as the stage runs. The lock dies with the process, so
    a resumed swarm's research-1 is again research-1 and gets its own live claims back."""
    slots = repo_path / FORGE_DIR / "slots"
    slots.mkdir(exist_ok=True)
    for n in range(1, limit + 1):
        handle = open(slots / f"{pool}-{n}.lock", "a")  # noqa: SIM115 - held across the yield
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        try:
            yield f"{pool}-{n}"
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    yield f"{pool}-pid{os.getpid()}"


def results_path(repo_path: Path, run_id: str) -> Path:
    runs = repo_path / FORGE_DIR / "runs"
    runs.mkdir(exist_ok=True)
    return runs / f"{run_id}.jsonl"


def record(
    repo_path: Path,
    run_id: str,
    result: StageResult,
    at: float,
    seconds: float,
    engine_seconds: float,
    pass_no: int = 0,
) -> None:
    line = json.dumps(
        {
            "pass": pass_no,
            "task": result.task,
            "stage": result.stage,
            "outcome": result.outcome,
            "detail": result.detail,
            "pr": result.pr,
            "cost_usd": result.cost_usd,
            "at": round(at, 4),
            "seconds": round(seconds, 4),
            "engine_seconds": round(engine_seconds, 4),
        }
    )
    # one short O_APPEND write per line: whole lines even with many writers
    fd = os.open(results_path(repo_path, run_id), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def read_results(repo_path: Path, run_id: str) -> list[dict[str, Any]]:
    path = results_path(repo_path, run_id)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def failures_path(repo_path: Path, run_id: str) -> Path:
    return results_path(repo_path, run_id).with_suffix(".fail")


class Ended:
    """The stages of pass `pass_no` that have ended: each writes one line, to the run's results
    or, when it raised, to its failures (emptied when a pass begins). Reads only what was
    appended since it last looked."""

    def __init__(self, repo_path: Path, run_id: str, pass_no: int) -> None:
        self.pass_no = pass_no
        self._results = results_path(repo_path, run_id)
        self._failures = failures_path(repo_path, run_id)
        self._offsets = {self._results: _size(self._results), self._failures: 0}
        self._keys: set[tuple[str, str]] = set()

    def __call__(self) -> set[tuple[str, str]]:
        for line in self._new_lines(self._results):
            r = json.loads(line)
            if r.get("pass") == self.pass_no:
                self._keys.add((r["task"], r["stage"]))
        for line in self._new_lines(self._failures):
            task, stage, *_ = line.split(" ", 2)
            self._keys.add((task, stage))
        return self._keys

    def _new_lines(self, path: Path) -> list[str]:
        offset = self._offsets[path]
        if _size(path) <= offset:
            return []
        with path.open("rb") as f:
            f.seek(offset)
            data = f.read()
        # whole lines only: a writer may be half way through one
        whole = data.rfind(b"\n") + 1
        self._offsets[path] = offset + whole
        return [line for line in data[:whole].decode().splitlines() if line.strip()]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
