"""Fixtures for the CLI tests: the bad inputs (built once), and materialized repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from planexe import read_plan
from swarm.cli.demo import example_plan_path
from swarm.materialize import materialize
from tests.swarm.cli.cli_helpers import build_bad_inputs


@pytest.fixture(scope="session")
def bad_inputs(tmp_path_factory) -> dict[str, Path]:
    """name -> a plan the CLI must refuse; shared, so tests must never write into them."""
    return build_bad_inputs(tmp_path_factory.mktemp("bad-inputs"))


@pytest.fixture(scope="session")
def example_plan():
    return read_plan(example_plan_path())


@pytest.fixture
def example_repo(example_plan, tmp_path) -> Path:
    """A fresh repository materialized from the example plan (in-process: fast)."""
    out = tmp_path / "example-repo"
    materialize(example_plan, out)
    return out
