"""A real luigid and real `swarm spawn --scheduler-url` worker processes, for the central
scheduler test and bench/chaos.py: what docs/scale-out.md tells a person to run, as processes.

luigid reads its settings from a luigi.cfg (LUIGI_CONFIG_PATH), not from the workers: the role
pools ([resources]; luigid's default for a resource it is not told of is 1), how soon a dead
worker's stages go back to pending, and that a stage that raised is not retried within the
pass. The workers read the same file for their side: how often and how long they retry a
luigid that does not answer (luigi's default, 3 tries 30 s apart, stalls every worker for 30 s
at each luigid restart). luigid cannot be given port 0: the test picks a free port.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from swarm.gitstore import MAIN
from swarm.repo import Repo
from swarm.runtime.scheduler import free_port, wait_until_up
from swarm.trailers import parse

ROOT = Path(__file__).resolve().parents[3]
POOLS = {"research": 2, "compliance": 1, "executor": 4}


def luigi_cfg(pools: Mapping[str, int] = POOLS) -> str:
    """One luigi.cfg for luigid and the workers, as docs/scale-out.md gives it."""
    resources = "".join(f"{pool}={count}\n" for pool, count in pools.items())
    return (
        "# the role pools across all workers: luigid counts 1 for a resource it is not told\n"
        f"[resources]\n{resources}"
        "[scheduler]\n"
        "# a stage that raised is given up for the pass; the next pass tries it again\n"
        "retry_count=1\n"
        "# a worker silent for 5 s is dead: its running stages go back to the others ...\n"
        "worker_disconnect_delay=5\n"
        "# ... checked at every request for work, not only in luigid's 60 s prune\n"
        "prune_on_get_work=true\n"
        "record_task_history=false\n"
        "[core]\n"
        "# workers wait out a luigid restart (a minute), asking every second\n"
        "rpc-retry-attempts=60\n"
        "rpc-retry-wait=1\n"
    )


class Luigid:
    """luigid on loopback with its state file, log and config under `home`; restartable on
    the same port and state file."""

    def __init__(self, home: Path, port: int | None = None, pools: Mapping[str, int] = POOLS):
        self.home = home
        self.port = port or free_port()
        self.config = home / "luigi.cfg"
        self.state = home / "luigid-state.pickle"
        self.logdir = home / "luigid-log"  # luigid fails at start if it is missing
        self.proc: subprocess.Popen[bytes] | None = None
        home.mkdir(parents=True, exist_ok=True)
        self.logdir.mkdir(exist_ok=True)
        self.config.write_text(luigi_cfg(pools))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LUIGI_CONFIG_PATH": str(self.config),
        }

    def start(self) -> None:
        luigid = Path(sys.executable).with_name("luigid")
        with (self.home / "luigid.out").open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    str(luigid),
                    "--address",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--state-path",
                    str(self.state),
                    "--logdir",
                    str(self.logdir),
                ],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(self.url)

    def kill(self) -> None:
        """SIGKILL: luigid writes its state file only on a clean stop, so this loses it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, the clean stop (luigid saves its state); SIGKILL if it hangs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(
    repo_dir: Path,
    luigid: Luigid,
    log: Path,
    agents: tuple[int, int, int] = (1, 1, 1),
    extra: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """`swarm spawn DIR --scheduler-url URL --model offline` in its own process group (its
    luigi workers are forks of it and must die with it). `agents` = research, compliance,
    executor: with a scheduler URL they only size this process's luigi workers; the pools
    that bound the swarm are luigid's [resources]."""
    research, compliance, executor = agents
    command = [sys.executable, "-m", "swarm", "spawn", str(repo_dir), "--model", "offline"]
    command += ["--scheduler-url", luigid.url, "--research", str(research)]
    command += ["--compliance", str(compliance), "--executor", str(executor), "--json", *extra]
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=repo_dir.parent,
            env=luigid.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a worker with its whole process group, as a crash or an OOM kill would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            kill_group(proc)


def wait_all(procs: list[subprocess.Popen[bytes]], timeout: float) -> list[int | None]:
    deadline = time.monotonic() + timeout
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
    return [proc.poll() for proc in procs]


def running_stages(url: str) -> list[tuple[str, str, int]]:
    """(plan task, stage, worker pid) of every stage luigid shows running: the worker's id
    names its pid, so a test can tell which stages a worker process it kills was running."""
    query = urllib.parse.quote(json.dumps({"status": "RUNNING", "upstream_status": ""}))
    with urllib.request.urlopen(f"{url}/api/task_list?data={query}", timeout=10) as answer:
        tasks = json.load(answer)["response"]
    out = []
    for task in tasks.values():
        pid = re.search(r"pid=(\d+)", task.get("worker_running") or "")
        params = task.get("params") or {}
        if pid and "plan_task" in params:
            out.append((params["plan_task"], params["stage"], int(pid.group(1))))
    return out


def pools(url: str) -> dict[str, int]:
    """The role pools luigid enforces (its [resources]), as it reports them."""
    with urllib.request.urlopen(f"{url}/api/resource_list?data={{}}", timeout=10) as answer:
        return {r["name"]: int(r["num_total"]) for r in json.load(answer)["response"]}


def in_group(pid: int, group: int) -> bool:
    try:
        return os.getpgid(pid) == group
    except ProcessLookupError:
        return False


def group_members(group: int) -> list[int]:
    """The live processes of a process group (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == group:
                out.append(int(stat.parent.name))
    return out


def outcomes_on_main(repo: Repo) -> dict[tuple[str, str], list[str]]:
    """(task, stage) -> the task's state after each merge of that stage on main's first-parent
    history, oldest first: a stage merged twice has two entries, a stage that ended in
    `blocked` says so."""
    out: dict[tuple[str, str], list[str]] = {}
    for commit in reversed(repo.git.log_first_parent(MAIN)):
        info = repo.git.commit_info(commit)
        t = parse(info.message)
        if len(info.parents) != 2 or "Swarm-Task" not in t:
            continue
        task = repo.task(t["Swarm-Task"], commit)
        state = task.state.value if task is not None else "missing"
        out.setdefault((t["Swarm-Task"], t["Swarm-Stage"]), []).append(state)
    return out


def forge_disagreements(repo: Repo) -> list[str]:
    """Pull requests whose merge is on main but that the forge does not show merged (or with
    another merge commit): the forge and main must tell the same story."""
    prs = {p.number: p for p in repo.forge.list_pull_requests()}
    out = []
    for commit in repo.git.log_first_parent(MAIN):
        number = parse(repo.git.commit_info(commit).message).get("Swarm-PR")
        if number is None:
            continue
        pr = prs.get(int(number))
        if pr is None or pr.state != "merged" or pr.merge_sha != commit:
            state = pr.state if pr is not None else "missing"
            out.append(
                f"#{number} ({pr.task_key if pr else '?'} {pr.stage if pr else '?'}) "
                f"is merged on main as {commit[:12]} but {state} on the forge"
            )
    return out
