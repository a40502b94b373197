"""Benchmark: chaos. A swarm of worker processes under one luigid on a shared plan, SIGKILLed
again and again, must end as an uninterrupted run of the same plan ends.

1. The plan is materialized twice with the same settings (a short lease, changed by a person's
   pull request as `swarm human` would, so that a killed worker's claims expire within the run).
2. Calm: one uninterrupted `swarm spawn DIR --model offline` (its own scheduler, 2+1+4 agents)
   runs the first copy to quiescence: the reference.
3. Chaos: a `luigid` (its luigi.cfg as docs/scale-out.md gives it) and --workers processes of
   `swarm spawn DIR --scheduler-url URL --model offline --research 1 --compliance 1
   --executor 1` on the second copy. At --kills + --luigid-kills moments, drawn with a seeded RNG
   from the progress of the calm run (a number of commits on main, then up to half a second),
   a random worker is SIGKILLed with its process group and started again at once, or (at
   --luigid-kills of those moments) luigid is SIGKILLed and started again on the same port and
   state file after up to two seconds. Until the last kill a worker that exits by itself is
   started again too (a supervisor's restart). If nothing moves (main, claims) for --stall
   seconds before a moment is reached, the kill comes then (stalls counts those). After the
   last kill the workers run until each has stopped by itself, which is quiescence; workers
   still running once nothing has moved for a minute (or at --timeout) are hung_workers.
4. After the lease has run out beyond the end, the two repositories are compared.

The last line of stdout is one JSON object:
- kills: SIGKILLs sent (workers and luigid).
- stages_merged_twice: (task, stage) pairs merged more than once on main's first-parent
  history of the chaos run.
- lost_stages: (task, stage) pairs that the calm run merged, for which the chaos run has no
  merge that left the task in the same state (not merged at all, or merged into another state,
  e.g. blocked after failed attempts where the calm run moved on). Both runs stop where only
  people can move things, so this also counts stages the chaos run should have reached given
  what people must do, and did not.
- fsck_ok: `git fsck --strict` exits 0 on the chaos repository.
- verify_ok: `swarm verify` exits 0 on it.
- stale_claims_after_ttl: claims not released, read with `swarm claims DIR --json` after the
  lease ran out beyond the end, on stages that are not merged on main and have no open pull
  request waiting for a person's approval (such a pull request keeps its claim by design; those
  are counted in claims_awaiting_approval, as in the calm run).
Also: unexpected_stages (merged in the chaos run only), state_mismatches (tasks whose final
state, risk tier or approval flag differ), live_claims_after_ttl (claims something still
renews), forge_disagreements (merges on main the forge does not show merged), stage_errors
(stages that raised, from the workers' logs), failure_comments (failed attempts counted on
the issues; _calm: in the calm run), worker_exits (workers that stopped by
themselves before the last kill), hung_workers and stalls (see 3), takeovers (claim
takeovers in the chaos run's claim histories), and the wall times.

Usage: python bench/chaos.py [--plan NAME|PATH] [--workers 4] [--kills 30] [--luigid-kills 2]
                             [--seed N] [--lease 10] [--timeout 900]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# bench/swarm.py is named like the package: keep this folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from planexe import read_plan  # noqa: E402
from swarm import claims  # noqa: E402
from swarm.gitstore import MAIN  # noqa: E402
from swarm.human import change_settings  # noqa: E402
from swarm.materialize import materialize  # noqa: E402
from swarm.repo import Repo, open_repo  # noqa: E402
from tests.shared_plans import PLANS, SHARED_PLANS, plan_path  # noqa: E402
from tests.swarm.runtime.central import (  # noqa: E402
    Luigid,
    forge_disagreements,
    in_group,
    kill_group,
    outcomes_on_main,
    running_stages,
    start_worker,
    stop_all,
)

HUMAN = "bench-human"
_RAISED = re.compile(r"Worker\(.*\) failed\s+StageTask\(")
_ERROR = re.compile(r"^(?:swarm\.[\w.]+|luigi\.[\w.]+|\w+Error): .*$", re.MULTILINE)
_FAILURE_MARK = "<!-- plan-swarm:failure "
DEFAULT_PLAN = "tea-eshop"  # 122 tasks, ~300 stage merges: a calm run takes about 80 s here
EXAMPLE = ROOT / "swarm/example_plan"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def resolve_plan(name: str) -> Path:
    if name in PLANS:
        return plan_path(name) if SHARED_PLANS.is_dir() else EXAMPLE
    return Path(name)


def make_repo(plan: Path, out: Path, lease: int) -> Repo:
    materialize(read_plan(plan), out, humans=(HUMAN,))
    repo = open_repo(out)
    short = repo.settings().model_copy(update={"lease_seconds": lease, "heartbeat_seconds": 1})
    assert change_settings(repo, HUMAN, short, time.time()).merged
    return open_repo(out)


def progress(repo_dir: Path) -> int:
    """Commits on main's first-parent history: cheap, and it only grows."""
    repo = open_repo(repo_dir)
    try:
        return len(repo.git.log_first_parent(MAIN))
    finally:
        repo.forge.close()


