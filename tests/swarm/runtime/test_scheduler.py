"""The private scheduler of a spawn (local_luigid): it starts empty, whatever a killed run's
luigid saved."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

from swarm.runtime.scheduler import configure, local_luigid


def call(url: str, method: str, **args: object) -> dict[str, object]:
    query = urllib.parse.urlencode({"data": json.dumps(args)})
    with urllib.request.urlopen(f"{url}/api/{method}?{query}", timeout=10) as reply:
        return dict(json.loads(reply.read())["response"] or {})


def test_a_private_scheduler_forgets_the_stages_a_dead_run_left_running(tmp_path: Path) -> None:
    configure({"research": 1}, tmp_path)
    with local_luigid() as url:
        call(url, "add_worker", worker="gone-worker", info={})
        call(url, "add_task", task_id="Stage_1_1_1", status="RUNNING", worker="gone-worker")
        assert call(url, "task_list", status="RUNNING", upstream_status="")
    # luigid saved its state when it was stopped (as it does on SIGTERM)
    assert (tmp_path / "luigid-state.pickle").is_file()
    with local_luigid() as url:
        assert call(url, "task_list", status="RUNNING", upstream_status="") == {}
        assert call(url, "task_list", status="PENDING", upstream_status="") == {}
