"""Benchmark: the GitHub forge's request budget and pace, against the contract server.

On the largest shared plan (us-mexico-canal), through the real PyGithub client and git over
smart HTTP to ghcontract's loopback GitHub (which validates every request and response):

- calls_per_task_materialize: REST calls `swarm materialize --forge github` makes, per task.
- materialize_s_at_default_pacing: its wall time with the default pacing (80 content-creating
  requests a minute), which is what bounds it on GitHub.
- calls_per_stage: REST calls of an offline `swarm spawn --forge github` to quiescence, per
  stage merged (writes paced fast here: pacing is time, not calls). Reads and writes are both
  counted; git smart-HTTP exchanges (claims, branches, fetches) are reported apart, as
  `git_requests_per_stage`: they do not count against GitHub's REST quota.
- violations: requests or responses that broke GitHub's REST description (must be 0).
Targets: at most 2 calls per task to materialize and at most 5 per stage.
The last line of output is one JSON object.

Usage: python bench/github.py [--plan PATH] [--fast] [--no-spawn]
       (--fast: skip the paced run; --no-spawn: materialize only)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from ghcontract.pytest_plugin import BOT_TOKEN, USERS  # noqa: E402
from ghcontract.server import ContractServer  # noqa: E402
from swarm.cli import main  # noqa: E402
from swarm.repo import open_repo  # noqa: E402
from tests.shared_plans import largest  # noqa: E402
from tests.swarm.runtime.invariants import merges  # noqa: E402

AGENTS = ["--research", "2", "--compliance", "1", "--executor", "4"]


def swarm(*args: object) -> int:
    return main([str(a) for a in args])


def materialize(plan: Path, out: Path, name: str, writes_per_minute: float) -> float:
    started = time.perf_counter()
    code = swarm(
        "materialize", plan, "--out", out, "--forge", "github", "--repo", f"swarm-bot/{name}",
        "--writes-per-minute", writes_per_minute, "--human", "alice",
    )  # fmt: skip
    assert code == 0, code
    return time.perf_counter() - started


def rest_calls(server: ContractServer) -> Counter[tuple[str, str]]:
    return server.calls.counter()


def run(plan: Path, work: Path, paced: bool, swarm_run: bool = True) -> dict[str, object]:
    out: dict[str, object] = {"plan": plan.name}
    with ContractServer(work / "github", USERS, orgs=["swarm-org"]) as server:
        os.environ["GITHUB_TOKEN"] = BOT_TOKEN
        os.environ["GITHUB_API_URL"] = server.api_url
        seconds = materialize(plan, work / "fast", "fast", 1e6)
        tasks = len(open_repo(work / "fast").tasks())
        calls = sum(rest_calls(server).values())
        out |= {
            "tasks": tasks,
            "materialize_calls": calls,
            "calls_per_task_materialize": round(calls / tasks, 3),
            "materialize_s_unpaced": round(seconds, 2),
        }
        print(f"materialize: {calls} calls for {tasks} tasks, {seconds:.1f} s", file=sys.stderr)
        if paced:
            paced_s = materialize(plan, work / "paced", "paced", 80)
            out["materialize_s_at_default_pacing"] = round(paced_s, 1)
            print(f"materialize at 80 writes/min: {paced_s:.1f} s", file=sys.stderr)
        if not swarm_run:
            out["violations"] = len(server.violations)
            return out
        before, git_before = rest_calls(server), len(server.git_calls)
        started = time.perf_counter()
        code = swarm(
            "spawn", work / "fast", "--forge", "github", "--repo", "swarm-bot/fast", *AGENTS
        )
        spawn_s = time.perf_counter() - started
        stages = sum(merges(open_repo(work / "fast"), authors=False).values())
        spent = rest_calls(server) - before
        spawn_calls = sum(spent.values())
        git_calls = len(server.git_calls) - git_before
        out |= {
            "spawn_exit": code,
            "stages_merged": stages,
            "spawn_calls": spawn_calls,
            "calls_per_stage": round(spawn_calls / max(stages, 1), 3),
            "reads_per_stage": round(
                sum(n for (m, _p), n in spent.items() if m == "GET") / max(stages, 1), 3
            ),
            "git_requests_per_stage": round(git_calls / max(stages, 1), 3),
            "spawn_s": round(spawn_s, 1),
            "spawn_calls_by_endpoint": {f"{m} {p}": n for (m, p), n in spent.most_common()},
            "violations": len(server.violations),
        }
        print(f"spawn: {spawn_calls} calls for {stages} stages, {spawn_s:.1f} s", file=sys.stderr)
    return out


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plan", type=Path, default=largest())
    parser.add_argument("--fast", action="store_true", help="skip the run at default pacing")
    parser.add_argument("--no-spawn", action="store_true", help="materialize only")
    args = parser.parse_args()
    if not args.plan.exists():
        sys.exit(f"{args.plan}: not found (the shared plans belong beside the project)")
    with tempfile.TemporaryDirectory(prefix="bench-github-") as tmp:
        result = run(args.plan, Path(tmp), not args.fast, not args.no_spawn)
    print(json.dumps(result))


if __name__ == "__main__":
    cli()
