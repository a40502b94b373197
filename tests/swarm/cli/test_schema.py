"""`swarm schema`: a valid JSON Schema that every materialized task file meets."""

from __future__ import annotations

import json

import jsonschema
import yaml

from swarm.cli.demo import example_plan_path
from swarm.task import json_schema_text
from tests.swarm.cli.cli_helpers import call, git, run_swarm


def test_schema_prints_a_valid_json_schema():
    ran = run_swarm("schema")
    assert ran.code == 0, ran.err
    assert ran.err == ""
    schema = json.loads(ran.out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert ran.out == json_schema_text()


def test_every_materialized_task_file_meets_the_printed_schema(example_plan, tmp_path, capsys):
    schema = json.loads(call(capsys, "schema").out)
    out = tmp_path / "repo"
    assert call(capsys, "materialize", example_plan_path(), "--out", out).code == 0
    validator = jsonschema.Draft202012Validator(schema)
    paths = git("ls-tree", "-r", "--name-only", "main", "tasks/", cwd=out).splitlines()
    assert len(paths) == len(example_plan.detailed_tasks)
    for path in paths:
        data = yaml.safe_load(git("show", f"main:{path}", cwd=out))
        errors = sorted(validator.iter_errors(data), key=str)
        assert not errors, f"{path}: {errors[0].message}"
    assert git("show", "main:schemas/task.schema.json", cwd=out) == json.dumps(
        schema, indent=2, sort_keys=True
    )


def test_schema_rejects_a_broken_task(example_repo):
    schema = json.loads(json_schema_text())
    path = git("ls-tree", "-r", "--name-only", "main", "tasks/", cwd=example_repo).split()[0]
    task = yaml.safe_load(git("show", f"main:{path}", cwd=example_repo))
    task["id"] = "not-an-id"
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(task))
