"""Materialization against real git (pygit2 writes, the git CLI checks) and the real local forge."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from planexe import PlanError, read_plan
from swarm.cli.demo import example_plan_path
from swarm.errors import SwarmError
from swarm.forge.local import LocalForge
from swarm.gitstore import MAIN, GitStore
from swarm.layout import task_id_of_path
from swarm.materialize import build_tree, default_settings, materialize
from swarm.plan_tasks import build_tasks
from swarm.repo import open_repo
from tests.shared_plans import PLANS, needs_shared_plans, plan_path

REPO_ROOT = Path(__file__).resolve().parents[2]


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def example_plan():
    return read_plan(example_plan_path())


def check_repository(out: Path, expected_tasks: int, tmp_path: Path) -> None:
    git("fsck", "--strict", cwd=out)
    clone = tmp_path / f"clone-{out.name}"
    git("clone", "-q", str(out), str(clone))
    task_files = sorted((clone / "tasks").glob("*/*/*.yaml"))
    assert len(task_files) == expected_tasks
    schema = json.loads((clone / "schemas" / "task.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in task_files:
        text = path.read_text()
        assert text.startswith("# yaml-language-server: $schema=../../../schemas/task.schema.json")
        data = yaml.safe_load(text)
        errors = list(validator.iter_errors(data))
        assert not errors, f"{path.name}: {errors[0].message}"
        assert task_id_of_path(path.relative_to(clone).as_posix()) == data["id"]
        assert (path.parent / "../../../schemas/task.schema.json").resolve().is_file()
    for name in ("README.md", "swarm.yaml", "plan/plan.json", ".github/CODEOWNERS"):
        assert (clone / name).is_file(), name


def test_example_plan_materializes_with_its_issues(example_plan, tmp_path):
    out = tmp_path / "repo"
    result = materialize(example_plan, out, humans=("alice",))
    assert result.fresh and result.tasks == len(example_plan.detailed_tasks)
    check_repository(out, result.tasks, tmp_path)
    with LocalForge(out) as forge:
        issues = forge.list_issues()
        milestones = forge.list_milestones()
    task_issues = [i for i in issues if "kind:task" in i.labels]
    parents = [i for i in issues if "kind:subtask" in i.labels]
    assert len(task_issues) == result.tasks
    assert len(parents) == len(example_plan.subtasks)
    assert {i.key for i in task_issues} == {n.code for n in example_plan.detailed_tasks}
    assert len(milestones) == len(example_plan.phases)
    assert all(m.due_on is not None for m in milestones)
    for parent in parents:
        listed = [i for i in task_issues if i.parent_key == parent.key]
        assert listed and all(f"#{i.number} " in parent.body for i in listed)
    assert "@alice" in git("show", "main:.github/CODEOWNERS", cwd=out)


def test_same_plan_twice_gives_the_same_tree_and_commit(example_plan, tmp_path):
    a = materialize(example_plan, tmp_path / "a")
    b = materialize(example_plan, tmp_path / "b")
    assert a.tree == b.tree
    assert a.commit == b.commit


def test_build_tree_is_pure(example_plan):
    settings = default_settings(example_plan)
    tasks = build_tasks(example_plan)
    assert build_tree(example_plan, settings, tasks) == build_tree(example_plan, settings, tasks)


def test_rerun_changes_nothing_and_creates_no_issue(example_plan, tmp_path):
    out = tmp_path / "repo"
    first = materialize(example_plan, out)
    refs_before = git("for-each-ref", cwd=out)
    again = materialize(example_plan, out)
    assert not again.fresh
    assert again.commit == first.commit
    assert (again.issues.created, again.issues.updated) == (0, 0)
    assert git("for-each-ref", cwd=out) == refs_before
    with LocalForge(out) as forge:
        assert len(forge.list_issues()) == first.issues.created


def test_rerun_restores_issues_lost_in_a_crash(example_plan, tmp_path):
    out = tmp_path / "repo"
    materialize(example_plan, out)
    # a forge store that lost its issues (as if the sync had been cut off) is completed
    store = out / "plan-swarm"
    for f in store.iterdir():
        f.unlink()
    store.rmdir()
    store.mkdir()
    LocalForge.create(out).close()
    result = materialize(example_plan, out)
    assert result.issues.created == len(example_plan.detailed_tasks) + len(example_plan.subtasks)


def test_a_different_plan_is_refused_and_nothing_changes(example_plan, tmp_path):
    out = tmp_path / "repo"
    materialize(example_plan, out)
    before = git("rev-parse", "main", cwd=out)
    other = example_plan.model_copy(
        update={"source": example_plan.source.model_copy(update={"digest": "0" * 64})}
    )
    with pytest.raises(SwarmError, match="another version of this plan") as info:
        materialize(other, out)
    assert info.value.exit_code == 2
    assert git("rev-parse", "main", cwd=out) == before


def test_a_non_empty_foreign_directory_is_refused(example_plan, tmp_path):
    out = tmp_path / "stuff"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(SwarmError, match="not a plan-swarm repository"):
        materialize(example_plan, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_an_empty_directory_is_used(example_plan, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert materialize(example_plan, out).fresh
    assert GitStore.open(out).resolve(MAIN)


def test_missing_parent_is_refused_without_writing(example_plan, tmp_path):
    with pytest.raises(SwarmError, match="parent of --out"):
        materialize(example_plan, tmp_path / "no" / "such" / "dir")
    assert list(tmp_path.iterdir()) == []


def test_the_collector_runs_again_after_reading_and_materializing(tmp_path):
    """Both pause Python's cyclic collector for their bulk work; a refusal must not leave it
    off for the rest of a long-running watch or swarm."""
    plan = read_plan(example_plan_path())
    assert gc.isenabled()
    materialize(plan, tmp_path / "repo")
    assert gc.isenabled()
    with pytest.raises(SwarmError):
        materialize(plan, tmp_path / "no" / "dir")
    assert gc.isenabled()
    with pytest.raises(PlanError):
        read_plan(tmp_path / "nothing-here")
    assert gc.isenabled()


def test_tasks_on_main_read_back_equal_to_what_was_built(example_plan, tmp_path):
    out = tmp_path / "repo"
    materialize(example_plan, out)
    assert open_repo(out).tasks() == build_tasks(example_plan)


@pytest.mark.slow
def test_killed_materialize_leaves_no_half_made_repository(tmp_path):
    from bench import synth_plan

    plan = synth_plan.write(tmp_path / "plan", tasks=3000)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "swarm", "materialize", str(plan), "--out", str(out)]
    env = os.environ | {"PYTHONPATH": str(REPO_ROOT)}
    for delay in (0.5, 1.0, 1.5, 2.0):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():  # it finished before the kill: then it must be whole
            break
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    git("fsck", "--strict", cwd=out)
    assert len(open_repo(out).tasks()) == 3000
    # what the killed runs built aside is gone too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "plan"]


@needs_shared_plans
@pytest.mark.parametrize("name", sorted(PLANS))
def test_shared_plan_materializes(name, tmp_path):
    plan = read_plan(plan_path(name))
    expected = PLANS[name][1]
    out = tmp_path / "repo"
    first = materialize(plan, out)
    assert first.tasks == expected == len(plan.detailed_tasks)
    check_repository(out, expected, tmp_path)
    again = materialize(read_plan(plan_path(name)), out)
    assert not again.fresh and again.commit == first.commit
    assert (again.issues.created, again.issues.updated) == (0, 0)
    twin = materialize(read_plan(plan_path(name)), tmp_path / "twin")
    assert twin.tree == first.tree
