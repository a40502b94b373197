"""Benchmark: how each step's cost grows with the plan, on synthetic plans (bench/synth_plan.py)
of 1,000 and 10,000 tasks.

For each size: `materialize` (reading the plan included), each time in a new process as a user
runs it, --materialize-rounds times with the sizes interleaved (see below); the runtime's
scheduling alone (`schedule`): the first pass's stages of the new repository (three per task)
handed to luigid by the feeder and run by 8 assistants as luigi tasks that do nothing, each
time in a new process, --schedule-rounds times with the sizes interleaved; `swarm status` on
the new repository, as a command (`python -m swarm status DIR`, interpreter start-up and
imports included) and in-process; `swarm spawn` with the offline engine and 8
agents until nothing more can move (in-process: luigid and its workers are forks of this
process); `swarm status` again on the repository the run left; `swarm verify` of that
history, as a command. Each status figure is the median of --repeat runs. The ratios are the
10,000-task figure over the 1,000-task one: growth no faster than linear shows as a ratio of
about 10 or less.

Steps are timed twice: wall seconds, and CPU seconds (user and system, of the step's process
and of its children: luigid, the workers, the verify command). CPU seconds are what the step
costs; wall seconds also hold what the machine does meanwhile. On a machine whose kernel
pages out what was not touched for a while (the development VM's DAMON scheme pages out any
page idle for 60 s), the objects of a 460-second run are read back from disk by `verify`
while those of a 36-second run are still in memory: the wall ratio then measures the
machine, the CPU ratio the program.

A stage's cost should not depend on the plan's size: a proposal and its merge rewrite the three
small folders on the task's path (tasks/<phase>/<subtask>/), the gates and the integrator look a
task up in its subtask's folder, and only a pass's start reads every task (through the task
index). `spawn_stage_ms` and `verify_commit_ms` (and their `_cpu_` forms) show it: their
ratios should be about 1. Spawn sizes are chosen apart (--spawn-sizes); a size not spawned to
quiescence is probed for --probe-seconds and its time estimated from the rate.

Each size is measured in a process of its own, as a user runs each of these commands: what
one size leaves behind (a heap full of the last run's objects, luigid's memory) must not weigh
on the next. Before each timed step the page cache's dirty pages are written out (os.sync):
a run writes some 300 MB of objects at 10,000 tasks, and the kernel writing them back while
`verify` reads would be counted as verify's cost.

`verify` starts from a cold page cache at both sizes: the repository's files are dropped from
it first (posix_fadvise DONTNEED), as after a clone, a reboot, or an hour of other work.
Otherwise the comparison depends on the machine: where memory is plenty and nothing pages
out, both sizes verify from memory; on the development VM, whose kernel pages out any page idle
for 60 s, a 36-second run's objects are still in memory when verify starts and a 460-second
run's are on disk, and the 10,000-task figure (reading some 800 MB back) was compared with a
1,000-task one reading nothing. A cold page cache in a VM is not cold on its host, though: how
much of the repository the host still caches varies from run to run (verify's 1,000-task time
was 9.1 s in one run and 6.1 s in the next, same code), so once every size is measured,
verify runs --verify-rounds times more, its files read into memory first, the sizes
interleaved as for materialize (below): `verify_warm_*` is the median over those rounds,
`verify_warm_cpu_round_ratios` each round's CPU ratio. That figure is the program's own: run ten
minutes apart, the same verify of 1,000 tasks took 2.9 and 3.9 ms of CPU a commit.

The development VM's speed drifts: the same no-op scheduling of 3,000 stages took 14 s in one
run and 24 s in another an hour apart, and a run measures its 1,000-task size some ten
minutes before its 10,000-task one. `yardstick_*` is how long a fixed piece of work of the
steps' kind (`reference_s`: JSON, hashing, sorting, small records) took around each step, the
mean of a sample just before it and one just after: it shows how fast the machine was then.
It is not divided out of the ratios: in one run it ranged from 0.095 to 0.273 s, more than
the drift it would correct. Materialize, the shortest step (0.3 s at 1,000 tasks), is what
such drift moved most (its ratio read 9.0, 10.0 and 10.8 in three runs of the same code), so
it is measured in rounds, the sizes in the order 1k, 10k, then 10k, 1k, and so on, so that
both sizes see the same machine: `materialize_*_s` is the median over the rounds,
`materialize_*_runs_s` each round's time and `materialize_round_ratios` each round's ratio
(`materialize_cpu_round_ratios` in CPU seconds). Scheduling is measured the same way.

The development VM's disk adds noise of its own. Its host drops any page of the page cache
left idle for 20 to 60 s, and its file system costs nearly as much CPU as the program: the
same 1,000-task run to quiescence took 113 s of CPU with its repository on disk and 66 s on
tmpfs. `*_disk_read_mb` is what a step read back from the disk. To measure the program rather
than the disk, give --work a folder on tmpfs (/dev/shm): a 10,000-task run takes 2.4 GB of
memory there at its peak (a page a loose object, until they are packed at its end).

A spawn that ends with thousands of loose objects packs them (`swarm/repack.py`), within the
spawn's time; `repo_*_disk_mb` is the repository's size on disk after it, in whole blocks.

A run to quiescence cannot be interleaved (twelve minutes at 10,000 tasks), so last of all
`bench/stage_cost.py` runs the stages of both sizes in one process, in turns, and its
`stage_cpu_ms_*` figures (CPU a stage, without the scheduling) join these.

Peak memory is the largest resident set of any of these processes and of any of their
children (luigid, the workers, the status commands).

The last line of output is one JSON object.

Usage: python bench/scale.py [--sizes 1000,10000] [--spawn-sizes 1000,10000] [--repeat 3]
                             [--materialize-rounds 5] [--schedule-rounds 3]
                             [--verify-rounds 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
# bench/swarm.py is named like the package: keep this folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import luigi  # noqa: E402
import luigi.rpc  # noqa: E402

from bench import synth_plan  # noqa: E402
from planexe import read_plan  # noqa: E402
from swarm.cli.status import gather  # noqa: E402
from swarm.gitstore import MAIN, GitStore  # noqa: E402
from swarm.materialize import materialize  # noqa: E402
from swarm.repo import open_repo  # noqa: E402
from swarm.runtime.engines import engine_spec  # noqa: E402
from swarm.runtime.feeder import SchedulerApi, feed  # noqa: E402
from swarm.runtime.scheduler import assistants, configure, local_luigid  # noqa: E402
from swarm.runtime.spawn import SpawnOptions, spawn  # noqa: E402
from swarm.runtime.stages import pass_stages  # noqa: E402
from swarm.task_index import TaskIndex  # noqa: E402

AGENTS = 8
# figures compared between the sizes; the last two per stage and per commit, where 1 means
# each costs the same on the larger plan (so that the whole grows linearly)
RATIOS = (
    "materialize_{k}_s",
    "status_{k}_s",
    "status_in_process_{k}_s",
    "status_after_spawn_{k}_s",
    "schedule_{k}_s",
    "schedule_cpu_{k}_s",
    "spawn_{k}_s",
    "verify_{k}_s",
    "verify_warm_{k}_s",
    "spawn_stage_ms_{k}",
    "verify_commit_ms_{k}",
    "materialize_cpu_{k}_s",
    "spawn_cpu_{k}_s",
    "verify_cpu_{k}_s",
    "verify_warm_cpu_{k}_s",
    "spawn_stage_cpu_ms_{k}",
    "verify_commit_cpu_ms_{k}",
    "verify_warm_commit_cpu_ms_{k}",
)


class NoOp(luigi.Task):
    """A stage that does nothing: what is left of a stage's cost is the runtime's own."""

    key = luigi.Parameter()

    def run(self) -> None:
        pass

    def complete(self) -> bool:
        return False


def schedule_only(repo: Path) -> tuple[float, int]:
    """Seconds to run the first pass's stages of `repo` as NoOp tasks through luigid and
    AGENTS assistants, fed as a pass feeds them; and how many stages that was."""
    r = open_repo(repo)
    with TaskIndex(repo) as index:
        stages = pass_stages(index.entries(r.git))
    r.forge.close()
    configure({}, repo / "plan-swarm")
    with local_luigid() as url, assistants(url, AGENTS):
        start = time.perf_counter()
        feed(
            cast(SchedulerApi, luigi.rpc.RemoteScheduler(url)),
            stages,
            lambda s: NoOp(key=f"{s.task}/{s.stage}"),
            lambda: time.sleep(0.05),
        )
        return time.perf_counter() - start, len(stages)


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float  # user and system seconds of this process and of its children that ended
    value: object
    disk_read_mb: float = 0.0  # read from the disk, not the page cache (files and mapped packs)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def disk_read_mb() -> float:
    """What this process and its ended children read from the disk (the kernel's count, in
    512-byte blocks): on the development VM, any page idle for 20 to 60 s leaves the page
    cache, so a long step reads back from the disk what a short one finds in memory."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_inblock
    return (own + resource.getrusage(resource.RUSAGE_CHILDREN).ru_inblock) * 512 / 1e6


