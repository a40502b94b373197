"""Benchmark: the swarm's speed and how well it uses N agents.

- offline_run_s: the largest shared plan, every stage, offline engine, N=7 agents
  (2 research, 1 compliance, 4 executor), from materialized to quiescent.
- overhead_ms_per_stage: the runtime's own time per stage (claim, propose, gates, merge,
  bookkeeping), the engine's time excluded: median over the stages of an offline run of the
  same plan with one agent (no other stage competing for the 2 cores); and the same under the
  7-agent run (overhead_ms_per_stage_n7), where stages share the cores.
- For N = 1, 2, 4, 8 agents in all (each role may use up to N of them) with every model call
  taking 0.2 s (litellm's
  mock_delay, via bench/rehearsal_model.py): the makespan, and efficiency = lower bound /
  makespan, the lower bound being max(critical path, total work / N) with work = the stages'
  measured durations and the critical path the longest chain of stages through research,
  compliance, execution and the dependencies between executions.
The last line is one JSON object.

Usage: python bench/swarm.py [--plan PATH] [--latency 0.2] [--ns 1,2,4,8]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# this file is named like the package: keep its folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bench import rehearsal_model  # noqa: E402
from planexe import read_plan  # noqa: E402
from swarm.materialize import materialize  # noqa: E402
from swarm.repo import open_repo  # noqa: E402
from swarm.runtime.engines import engine_spec  # noqa: E402
from swarm.runtime.spawn import SpawnOptions, spawn  # noqa: E402

LARGEST = ROOT / "../shared/plans/us-mexico-canal/20250208_us_mexico_canal.zip"
EXAMPLE = ROOT / "swarm/example_plan"


def run(plan_path: Path, work: Path, name: str, options: SpawnOptions) -> dict:
    out = work / name
    materialize(read_plan(plan_path), out, humans=("bench-human",))
    start = time.perf_counter()
    report = spawn(out, options, sleep=time.sleep)
    wall = time.perf_counter() - start
    assert not report.luigi_failures, report.failures
    return {"wall": wall, "report": report, "repo": open_repo(out)}


def merged(run_result: dict) -> list[dict]:  # type: ignore[type-arg]
    return [r for r in run_result["report"].results if r["outcome"] == "merged"]


def overhead_ms(run_result: dict) -> float:  # type: ignore[type-arg]
    rows = merged(run_result)
    return round(
        statistics.median(float(r["seconds"]) - float(r["engine_seconds"]) for r in rows) * 1000, 1
    )


def critical_path(repo, results) -> float:  # type: ignore[no-untyped-def]
    """Longest chain of measured stage durations through the workflow's dependencies."""
    took = {}
    for r in results:
        if r["outcome"] in ("merged", "blocked", "awaiting-approval"):
            took[(r["task"], r["stage"])] = float(r["seconds"])
    deps = {t.id: t.depends_on for t in repo.tasks()}

    @cache
    def finish(task: str, stage: str) -> float:
        own = took.get((task, stage), 0.0)
        if stage == "research":
            return own
        if stage == "compliance":
            return own + finish(task, "research")
        before = [finish(task, "compliance")] + [finish(d, "execute") for d in deps.get(task, ())]
        return own + max(before)

    return max((finish(t, s) for t, s in took), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plan", type=Path, default=LARGEST if LARGEST.exists() else EXAMPLE)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--ns", default="1,2,4,8")
    args = parser.parse_args()
    out: dict[str, object] = {"plan": args.plan.name}
    with tempfile.TemporaryDirectory(prefix="bench-swarm-") as tmp:
        work = Path(tmp)
        offline = run(args.plan, work, "offline", SpawnOptions(engine_spec("offline")))
        out["offline_run_s"] = round(offline["wall"], 2)
        out["stages"] = len(merged(offline))
        out["overhead_ms_per_stage_n7"] = overhead_ms(offline)
        single = run(
            args.plan, work, "offline-1", SpawnOptions(engine_spec("offline"), 1, 1, 1, workers=1)
        )
        out["overhead_ms_per_stage"] = overhead_ms(single)
        print(
            f"offline: {out['offline_run_s']} s for {out['stages']} stages with 7 agents; "
            f"runtime overhead {out['overhead_ms_per_stage']} ms/stage median with 1 agent, "
            f"{out['overhead_ms_per_stage_n7']} ms with 7 sharing 2 cores"
        )
        rehearsal_model.register(args.latency)
        for n in [int(x) for x in args.ns.split(",")]:
            spec = engine_spec("rehearsal/fast")
            got = run(args.plan, work, f"n{n}", SpawnOptions(spec, n, n, n, workers=n))
            results = got["report"].results
            work_s = sum(float(r["seconds"]) for r in results)
            path = critical_path(got["repo"], results)
            bound = max(path, work_s / n)
            out[f"makespan_n{n}_s"] = round(got["wall"], 2)
            out[f"efficiency_n{n}"] = round(bound / got["wall"], 3)
            print(
                f"N={n}: makespan {got['wall']:.2f} s, work {work_s:.2f} s, critical path "
                f"{path:.2f} s, efficiency {bound / got['wall']:.3f}"
            )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
