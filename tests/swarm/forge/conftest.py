from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarm.forge.local import LocalForge


class FixedClock:
    """The forge's clock, set by hand so timestamps in tests are exact."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    """Stands in for the bare repository; the forge needs only the directory."""
    path = tmp_path / "plan.git"
    path.mkdir()
    return path


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def forge(repo_dir: Path, clock: FixedClock) -> Iterator[LocalForge]:
    with LocalForge.create(repo_dir, clock=clock) as opened:
        yield opened