def timed(step: Callable[[], object]) -> Timed:
    os.sync()  # the last step's writes are not this one's cost
    cpu, read, start = cpu_seconds(), disk_read_mb(), time.perf_counter()
    value = step()
    wall = time.perf_counter() - start
    return Timed(wall, cpu_seconds() - cpu, value, disk_read_mb() - read)


def median_of(step: Callable[[], object], repeat: int) -> float:
    return statistics.median(timed(step).wall for _ in range(repeat))


def reference_s() -> float:
    """Seconds this machine takes now for a fixed piece of work of the kind the steps do
    (building small records, JSON, hashing, sorting): the yardstick. The median of five."""
    records = [{"id": f"{i % 97}.{i % 13}.{i}", "deps": list(range(i % 5))} for i in range(20_000)]
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        text = json.dumps(records)
        hashlib.sha1(json.dumps(json.loads(text)).encode()).hexdigest()
        sorted(records, key=lambda r: tuple(int(p) for p in str(r["id"]).split(".")))
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def with_yardstick(step: Callable[[], T]) -> tuple[T, float]:
    """The step's value, and the yardstick around it (the mean of one before, one after)."""
    before = reference_s()
    value = step()
    return value, (before + reference_s()) / 2


def materialize_plan(plan_dir: Path, out: Path) -> None:
    materialize(read_plan(plan_dir), out)  # reading the plan is part of the step


