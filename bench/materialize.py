"""Benchmark: `swarm materialize` on the largest shared plan and on a synthetic 10,000-task plan,
against a naive baseline that renders the same files, writes them to disk and runs the git
command line to add and commit them (then creates the same issues).

Each figure is the median of --repeat runs. In-process runs exclude interpreter start-up; whole
command runs are `python -m swarm materialize …` in a child process, start-up and imports
included. The last line of output is one JSON object.

Usage: python bench/materialize.py [--repeat 3] [--tasks 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/swarm.py is named like the package: keep this folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bench import synth_plan  # noqa: E402
from planexe import read_plan  # noqa: E402
from swarm.forge.local import LocalForge  # noqa: E402
from swarm.issue_sync import sync_issues  # noqa: E402
from swarm.materialize import build_tree, default_settings, materialize  # noqa: E402
from swarm.plan_tasks import build_tasks  # noqa: E402

LARGEST = ROOT / "../shared/plans/us-mexico-canal/20250208_us_mexico_canal.zip"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def median_time(run: Callable[[Path], None], work: Path, repeat: int) -> float:
    times = []
    for i in range(repeat):
        out = work / f"run-{time.monotonic_ns()}-{i}"
        start = time.perf_counter()
        run(out)
        times.append(time.perf_counter() - start)
        shutil.rmtree(out, ignore_errors=True)
    return statistics.median(times)


def ours_in_process(plan_path: Path) -> Callable[[Path], None]:
    def run(out: Path) -> None:
        materialize(read_plan(plan_path), out)

    return run


def ours_command(plan_path: Path) -> Callable[[Path], None]:
    def run(out: Path) -> None:
        subprocess.run(
            [sys.executable, "-m", "swarm", "materialize", str(plan_path), "--out", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
        )

    return run


def baseline(plan_path: Path) -> Callable[[Path], None]:
    """The naive way: same reading and rendering, then files on disk and the git CLI."""

    def run(out: Path) -> None:
        plan = read_plan(plan_path)
        tasks = build_tasks(plan)
        files = build_tree(plan, default_settings(plan), tasks)
        work = out.with_name(out.name + "-work")
        for rel, data in files.items():
            path = work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        # the same result as ours, a bare repository, without a clone: git-dir and work tree apart
        env = os.environ | GIT_ENV
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(out)], check=True, env=env)
        env |= {"GIT_DIR": str(out), "GIT_WORK_TREE": str(work)}
        subprocess.run(["git", "add", "-A"], check=True, env=env, cwd=work)
        subprocess.run(
            ["git", "commit", "-q", "-m", "Materialize plan"], check=True, env=env, cwd=work
        )
        shutil.rmtree(work)
        with LocalForge.create(out) as forge:
            sync_issues(forge, tasks)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args()
    results: dict[str, float | int | None] = {}
    with tempfile.TemporaryDirectory(prefix="bench-materialize-") as tmp:
        work = Path(tmp)
        synthetic = synth_plan.write(work / "synthetic-plan", args.tasks)
        if LARGEST.exists():
            results["real_plan_s"] = median_time(ours_command(LARGEST), work, args.repeat)
            results["real_plan_in_process_s"] = median_time(
                ours_in_process(LARGEST), work, args.repeat
            )
            print(
                f"largest shared plan: {results['real_plan_s']:.3f} s as a command, "
                f"{results['real_plan_in_process_s']:.3f} s in-process"
            )
        else:
            results["real_plan_s"] = None
            print(f"largest shared plan: skipped, {LARGEST} not found")
        results["synthetic_10k_s"] = median_time(ours_command(synthetic), work, args.repeat)
        results["synthetic_10k_in_process_s"] = median_time(
            ours_in_process(synthetic), work, args.repeat
        )
        results["baseline_10k_s"] = median_time(baseline(synthetic), work, args.repeat)
    results["tasks"] = args.tasks
    results["speedup_vs_baseline"] = round(
        float(results["baseline_10k_s"] or 0) / float(results["synthetic_10k_in_process_s"] or 1),
        2,
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results["peak_rss_mb"] = round(max(own, children) / 1024, 1)
    for key, value in results.items():
        if isinstance(value, float):
            results[key] = round(value, 3)
    print(
        f"synthetic {args.tasks}: {results['synthetic_10k_s']} s as a command, "
        f"{results['synthetic_10k_in_process_s']} s in-process; naive baseline "
        f"{results['baseline_10k_s']} s in-process; speedup {results['speedup_vs_baseline']}x"
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
