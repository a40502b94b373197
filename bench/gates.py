"""Benchmark: the gates on one pull request, `swarm verify` over 1,000 merges, and a claim race.

- gate_ms_median: judging one task's research pull request on the largest shared plan,
  in-process (three-way merge in memory, diff, gates), median of 50.
- verify_1000_merges_s: `swarm verify` replaying a history of 1,000 merges (research and
  compliance of 500 tasks of a synthetic plan), and the first 250 merges of the same history,
  to show the cost grows linearly with history.
- claim_race_winners_max: 8 processes x 50 rounds racing for the same claim; the most winners
  any round had (must be 1).
The last line of output is one JSON object.

Usage: python bench/gates.py
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/swarm.py is named like the package: keep this folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bench import synth_plan  # noqa: E402
from swarm import claims  # noqa: E402
from swarm.gitstore import MAIN, GitStore  # noqa: E402
from swarm.integrator import judge  # noqa: E402
from swarm.verify import verify  # noqa: E402
from tests.swarm.flow import Flow  # noqa: E402

LARGEST = ROOT / "../shared/plans/us-mexico-canal/20250208_us_mexico_canal.zip"


def gate_ms(work: Path) -> float | None:
    if not LARGEST.exists():
        print(f"gate: skipped, {LARGEST} not found")
        return None
    flow = Flow(work, plan=LARGEST)
    tid = flow.repo.tasks()[0].id
    c = flow.claim(tid, "research", "research-1")
    pr = flow.propose(tid, "research", "research-1", flow.research_changes(tid), c.token)
    base = flow.repo.git.resolve(MAIN)
    assert base
    times = []
    for _ in range(50):
        start = time.perf_counter()
        verdict = judge(flow.repo.git, base, pr.head_sha, pr.author, (), flow.now)
        times.append(time.perf_counter() - start)
    assert verdict.ok, verdict.findings
    return statistics.median(times) * 1000


def history(work: Path, tasks: int) -> tuple[GitStore, str]:
    """A repository with 2 merges per task; also returns main after a quarter of them."""
    plan = synth_plan.write(work / f"plan-{tasks}", tasks)
    (work / f"verify-{tasks}").mkdir()
    flow = Flow(work / f"verify-{tasks}", plan=plan)
    quarter = ""
    for i, task in enumerate(flow.repo.tasks()[:tasks]):
        assert flow.research(task.id).merged
        assert flow.comply(task.id).merged
        if i + 1 == tasks // 4:
            quarter = flow.repo.git.resolve(MAIN) or ""
    return flow.repo.git, quarter


def verify_s(git: GitStore, rev: str = MAIN) -> tuple[float, int]:
    start = time.perf_counter()
    report = verify(git, rev)
    elapsed = time.perf_counter() - start
    assert report.ok, report.violations[:3]
    return elapsed, report.merges


def _racer(path: str, agent: str, rounds: int, barrier, results) -> None:  # type: ignore[no-untyped-def]
    store = GitStore.open(Path(path))
    won = []
    for r in range(rounds):
        barrier.wait()
        try:
            claims.acquire(store, f"9.9.{r}", "research", agent, 60.0, 1e9)
            won.append(r)
        except claims.ClaimTaken:
            pass
    results.put(won)


def race(work: Path, procs: int = 8, rounds: int = 50) -> int:
    store = GitStore.init_bare(work / "race.git")
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(procs), ctx.Queue()
    workers = [
        ctx.Process(target=_racer, args=(str(store.path), f"a{i}", rounds, barrier, results))
        for i in range(procs)
    ]
    for w in workers:
        w.start()
    won = [results.get(timeout=300) for _ in workers]
    for w in workers:
        w.join()
    return max(sum(r in w for w in won) for r in range(rounds))


def main() -> None:
    out: dict[str, float | int | None] = {}
    with tempfile.TemporaryDirectory(prefix="bench-gates-") as tmp:
        work = Path(tmp)
        out["gate_ms_median"] = gate_ms(work)
        git, quarter = history(work, 500)
        small, small_merges = verify_s(git, quarter)
        large, large_merges = verify_s(git)
        out["verify_1000_merges_s"] = large
        out["verify_merges"] = large_merges
        out["verify_250_merges_s"] = small
        out["verify_ratio_4x_merges"] = large / small
        out["claim_race_winners_max"] = race(work)
    for key, value in out.items():
        if isinstance(value, float):
            out[key] = round(value, 3)
    print(
        f"gate {out['gate_ms_median']} ms median; verify {small_merges} merges "
        f"{out['verify_250_merges_s']} s, {large_merges} merges {out['verify_1000_merges_s']} s;"
        f" claim race max winners {out['claim_race_winners_max']}"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
