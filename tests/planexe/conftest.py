"""Fixtures for the reader's tests: writers of a tiny valid run, as a folder or a zip."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import count
from pathlib import Path

import pytest

from tests.planexe.planexe_fixtures import Content, build_run, write_dir, write_zip


@pytest.fixture
def run_dir(tmp_path: Path) -> Callable[..., Path]:
    """`run_dir(era="B", omit=…, replace=…, extra=…)` → a folder holding a tiny valid run."""
    numbers = count()

    def make(
        era: str = "B",
        *,
        omit: Iterable[str] = (),
        replace: Mapping[str, Content] | None = None,
        extra: Mapping[str, bytes] | None = None,
    ) -> Path:
        files = build_run(era, omit=omit, replace=replace, extra=extra)
        return write_dir(tmp_path / f"run{next(numbers)}", files)

    return make


@pytest.fixture
def run_zip(tmp_path: Path) -> Callable[..., Path]:
    """`run_zip(era="B", wrapper=None, junk=False, omit=…, …)` → a zip of a tiny valid run."""
    numbers = count()

    def make(
        era: str = "B",
        *,
        wrapper: str | None = None,
        junk: bool = False,
        omit: Iterable[str] = (),
        replace: Mapping[str, Content] | None = None,
        extra: Mapping[str, bytes] | None = None,
    ) -> Path:
        files = build_run(era, omit=omit, replace=replace, extra=extra)
        path = tmp_path / f"run{next(numbers)}.zip"
        return write_zip(path, files, wrapper=wrapper, junk=junk)

    return make