def plan_of(n: int, work: Path) -> Path:
    plan_dir = work / f"plan-{n}"
    return plan_dir if plan_dir.is_dir() else synth_plan.write(plan_dir, n)


def materialize_once(n: int, work: Path) -> dict[str, float]:
    """One materialize of the n-task plan into `work/repo-N`, in this (new) process, as a user
    runs `swarm materialize`: the plan is written first, untimed."""
    run = timed(partial(materialize_plan, plan_of(n, work), work / f"repo-{n}"))
    return {"wall": run.wall, "cpu": run.cpu, "peak_rss_mb": max(peak_rss_mb())}


def round_order(sizes: list[int], round_no: int) -> list[int]:
    """The sizes in ascending order in even rounds, descending in odd ones (ABBA): a machine
    slowing down steadily weighs on both sizes alike."""
    return sorted(sizes, reverse=round_no % 2 == 1)


def pair_ratios(small: list[float], large: list[float]) -> list[float]:
    """Each round's ratio of the larger size's figure over the smaller one's."""
    return [round(b / a, 2) for a, b in zip(small, large, strict=True)]


def interleaved(
    sizes: list[int], rounds: int, step: Callable[[int], dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    """`step` of every size once a round, the sizes in ABBA order: each size's runs."""
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    for round_no in range(rounds):
        for n in round_order(sizes, round_no):
            runs[n].append(step(n))
    return runs


def summary(name: str, runs: dict[int, list[dict[str, Any]]]) -> dict[str, object]:
    """The medians of each size's runs (wall and CPU), its runs, and each round's ratio."""
    got: dict[str, object] = {}
    for n, mine in runs.items():
        k = label(n)
        got[f"{name}_{k}_s"] = statistics.median(r["wall"] for r in mine)
        got[f"{name}_cpu_{k}_s"] = statistics.median(r["cpu"] for r in mine)
        got[f"{name}_{k}_runs_s"] = [round(r["wall"], 3) for r in mine]
    small, large = min(runs), max(runs)
    if small != large:
        for measure, suffix in (("wall", ""), ("cpu", "_cpu")):
            figures = {n: [r[measure] for r in runs[n]] for n in (small, large)}
            got[f"{name}{suffix}_round_ratios"] = pair_ratios(figures[small], figures[large])
    return got


def materialize_rounds(
    sizes: list[int], work: Path, rounds: int
) -> tuple[dict[str, object], float]:
    """Materialize every size once a round, each in a process of its own, sizes interleaved;
    the medians over the rounds and each round's ratio, and the largest resident set of those
    processes. The last round's repository of each size is kept (`repo-N`) for the steps
    after."""

    def once(n: int) -> dict[str, Any]:
        into = work / f"repo-{n}"
        if into.exists():
            shutil.rmtree(into)
        return run_child(["--materialize-once", str(n), "--work", str(work)])

    runs = interleaved(sizes, rounds, once)
    return summary("materialize", runs), max(r["peak_rss_mb"] for n in sizes for r in runs[n])


def schedule_once(n: int, work: Path) -> dict[str, float]:
    """The scheduling alone of `work/repo-N`'s first pass, in this (new) process."""
    run = timed(lambda: schedule_only(work / f"repo-{n}"))
    seconds, stages = cast(tuple[float, int], run.value)
    return {"wall": seconds, "cpu": run.cpu, "stages": stages, "peak_rss_mb": max(peak_rss_mb())}


def schedule_rounds(sizes: list[int], work: Path, rounds: int) -> tuple[dict[str, object], float]:
    """The scheduling alone of every size once a round, each in a process of its own, sizes
    interleaved, on the materialized repositories (a spawn would leave no stages to schedule)."""
    runs = interleaved(
        sizes, rounds, lambda n: run_child(["--schedule-once", str(n), "--work", str(work)])
    )
    got = summary("schedule", runs)
    for n in sizes:
        got[f"schedule_{label(n)}_stages"] = int(runs[n][0]["stages"])
    return got, max(r["peak_rss_mb"] for n in sizes for r in runs[n])


def read_through(path: Path) -> None:
    """Read every file under `path` once, untimed, so that a step after reads from memory."""
    for file in path.rglob("*"):
        if file.is_file():
            with file.open("rb") as handle:
                while handle.read(1 << 20):
                    pass


def verify_rounds(sizes: list[int], work: Path, rounds: int) -> dict[str, object]:
    """`swarm verify` of every spawned size once a round, the sizes interleaved as for
    materialize, each with its repository's files read into memory first: what the program
    costs, measured on the same machine at both sizes."""

    def once(n: int) -> dict[str, Any]:
        read_through(work / f"repo-{n}")
        run = timed(partial(swarm_command, "verify", str(work / f"repo-{n}")))
        return {"wall": run.wall, "cpu": run.cpu, "disk_read_mb": run.disk_read_mb}

    runs = interleaved(sizes, rounds, once)
    got = summary("verify_warm", runs)
    for n in sizes:
        k = label(n)
        commits = len(GitStore.open(work / f"repo-{n}").log_first_parent(MAIN))
        cpu = cast(float, got[f"verify_warm_cpu_{k}_s"])
        got[f"verify_warm_commit_cpu_ms_{k}"] = cpu / max(commits, 1) * 1000
        got[f"verify_warm_disk_read_mb_{k}"] = [round(r["disk_read_mb"], 1) for r in runs[n]]
    return got


def swarm_command(*args: str) -> None:
    """A swarm command as a user runs it: a process of its own, which must exit 0 (`verify`
    exits 1 on an illegal history)."""
    subprocess.run(
        [sys.executable, "-m", "swarm", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )


def status_command(repo: Path) -> None:
    swarm_command("status", str(repo))


def evict(path: Path) -> None:
    """Drop the files under `path` from the page cache (they are written out first)."""
    os.sync()
    for file in path.rglob("*"):
        if file.is_file():
            fd = os.open(file, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def status_in_process(repo: Path) -> None:
    r = open_repo(repo)
    with r.forge:
        gather(r, dt.date.today(), time.time(), task_list=False)


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def measure(n: int, work: Path, repeat: int, run_spawn: bool, probe: float) -> dict[str, object]:
    out = work / f"repo-{n}"  # materialized by materialize_rounds
    k = label(n)
    got: dict[str, object] = {}
    got[f"status_{k}_s"], got[f"yardstick_status_{k}_s"] = with_yardstick(
        lambda: median_of(lambda: status_command(out), repeat)
    )
    got[f"status_in_process_{k}_s"] = median_of(lambda: status_in_process(out), repeat)
    print(
        f"{n} tasks: status {got[f'status_{k}_s']:.3f} s as a command, "
        f"{got[f'status_in_process_{k}_s']:.3f} s in-process",
        flush=True,
    )
    size_before = disk_bytes(out)
    if run_spawn:
        options = SpawnOptions(engine_spec("offline"), AGENTS, AGENTS, AGENTS, workers=AGENTS)
        run, got[f"yardstick_spawn_{k}_s"] = with_yardstick(
            lambda: timed(lambda: spawn(out, options, sleep=time.sleep))
        )
        seconds, report = run.wall, run.value  # a SpawnReport
        got[f"spawn_cpu_{k}_s"] = run.cpu
        got[f"spawn_disk_read_mb_{k}"] = run.disk_read_mb
        assert not report.luigi_failures, report.failures[:3]  # type: ignore[attr-defined]
        stages = len(report.results)  # type: ignore[attr-defined]
        got[f"spawn_{k}_s"] = seconds
        got[f"spawn_{k}_passes"] = report.passes  # type: ignore[attr-defined]
        packed = report.packed  # type: ignore[attr-defined]
        got[f"spawn_{k}_packed_objects"] = packed.objects if packed else 0
        what = f"spawn {seconds:.1f} s to quiescence"
    else:
        seconds, stages = probe_spawn(out, probe)
        got[f"spawn_{k}_s"] = None  # not run to quiescence: see the rate and the estimate
        what = f"spawn stopped after {probe:.0f} s (SIGKILL), {seconds:.1f} s of stages"
    got[f"spawn_{k}_stages"] = stages
    got[f"spawn_{k}_stages_per_s"] = stages / seconds if seconds else None
    got[f"spawn_stage_ms_{k}"] = seconds / max(stages, 1) * 1000
    if run_spawn:
        got[f"spawn_stage_cpu_ms_{k}"] = run.cpu / max(stages, 1) * 1000
    got[f"spawn_{k}_kb_per_stage"] = (disk_bytes(out) - size_before) / 1024 / max(stages, 1)
    got[f"repo_{k}_disk_mb"] = disk_blocks(out) / 1e6
    got[f"status_after_spawn_{k}_s"] = median_of(lambda: status_command(out), repeat)
    got[f"status_after_spawn_in_process_{k}_s"] = median_of(lambda: status_in_process(out), repeat)
    evict(out)  # verify from disk at both sizes (see the module's doc)
    checked, got[f"yardstick_verify_{k}_s"] = with_yardstick(
        lambda: timed(lambda: swarm_command("verify", str(out)))
    )
    seconds, commits = checked.wall, len(GitStore.open(out).log_first_parent(MAIN))
    # a history cut short is verified too; its time is not that of the whole plan's
    got[f"verify_{k}_s"] = seconds if run_spawn else None
    if not run_spawn:
        got[f"verify_partial_{k}_s"] = seconds
    got[f"verify_{k}_commits"] = commits
    got[f"verify_commit_ms_{k}"] = seconds / max(commits, 1) * 1000
    if run_spawn:
        got[f"verify_cpu_{k}_s"] = checked.cpu
        got[f"verify_disk_read_mb_{k}"] = checked.disk_read_mb
        got[f"verify_commit_cpu_ms_{k}"] = checked.cpu / max(commits, 1) * 1000
    print(
        f"{n} tasks: {what}: {stages} stages, {got[f'spawn_{k}_stages_per_s'] or 0:.1f} stages/s, "
        f"{got[f'spawn_{k}_kb_per_stage']:.0f} KiB a stage kept, repository "
        f"{got[f'repo_{k}_disk_mb']:.0f} MB on disk; status after it "
        f"{got[f'status_after_spawn_{k}_s']:.3f} s as a command, "
        f"{got[f'status_after_spawn_in_process_{k}_s']:.3f} s in-process; verify "
        f"{seconds:.1f} s over {commits} commits",
        flush=True,
    )
    return got


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def disk_blocks(path: Path) -> int:
    """Bytes of disk the files under `path` take (whole blocks: a small file takes one)."""
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())


def probe_spawn(repo: Path, seconds: float) -> tuple[float, int]:
    """A spawn killed (SIGKILL, its whole process group, which is safe: see test_resume) after
    `seconds`: how many stages ended, and over how long since the first began."""
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_spawn_in_own_group, args=(repo,))
    proc.start()
    time.sleep(seconds)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.join()
    rows = [
        json.loads(line)
        for path in (repo / "plan-swarm" / "runs").glob("*.jsonl")
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    if not rows:
        return 0.0, 0
    first = min(float(r["at"]) for r in rows)
    last = max(float(r["at"]) + float(r["seconds"]) for r in rows)
    return last - first, len(rows)


def _spawn_in_own_group(repo: Path) -> None:
    os.setsid()  # so that the kill takes luigid and the workers along
    options = SpawnOptions(engine_spec("offline"), AGENTS, AGENTS, AGENTS, workers=AGENTS)
    spawn(repo, options, sleep=time.sleep)


def peak_rss_mb() -> tuple[float, float]:
    """The largest resident set of this process, and of any of its children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024, children / 1024


def run_child(options: list[str]) -> dict[str, Any]:
    """Run this script with `options` in a new process; its last line of output, as JSON."""
    command = [sys.executable, __file__, *options]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    lines = done.stdout.splitlines()
    if lines[:-1]:
        print("\n".join(lines[:-1]), flush=True)
    return cast(dict[str, Any], json.loads(lines[-1]))


def stage_cost(sizes: list[int]) -> dict[str, object]:
    """bench/stage_cost.py's figures (CPU a stage, the sizes interleaved), from its own process."""
    command = [sys.executable, str(ROOT / "bench" / "stage_cost.py")]
    command += ["--sizes", ",".join(str(n) for n in sizes)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    got = json.loads(done.stdout.splitlines()[-1])
    return {key: value for key, value in got.items() if key.startswith("stage_")}


def measure_in_own_process(n: int, args: argparse.Namespace, work: Path) -> dict[str, object]:
    options = ["--one", str(n), "--work", str(work), "--repeat", str(args.repeat)]
    options += ["--probe-seconds", str(args.probe_seconds), "--spawn-sizes", args.spawn_sizes]
    return run_child(options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--spawn-sizes", default="1000")
    parser.add_argument(
        "--probe-seconds",
        type=float,
        default=180.0,
        help="at sizes not spawned to quiescence, spawn this long and measure the rate",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--materialize-rounds",
        type=int,
        default=5,
        help="materialize every size this many times, each in its own process, interleaved",
    )
    parser.add_argument(
        "--verify-rounds",
        type=int,
        default=3,
        help="verify every spawned size this many times more, from memory, interleaved",
    )
    parser.add_argument(
        "--schedule-rounds",
        type=int,
        default=3,
        help="schedule every size's first pass (no-op stages) this many times, interleaved",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in this process
    parser.add_argument("--materialize-once", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--schedule-once", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the plans and repositories in this new folder (default: a temporary one)",
    )
    args = parser.parse_args()
    spawned = {int(x) for x in args.spawn_sizes.split(",") if x}
    if args.materialize_once is not None:
        print(json.dumps(materialize_once(args.materialize_once, args.work)))
        return
    if args.schedule_once is not None:
        print(json.dumps(schedule_once(args.schedule_once, args.work)))
        return
    if args.one is not None:
        got = measure(args.one, args.work, args.repeat, args.one in spawned, args.probe_seconds)
        got["peak_rss_mb"] = max(peak_rss_mb())
        print(json.dumps(got))
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    results: dict[str, object] = {"sizes": sizes, "spawn_sizes": sorted(spawned & set(sizes))}
    peaks: list[float] = []
    with contextlib.ExitStack() as stack:
        if args.work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-")))
        else:
            args.work.mkdir(parents=True)  # new: a stale repository would be measured again
            work = args.work
        figures, materialize_peak = materialize_rounds(sizes, work, args.materialize_rounds)
        results.update(figures)
        peaks.append(materialize_peak)
        if args.schedule_rounds > 0:
            figures, schedule_peak = schedule_rounds(sizes, work, args.schedule_rounds)
            results.update(figures)
            peaks.append(schedule_peak)
        for n in sizes:
            got = measure_in_own_process(n, args, work)
            peaks.append(float(cast(float, got.pop("peak_rss_mb"))))
            results.update(got)
        if args.verify_rounds > 0:
            done = [n for n in sizes if n in spawned]
            results.update(verify_rounds(done, work, args.verify_rounds) if done else {})
        results.update(stage_cost(sizes))
        peaks.append(max(peak_rss_mb()))  # the processes run from here: verify, stage_cost
    small, large = label(min(sizes)), label(max(sizes))
    for template in RATIOS:
        a = results.get(template.format(k=small))
        b = results.get(template.format(k=large))
        if isinstance(a, float) and isinstance(b, float) and a > 0 and small != large:
            name = template.replace("_{k}", "").removesuffix("_s")
            results[f"{name}_ratio"] = round(b / a, 2)
    rate = results.get(f"spawn_{large}_stages_per_s")
    stages = results.get(f"schedule_{large}_stages")
    if results.get(f"spawn_{large}_s") is None and isinstance(rate, float) and stages:
        # a pass to quiescence runs about as many stages as the scheduling step did
        results[f"spawn_{large}_estimate_s"] = float(stages) / rate  # type: ignore[arg-type]
    results["peak_rss_mb"] = max(peaks)
    for key, value in results.items():
        if isinstance(value, float):
            results[key] = round(value, 3)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
