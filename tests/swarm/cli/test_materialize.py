"""`swarm materialize PLAN --out DIR`: makes the repository, or refuses and leaves nothing."""

from __future__ import annotations

import json
import os

import pytest

from swarm.cli.demo import example_plan_path
from tests.planexe.planexe_fixtures import build_run, write_dir
from tests.swarm.cli.cli_helpers import (
    BAD_INPUTS,
    assert_one_error_line,
    call,
    git,
    run_swarm,
    run_swarm_many,
    snapshot,
    with_unknown_dependency,
    without_plan_txt,
)

RESULT_KEYS = {
    "out",
    "commit",
    "tree",
    "fresh",
    "tasks",
    "issues_created",
    "issues_updated",
    "warnings",
}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("out_exists", [False, True], ids=["new-out", "empty-out"])
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_materialize_refuses_bad_input_in_process(case, out_exists, bad_inputs, tmp_path, capsys):
    plan = bad_inputs[case]
    out = tmp_path / "work" / "out"
    out.mkdir(parents=True) if out_exists else out.parent.mkdir()
    before, plans_before = snapshot(tmp_path), snapshot(plan.parent, content=False)
    ran = call(capsys, "materialize", plan, "--out", out)
    assert ran.code == 2
    assert ran.out == ""
    assert_one_error_line(ran.err, *BAD_INPUTS[case][1])
    assert snapshot(tmp_path) == before  # no repository, no half-made one, nothing beside it
    assert snapshot(plan.parent, content=False) == plans_before


@pytest.fixture(scope="module")
def materialize_runs(bad_inputs, tmp_path_factory):
    """`swarm materialize BAD --out WORK/out` for every bad input, as real commands; returns
    the runs and each work directory's listing afterwards."""
    work = tmp_path_factory.mktemp("materialize-bad")
    jobs = {}
    for case, plan in bad_inputs.items():
        (work / case).mkdir()
        jobs[case] = ["materialize", plan, "--out", work / case / "out"]
    root = next(iter(bad_inputs.values())).parent
    before = snapshot(root, content=False)
    runs = run_swarm_many(jobs)
    listings = {case: sorted(os.listdir(work / case)) for case in bad_inputs}
    return runs, listings, before == snapshot(root, content=False)


@pytest.mark.slow  # the first one waits for all fifteen commands
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_materialize_command_refuses_bad_input(case, materialize_runs):
    runs, listings, plans_untouched = materialize_runs
    ran = runs[case]
    assert ran.code == 2, ran.err
    assert ran.out == ""
    assert_one_error_line(ran.err, *BAD_INPUTS[case][1])
    assert listings[case] == []
    assert plans_untouched


def test_materialize_warns_when_plan_txt_is_missing(tmp_path):
    out = tmp_path / "repo"
    ran = run_swarm("materialize", without_plan_txt(tmp_path), "--out", out)
    assert ran.code == 0, ran.err
    assert ran.err.startswith("warning [missing-plan-txt] plan.txt: ")
    assert "Traceback" not in ran.err
    assert f"Materialized 'Tiny Project' into {out}" in ran.out
    git("fsck", "--strict", cwd=out)


def test_materialize_warns_about_a_dependency_on_an_unknown_id(tmp_path, capsys):
    ran = call(capsys, "materialize", with_unknown_dependency(tmp_path), "--out", tmp_path / "r")
    assert ran.code == 0, ran.err
    [line] = ran.err.splitlines()
    assert line.startswith("warning [unknown-dependency-id] ")
    assert "task_dependencies_raw.json" in line and "'zzz'" in line


def test_materialize_into_a_missing_parent_creates_nothing(tmp_path):
    out = tmp_path / "no" / "such" / "out"
    before = snapshot(tmp_path)
    ran = run_swarm("materialize", example_plan_path(), "--out", out)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(out.parent), "no such directory")
    assert snapshot(tmp_path) == before


def test_materialize_into_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "a-file"
    target.write_text("keep me\n")
    before = snapshot(tmp_path)
    ran = call(capsys, "materialize", example_plan_path(), "--out", target)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(target), "not a plan-swarm repository")
    assert snapshot(tmp_path) == before


