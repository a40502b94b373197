"""A repository of the example plan the offline swarm has carried as far as agents can (built
once, by the real commands), so the repository watcher's tests start from a settled swarm."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from swarm.cli.demo import DEMO_HUMAN, example_plan_path
from tests.swarm.cli.cli_helpers import run_swarm


@pytest.fixture(scope="session")
def settled_template(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("watch-template") / "repo"
    made = run_swarm("materialize", example_plan_path(), "--out", out, "--human", DEMO_HUMAN)
    assert made.code == 0, made.err
    spawned = run_swarm("spawn", out, "--model", "offline")
    assert spawned.code == 0, spawned.out + spawned.err
    return out


@pytest.fixture
def settled_repo(settled_template: Path, tmp_path: Path) -> Path:
    """A private copy of the settled repository: two pull requests await approval."""
    return Path(shutil.copytree(settled_template, tmp_path / "repo", symlinks=True))
