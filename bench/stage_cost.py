"""Benchmark: what one stage costs on a 1,000-task plan and on a 10,000-task one, measured in
one process with the sizes interleaved, so that the machine's drift weighs on both alike.

`bench/scale.py` runs each size to quiescence, some ten minutes apart at 10,000 tasks, on a
VM whose speed drifts by more than the growth it looks for (the same verify cost 2.9 and 3.9
ms of CPU a commit half an hour apart). Here both plans are materialized (bench/synth_plan.py)
and their stages run in this one process, in batches, taking turns: a batch of --batch stages
of the small plan, one of the large, then the large first, and so on (ABBA) for --rounds
rounds (fewer stages a batch when a plan has too few tasks for --batch). A stage is what
a luigi worker runs for one (task, stage) (`StageTask.run`: claim, the
offline engine's work, a pull request, the gates, the merge), without luigid: scale.py measures
scheduling alone. The tasks are taken evenly across each plan, research then compliance (those
have no dependencies on other tasks), so that their commits write into every phase's folders,
as a run does once it has spread. Every stage must merge, or the figure would be of something
else; the bench fails if one does not.

Last line of stdout, one JSON object: stage_cpu_ms_<size> (the median over the batches of CPU
milliseconds a stage), stage_cpu_ms_<size>_batches, stage_cpu_ms_ratio (large over small: 1
means a stage costs the same on the larger plan) and stage_batch_ratios (each round's ratio).
bench/scale.py runs it and reports these figures with its own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bench import synth_plan  # noqa: E402
from bench.scale import label, pair_ratios, round_order  # noqa: E402
from planexe import read_plan  # noqa: E402
from swarm.materialize import materialize  # noqa: E402
from swarm.repo import open_repo  # noqa: E402
from swarm.runtime.engines import engine_spec  # noqa: E402
from swarm.runtime.graph import StageTask, read_results  # noqa: E402

STAGES = ("research", "compliance")


def stages_spread(repo_dir: Path, count: int) -> list[tuple[str, str]]:
    """`count` (task, stage) pairs, research then compliance of tasks taken evenly across the
    plan."""
    tasks = sorted(t.id for t in open_repo(repo_dir).tasks())
    step = max(1, len(tasks) // max(1, count // len(STAGES)))
    return [(task, stage) for task in tasks[::step] for stage in STAGES][:count]


def run_batch(repo_dir: Path, batch: list[tuple[str, str]], run_id: str) -> float:
    """CPU milliseconds a stage over `batch`, each stage run as a luigi worker runs it."""
    spec = engine_spec("offline")
    start = time.process_time()
    for task, stage in batch:
        StageTask(
            repo_dir=str(repo_dir), plan_task=task, stage=stage, run_id=run_id, engine_spec=spec
        ).run()
    return (time.process_time() - start) / len(batch) * 1000


def check_merged(repo_dir: Path, run_id: str, expected: int) -> None:
    results = read_results(repo_dir, run_id)
    merged = sum(1 for r in results if r["outcome"] == "merged")
    if merged != expected:
        others = [r for r in results if r["outcome"] != "merged"][:3]
        raise SystemExit(f"{repo_dir}: {merged} of {expected} stages merged; e.g. {others}")


def measure(sizes: list[int], work: Path, rounds: int, batch: int) -> dict[str, object]:
    repos: dict[int, Path] = {}
    for n in sizes:
        repos[n] = work / f"repo-{n}"
        materialize(read_plan(synth_plan.write(work / f"plan-{n}", n)), repos[n])
    todo = {n: stages_spread(repos[n], rounds * batch) for n in sizes}
    batch = min(len(stages) for stages in todo.values()) // rounds  # a small plan has fewer
    if batch == 0:
        raise SystemExit(f"the plans are too small for {rounds} rounds of stages")
    run_id = uuid.uuid4().hex[:12]
    runs: dict[int, list[float]] = {n: [] for n in sizes}
    for round_no in range(rounds):
        for n in round_order(sizes, round_no):
            part = todo[n][round_no * batch : (round_no + 1) * batch]
            runs[n].append(run_batch(repos[n], part, run_id))
    got: dict[str, object] = {"sizes": sizes, "rounds": rounds, "batch": batch}
    for n in sizes:
        check_merged(repos[n], run_id, rounds * batch)
        got[f"stage_cpu_ms_{label(n)}"] = round(statistics.median(runs[n]), 3)
        got[f"stage_cpu_ms_{label(n)}_batches"] = [round(x, 2) for x in runs[n]]
    small, large = min(sizes), max(sizes)
    if small != large:
        got["stage_cpu_ms_ratio"] = round(
            statistics.median(runs[large]) / statistics.median(runs[small]), 3
        )
        got["stage_batch_ratios"] = pair_ratios(runs[small], runs[large])
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--batch", type=int, default=40, help="stages of one size a round")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-stage-") as work:
        print(json.dumps(measure(sizes, Path(work), args.rounds, args.batch)))


if __name__ == "__main__":
    main()
