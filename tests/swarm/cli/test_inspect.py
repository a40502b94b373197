"""`swarm inspect PLAN`: a summary of a run, JSON on request, and one clear line for bad input."""

from __future__ import annotations

import json
import time
import zipfile

import pytest

from swarm.cli.demo import example_plan_path
from tests.planexe.planexe_fixtures import build_run, write_zip
from tests.swarm.cli.cli_helpers import (
    BAD_INPUTS,
    assert_one_error_line,
    call,
    run_swarm,
    run_swarm_many,
    snapshot,
    with_unknown_dependency,
    without_plan_txt,
)

SUMMARY_KEYS = {
    "title",
    "plan_date",
    "start_date",
    "purpose",
    "plan_type",
    "go_no_go",
    "counts",
    "source",
    "warnings",
}
COUNT_KEYS = {
    "phases",
    "subtasks",
    "tasks",
    "dependencies",
    "estimated_nodes",
    "assumptions",
    "risks",
    "team_roles",
    "documents_to_create",
    "documents_to_find",
    "attachments",
}
SOURCE_KEYS = {
    "layout",
    "era",
    "pipeline_version",
    "complete_marker",
    "digest",
    "present",
    "missing",
}


def test_inspect_json_prints_the_documented_keys(example_plan):
    ran = run_swarm("inspect", example_plan_path(), "--json")
    assert ran.code == 0, ran.err
    assert ran.err == ""
    data = json.loads(ran.out)
    assert set(data) == SUMMARY_KEYS
    assert set(data["counts"]) == COUNT_KEYS
    assert set(data["source"]) == SOURCE_KEYS
    assert data["title"] == example_plan.title
    assert data["counts"]["tasks"] == len(example_plan.detailed_tasks)
    assert data["counts"]["phases"] == len(example_plan.phases)
    assert data["source"]["digest"] == example_plan.source.digest
    assert data["plan_date"] == str(example_plan.plan_date)


def test_inspect_text_summarizes_a_zipped_run(tmp_path, capsys):
    plan = write_zip(tmp_path / "run.zip", build_run("A"), wrapper="run")
    ran = call(capsys, "inspect", plan)
    assert ran.code == 0, ran.err
    assert ran.err == ""
    first, second, *_ = ran.out.splitlines()
    assert first.startswith("Tiny Project  (go/no-go: ")
    assert "2 phases, 4 subtasks, 8 tasks" in second
    assert "wrapped-zip, naming era A" in ran.out


def test_inspect_writes_nothing(tmp_path, capsys):
    plan = write_zip(tmp_path / "run.zip", build_run())
    before = snapshot(tmp_path)
    assert call(capsys, "inspect", plan, "--json").code == 0
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_inspect_refuses_bad_input_in_process(case, bad_inputs, capsys):
    plan = bad_inputs[case]
    root = plan.parent
    before = snapshot(root, content=False)
    ran = call(capsys, "inspect", plan)
    assert ran.code == 2
    assert ran.out == ""
    assert_one_error_line(ran.err, *BAD_INPUTS[case][1])
    assert snapshot(root, content=False) == before


@pytest.fixture(scope="module")
def inspect_runs(bad_inputs):
    """`swarm inspect BAD` for every bad input, as real commands (run a few at a time)."""
    root = next(iter(bad_inputs.values())).parent
    before = snapshot(root, content=False)
    runs = run_swarm_many({case: ["inspect", path] for case, path in bad_inputs.items()})
    return runs, before == snapshot(root, content=False)


@pytest.mark.slow  # the first one waits for all fifteen commands
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_inspect_command_refuses_bad_input(case, inspect_runs):
    runs, untouched = inspect_runs
    ran = runs[case]
    assert ran.code == 2, ran.err
    assert ran.out == ""
    assert_one_error_line(ran.err, *BAD_INPUTS[case][1])
    assert untouched


def test_inspect_refuses_a_zip_bomb_without_inflating_it(bad_inputs, capsys, monkeypatch):
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    began = time.perf_counter()
    ran = call(capsys, "inspect", bad_inputs["zip-bomb"])
    elapsed = time.perf_counter() - began
    assert ran.code == 2
    assert "700.0 MiB" in ran.err
    assert opened == []  # refused from the central directory: no entry was ever unpacked
    assert elapsed < 2.0, f"took {elapsed:.2f} s"


def test_inspect_warns_when_plan_txt_is_missing(tmp_path, capsys):
    ran = call(capsys, "inspect", without_plan_txt(tmp_path))
    assert ran.code == 0, ran.err
    assert "warning [missing-plan-txt] plan.txt: " in ran.out
    assert "plan.txt" in ran.out.split("missing (optional): ", 1)[1].splitlines()[0]


def test_inspect_warns_about_a_dependency_on_an_unknown_id(tmp_path, capsys):
    ran = call(capsys, "inspect", with_unknown_dependency(tmp_path), "--json")
    assert ran.code == 0, ran.err
    warnings = json.loads(ran.out)["warnings"]
    [unknown] = [w for w in warnings if w["code"] == "unknown-dependency-id"]
    assert "'zzz'" in unknown["message"]
    assert unknown["file"].endswith("task_dependencies_raw.json")
    assert json.loads(ran.out)["counts"]["dependencies"] == 3


def test_inspect_without_a_plan_argument_is_a_usage_error(capsys):
    ran = call(capsys, "inspect")
    assert ran.code == 2
    assert "Missing argument 'PLAN'" in ran.err
