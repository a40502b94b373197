import json

import jsonschema
import pytest

from swarm import task as task_mod
from swarm.layout import research_path, slugify, task_id_of_path, task_path
from swarm.states import State
from swarm.task import NodeRef, TaskFile, TaskFileError, from_yaml, json_schema, to_yaml


def make_task(**changes) -> TaskFile:
    base = dict(
        id="2.1.3",
        planexe_id="c80c7f3b-0168-41ea-a147-479244a26989",
        title="Sign the lease: unit 4, Karl-Heine-Straße",
        description="Negotiate and sign.\nTwo lines.",
        phase=NodeRef(code="2", title="Premises", planexe_id="p"),
        subtask=NodeRef(code="2.1", title="Lease", planexe_id="s"),
        depends_on=("1.1.1", "1.1.2"),
    )
    base.update(changes)
    return TaskFile(**base)


def test_yaml_round_trip_and_schema_header():
    t = make_task()
    text = to_yaml(t)
    assert text.startswith("# yaml-language-server: $schema=../../../schemas/task.schema.json\n")
    assert from_yaml(text) == t
    assert to_yaml(from_yaml(text)) == text


def test_every_rendered_task_validates_against_the_exported_schema():
    import yaml

    t = make_task(state=State.NEEDS_HUMAN, risk_tier=3, approval_required=True)
    data = yaml.safe_load(to_yaml(t))
    jsonschema.validate(data, json_schema())


def test_schema_rejects_what_the_model_rejects():
    import yaml

    data = yaml.safe_load(to_yaml(make_task()))
    data["state"] = "finished"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())
    with pytest.raises(TaskFileError, match="state"):
        from_yaml(yaml.safe_dump(data), "tasks/2.1.3.yaml")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- a\n- b\n", "expected a mapping"),
        (to_yaml(make_task()) + "bogus: 1\n", "bogus: Extra inputs"),
        ("a: &x 1\n", "anchor"),
    ],
)
def test_bad_task_files_name_the_file(text, fragment):
    with pytest.raises(TaskFileError, match=fragment) as info:
        from_yaml(text, "tasks/2.1.3-x.yaml")
    assert "tasks/2.1.3-x.yaml" in str(info.value)


def test_paths_are_stable_and_map_back_to_ids():
    p = task_path("2.1.3", "Sign the lease: unit 4, Karl-Heine-Straße")
    assert p == "tasks/2/2.1/2.1.3-sign-the-lease-unit-4-karl-heine-strasse.yaml"
    assert p == task_path("2.1.3", "Sign the lease: unit 4, Karl-Heine-Straße")
    assert task_id_of_path(p) == "2.1.3"
    assert task_id_of_path("tasks/2/2.1/2.1.3.yaml") == "2.1.3"
    assert task_id_of_path("tasks/12/12.10/12.10.3-x.yaml") == "12.10.3"
    # named like a task file, but not in its task's folder (or not in a folder at all)
    assert task_id_of_path("tasks/2.1.3.yaml") is None
    assert task_id_of_path("tasks/2/2.2/2.1.3.yaml") is None
    assert task_id_of_path("tasks/3/2.1/2.1.3.yaml") is None
    assert task_id_of_path("tasks/2/2.1/x/2.1.3.yaml") is None
    assert task_id_of_path(research_path("2.1.3")) is None
    assert task_id_of_path("tasks/../swarm.yaml") is None


def test_slug_is_ascii_and_bounded():
    assert slugify("Café & Über-Bikes!!") == "cafe-uber-bikes"
    assert len(slugify("word " * 40)) <= 48
    assert slugify("???") == ""
    assert task_path("1.1.1", "???") == "tasks/1/1.1/1.1.1.yaml"


def test_ids_must_be_wbs_codes():
    with pytest.raises(ValueError):
        make_task(id="2.1")
    with pytest.raises(ValueError):
        make_task(depends_on=("x",))


def test_schema_text_is_deterministic_json():
    assert task_mod.json_schema_text() == task_mod.json_schema_text()
    assert json.loads(task_mod.json_schema_text())["title"] == "plan-swarm task file"