def fingerprint(repo_dir: Path) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """main and every claim ref: what changes while a swarm does anything at all."""
    repo = open_repo(repo_dir)
    try:
        return repo.git.resolve(MAIN), tuple(sorted(repo.git.refs(claims.PREFIX).items()))
    finally:
        repo.forge.close()


def calm_run(repo: Repo, work: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    with (work / "calm.log").open("wb") as out:
        code = subprocess.run(
            [sys.executable, "-m", "swarm", "spawn", str(repo.path), "--model", "offline"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode
    if code != 0:
        log(f"the calm run exited with {code}: see {work / 'calm.log'}")
    return time.monotonic() - started


class Chaos:
    """The chaos run's processes and what happened to them."""

    def __init__(self, repo: Repo, work: Path, workers: int, rng: random.Random) -> None:
        self.repo, self.work, self.rng = repo, work, rng
        self.luigid = Luigid(work / "luigid")
        self.logs = [work / f"worker-{i}.log" for i in range(workers)]
        self.procs: list[subprocess.Popen[bytes]] = []
        self.kills = self.luigid_kills = self.worker_exits = self.interrupted = self.stalls = 0

    def start(self) -> None:
        self.luigid.start()
        self.procs = [start_worker(self.repo.path, self.luigid, path) for path in self.logs]

    def restart_exited(self) -> None:
        for i, proc in enumerate(self.procs):
            if proc.poll() is not None:
                self.worker_exits += 1
                log(f"worker {i} exited by itself ({proc.returncode}); started again")
                self.procs[i] = start_worker(self.repo.path, self.luigid, self.logs[i])

    def wait_for(self, target: int, deadline: float, stall: float) -> None:
        """Until main holds `target` commits; or until nothing has changed (main, claims) for
        `stall` seconds, since a stuck swarm is part of what this measures: then the kill
        comes all the same (and may be what unsticks it)."""
        seen, since = fingerprint(self.repo.path), time.monotonic()
        while time.monotonic() < deadline and progress(self.repo.path) < target:
            self.restart_exited()
            time.sleep(0.1)
            now = fingerprint(self.repo.path)
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since > stall:
                self.stalls += 1
                log(f"nothing moved for {stall:.0f} s short of {target} commits: kill anyway")
                return

    def kill_worker(self) -> None:
        i = self.rng.randrange(len(self.procs))
        victim = self.procs[i]
        try:
            running = running_stages(self.luigid.url)
        except OSError:
            running = []  # luigid restarting: the kill happens all the same
        stages = [(t, s) for t, s, pid in running if in_group(pid, victim.pid)]
        kill_group(victim)
        self.kills += 1
        self.interrupted += len(stages)
        log(f"kill {self.kills}: worker {i} (pid {victim.pid}) running {stages}")
        self.procs[i] = start_worker(self.repo.path, self.luigid, self.logs[i])

    def kill_luigid(self) -> None:
        self.luigid.kill()
        self.kills += 1
        self.luigid_kills += 1
        down = self.rng.uniform(0.2, 2.0)
        log(f"kill {self.kills}: luigid (pid {self.luigid.proc.pid if self.luigid.proc else '?'})"
            f", down for {down:.1f} s")  # fmt: skip
        time.sleep(down)
        self.luigid.start()  # the same port and state file

    def quiesce(self, deadline: float, idle: float) -> int:
        """Wait until every worker has stopped by itself. Workers still running when nothing
        (main, claims) has changed for `idle` seconds, or at the deadline, are hung: they are
        counted and stopped."""
        seen, since = fingerprint(self.repo.path), time.monotonic()
        while time.monotonic() < deadline and any(p.poll() is None for p in self.procs):
            time.sleep(0.2)
            now = fingerprint(self.repo.path)
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since > idle:
                break
        hung = [i for i, p in enumerate(self.procs) if p.poll() is None]
        if hung:
            log(f"workers {hung} still running with nothing moving for {idle:.0f} s: hung")
        stop_all(self.procs)
        return len(hung)

    def stop(self) -> None:
        stop_all(self.procs)
        self.luigid.stop()


def stage_errors(logs: list[Path]) -> tuple[int, list[str]]:
    """Stages that raised (bugs, not outcomes), in every incarnation of every worker: luigi
    logs each as "Worker … failed    StageTask(…)", then the traceback, whose last line is the
    error; a killed worker printed no summary, so its log is what there is."""
    count, errors = 0, []
    for path in logs:
        text = path.read_text(errors="replace") if path.exists() else ""
        count += len(_RAISED.findall(text))
        errors += _ERROR.findall(text)
    return count, errors


def failure_comments(repo: Repo) -> int:
    """Failed attempts the workers counted on the issues (swarm.runtime.failures): each one
    brings its stage closer to `max_stage_attempts`, after which the task is blocked."""
    return sum(
        1
        for issue in repo.forge.list_issues()
        for c in repo.forge.list_comments(issue.number)
        if c.body.startswith(_FAILURE_MARK)
    )


def claims_json(repo_dir: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    answer = subprocess.run(
        [sys.executable, "-m", "swarm", "claims", str(repo_dir), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(answer.stdout))


def awaiting_approval(repo: Repo) -> set[tuple[str, str]]:
    return {(p.task_key, p.stage) for p in repo.forge.list_pull_requests("open")}


def final_states(repo: Repo) -> dict[str, tuple[str, int | None, bool | None]]:
    return {t.id: (t.state.value, t.risk_tier, t.approval_required) for t in repo.tasks()}


def exit_code(command: list[str]) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, env=env, capture_output=True, check=False).returncode


def compare(calm: Repo, chaos: Repo) -> dict[str, Any]:
    calm_out, chaos_out = outcomes_on_main(calm), outcomes_on_main(chaos)
    twice = sorted(k for k, states in chaos_out.items() if len(states) > 1)
    lost = sorted(k for k, states in calm_out.items() if states[0] not in chaos_out.get(k, []))
    extra = sorted(set(chaos_out) - set(calm_out))
    calm_states, chaos_states = final_states(calm), final_states(chaos)
    mismatches = sorted(t for t in calm_states if calm_states[t] != chaos_states.get(t))
    if twice or lost or extra or mismatches:
        log(f"twice {twice[:10]}, lost {lost[:10]}, extra {extra[:10]}")
        for t in mismatches[:10]:
            log(f"task {t}: calm {calm_states[t]}, chaos {chaos_states.get(t)}")
    return {
        "stages_merged_twice": len(twice),
        "lost_stages": len(lost),
        "unexpected_stages": len(extra),
        "state_mismatches": len(mismatches),
        "stages_merged": sum(len(v) for v in chaos_out.values()),
        "stages_merged_calm": sum(len(v) for v in calm_out.values()),
    }


def claim_findings(repo: Repo, now: float) -> dict[str, int]:
    merged = set(outcomes_on_main(repo))
    waiting = awaiting_approval(repo)
    held = [c for c in claims_json(repo.path) if c["status"] != "released"]
    stale = [
        c
        for c in held
        if (c["task"], c["stage"]) not in merged and (c["task"], c["stage"]) not in waiting
    ]
    for c in stale:
        log(f"stale claim: {c}")
    takeovers = sum(
        1
        for c in claims.list_claims(repo.git)
        for r in claims.history(repo.git, c.task, c.stage)
        if r.action == "takeover"
    )
    return {
        "stale_claims_after_ttl": len(stale),
        "claims_awaiting_approval": sum(1 for c in held if (c["task"], c["stage"]) in waiting),
        "live_claims_after_ttl": sum(1 for c in held if float(c["expires"]) > now),
        "takeovers": takeovers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", default=DEFAULT_PLAN, help="a shared plan's name or a path")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kills", type=int, default=30, help="SIGKILLs of workers")
    parser.add_argument("--luigid-kills", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--lease", type=int, default=10, help="seconds; swarm.yaml allows >= 10")
    parser.add_argument("--timeout", type=float, default=900.0, help="for the chaos run")
    parser.add_argument(
        "--stall", type=float, default=30.0, help="kill anyway when nothing moved for this long"
    )
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep it")
    args = parser.parse_args()
    plan = resolve_plan(args.plan)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-chaos-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        calm = make_repo(plan, work / "calm", args.lease)
        chaos_repo = make_repo(plan, work / "chaos", args.lease)
        log(f"{plan.name}: {len(calm.tasks())} tasks; the calm run ...")
        calm_s = calm_run(calm, work)
        calm = open_repo(calm.path)
        total = progress(calm.path)
        log(f"calm: {calm_s:.1f} s, {total} commits on main")

        events = args.kills + args.luigid_kills
        start = progress(chaos_repo.path)
        # moments spread over the run, leaving its last tenth for the end: by progress, not the
        # clock, so they land in work under way on a fast machine and a slow one alike
        span = range(start + 1, max(int(total * 0.9), start + events + 1))
        targets = sorted(rng.sample(span, events))
        luigid_at = set(rng.sample(range(events), args.luigid_kills))
        chaos = Chaos(chaos_repo, work, args.workers, rng)
        chaos_started = time.monotonic()
        deadline = chaos_started + args.timeout
        hung = 0
        try:
            chaos.start()
            for n, target in enumerate(targets):
                chaos.wait_for(target, deadline, args.stall)
                time.sleep(rng.uniform(0.0, 0.5))
                if n in luigid_at:
                    chaos.kill_luigid()
                else:
                    chaos.kill_worker()
            log(f"{chaos.kills} kills done after {time.monotonic() - chaos_started:.1f} s; "
                "waiting for quiescence")  # fmt: skip
            hung = chaos.quiesce(deadline, idle=max(60.0, 3.0 * args.lease))
        finally:
            chaos.stop()
        chaos_s = time.monotonic() - chaos_started
        ended = time.time()
        log(f"chaos: {chaos_s:.1f} s; waiting out the lease ({args.lease} s)")
        time.sleep(max(ended + args.lease + 1 - time.time(), 0))
        chaos_repo = open_repo(chaos_repo.path)
        fsck = ["git", "-C", str(chaos_repo.path), "fsck", "--strict", "--no-progress"]
        out: dict[str, Any] = {
            "kills": chaos.kills,
            **compare(calm, chaos_repo),
            "fsck_ok": exit_code(fsck) == 0,
            "verify_ok": exit_code([sys.executable, "-m", "swarm", "verify", str(work / "chaos")])
            == 0,
            **claim_findings(chaos_repo, time.time()),
        }
        error_count, errors = stage_errors(chaos.logs)
        for line in errors[:10]:
            log(f"stage error: {line}")
        out |= {
            "luigid_kills": chaos.luigid_kills,
            "interrupted_stages": chaos.interrupted,
            "worker_exits": chaos.worker_exits,
            "hung_workers": hung,
            "stalls": chaos.stalls,
            "forge_disagreements": len(forge_disagreements(chaos_repo)),
            "stage_errors": error_count,
            "failure_comments": failure_comments(chaos_repo),
            "failure_comments_calm": failure_comments(calm),
            "plan": plan.name,
            "workers": args.workers,
            "seed": args.seed,
            "calm_s": round(calm_s, 1),
            "chaos_s": round(chaos_s, 1),
            "wall_s": round(time.monotonic() - started, 1),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