def test_materialize_into_a_non_empty_directory_leaves_it_untouched(tmp_path, capsys):
    target = tmp_path / "stuff"
    target.mkdir()
    (target / "notes.md").write_text("mine\n")
    before = snapshot(tmp_path)
    ran = call(capsys, "materialize", example_plan_path(), "--out", target)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(target), "is not empty", "new or empty --out")
    assert snapshot(tmp_path) == before


def test_materialize_without_out_is_a_usage_error(capsys):
    ran = call(capsys, "materialize", example_plan_path())
    assert ran.code == 2
    assert "Missing option '--out'" in ran.err


# --------------------------------------------------------------------------- success


def test_materialize_json_prints_the_documented_keys(example_plan, tmp_path):
    out = tmp_path / "repo"
    ran = run_swarm("materialize", example_plan_path(), "--out", out, "--json")
    assert ran.code == 0, ran.err
    assert ran.err == ""
    data = json.loads(ran.out)
    assert set(data) == RESULT_KEYS
    assert data["out"] == str(out)
    assert data["fresh"] is True
    assert data["commit"] == git("rev-parse", "main", cwd=out)
    assert data["tree"] == git("rev-parse", "main^{tree}", cwd=out)
    assert data["tasks"] == len(example_plan.detailed_tasks)
    issues = len(example_plan.detailed_tasks) + len(example_plan.subtasks)
    assert (data["issues_created"], data["issues_updated"]) == (issues, 0)
    assert data["warnings"] == [w.model_dump() for w in example_plan.warnings]
    assert os.listdir(tmp_path) == ["repo"]  # nothing built aside is left beside it


def test_materialize_json_carries_the_warnings_instead_of_stderr(tmp_path, capsys):
    ran = call(capsys, "materialize", without_plan_txt(tmp_path), "--out", tmp_path / "r", "--json")
    assert ran.code == 0
    assert ran.err == ""
    codes = [w["code"] for w in json.loads(ran.out)["warnings"]]
    assert "missing-plan-txt" in codes


def test_materialize_again_with_the_same_plan_changes_nothing(tmp_path):
    out = tmp_path / "repo"
    first = run_swarm("materialize", example_plan_path(), "--out", out)
    assert first.code == 0, first.err
    assert first.out.startswith(f"Materialized 'Leipzig Bike Workshop' into {out}")
    head = git("rev-parse", "main", cwd=out)
    refs = git("for-each-ref", cwd=out)

    again = run_swarm("materialize", example_plan_path(), "--out", out)
    assert again.code == 0, again.err
    assert f"{out} already holds 'Leipzig Bike Workshop': git left unchanged" in again.out
    assert "issues: 0 created, 0 updated" in again.out
    assert git("rev-parse", "main", cwd=out) == head
    assert git("for-each-ref", cwd=out) == refs

    data = json.loads(run_swarm("materialize", example_plan_path(), "--out", out, "--json").out)
    assert (data["fresh"], data["commit"]) == (False, head)
    assert (data["issues_created"], data["issues_updated"]) == (0, 0)


def test_materialize_of_another_plan_into_a_repository_is_refused(example_repo, tmp_path):
    other = write_dir(tmp_path / "other-run", build_run())
    before = snapshot(example_repo)
    ran = run_swarm("materialize", other, "--out", example_repo)
    assert ran.code == 2
    assert_one_error_line(ran.err, str(example_repo), "holds another plan", "new directory")
    assert snapshot(example_repo) == before


def test_materialize_of_another_version_of_the_plan_is_refused(tmp_path, capsys):
    out = tmp_path / "repo"
    assert (
        call(capsys, "materialize", write_dir(tmp_path / "v1", build_run()), "--out", out).code == 0
    )
    changed = build_run(replace={"report.md": b"# Tiny Project, revised\n"})
    before = snapshot(out)
    ran = call(capsys, "materialize", write_dir(tmp_path / "v2", changed), "--out", out)
    assert ran.code == 2
    assert_one_error_line(ran.err, "holds another version of this plan")
    assert snapshot(out) == before
