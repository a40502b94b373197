"""Fetching and loading GitHub's REST description."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import ghcontract
from ghcontract import spec


def test_spec_is_cached_under_the_project(tmp_path: Path) -> None:
    path = spec.spec_file()
    assert (
        path == spec.PROJECT_ROOT / ".cache/octokit-openapi" / spec.VERSION / "api.github.com.json"
    )
    data = spec.spec_dict()
    assert data["openapi"] == "3.0.3"
    assert "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues" in data["paths"]
    assert spec.openapi() is spec.openapi()  # loaded once per process
    assert ghcontract.SPEC_VERSION == spec.VERSION
    assert ghcontract.ContractServer.__name__ == "ContractServer"


def test_concurrent_fetches_fetch_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers racing on an empty cache: one fetches, the other waits and reuses it."""
    monkeypatch.setattr(spec, "PROJECT_ROOT", tmp_path)
    fetched: list[str] = []

    def slow_fetch(version: str, target: Path) -> None:
        fetched.append(version)
        time.sleep(0.2)
        partial = target.with_suffix(".part")
        partial.write_text(json.dumps({"openapi": "3.0.3"}))
        partial.replace(target)

    monkeypatch.setattr(spec, "_fetch", slow_fetch)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(spec.spec_file("0.0.0"))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fetched == ["0.0.0"]
    assert len(set(results)) == 1 and json.loads(results[0].read_text()) == {"openapi": "3.0.3"}
