"""scope, protected-path and schema: a pull request stays in its task's files, and they parse."""

from __future__ import annotations

import pytest

from swarm.gates.model import Actor, Proposal
from swarm.layout import research_path
from swarm.states import Role, State
from swarm.task import Estimate
from tests.swarm.gates.builders import (
    AGENT,
    HUMAN,
    PR,
    TASK,
    base_repo,
    error_rules,
    errors_of,
    judge,
    legal,
    path_of,
    settings,
    settings_bytes,
    update_task,
)


def _research_pr() -> PR:
    return legal(State.TODO, State.RESEARCHED)


# --- scope ----------------------------------------------------------------------------------------


def test_two_tasks_in_one_pull_request_are_rejected() -> None:
    pr = _research_pr()
    update_task(pr.head, "1.1.1", description="tidied up by the way")
    pr.head[research_path("1.1.1")] = b"a second look at the survey\n" * 10
    found = errors_of(judge(pr), "scope")
    messages = [f.message for f in found]
    assert "changes the files of 2 tasks (1.1.1, 2.1.1): one pull request, one task" in messages
    assert {f.path for f in found} >= {research_path("1.1.1"), path_of("1.1.1")}


def test_touching_another_tasks_research_file_is_rejected() -> None:
    pr = _research_pr()
    pr.head[research_path("1.1.2")] = pr.head[research_path("1.1.2")] + b"\nA correction.\n"
    found = errors_of(judge(pr), "scope")
    assert any(
        f.path == research_path("1.1.2") and "belongs to task 1.1.2, not 2.1.1" in f.message
        for f in found
    )


def test_files_of_one_other_task_only_do_not_match_the_named_task() -> None:
    pr = _research_pr()
    pr.head = dict(pr.base)
    pr.head[research_path("1.1.2")] = b"note\n" * 80
    update_task(pr.head, "1.1.2", state=State.RESEARCHED)
    assert "scope" in error_rules(judge(pr))


def test_files_of_no_task_are_rejected() -> None:
    pr = _research_pr()
    pr.head["README.md"] = b"# Hijacked\n"
    pr.head["notes.txt"] = b"loose file\n"
    found = errors_of(judge(pr), "scope")
    assert sorted(f.path for f in found) == ["README.md", "notes.txt"]


def test_a_person_is_held_to_scope_too() -> None:
    pr = legal(State.NEEDS_HUMAN, State.CLEARED)
    pr.head["README.md"] = b"# edited\n"
    assert "scope" in error_rules(judge(pr))


def test_changing_a_plan_derived_field_is_rejected() -> None:
    pr = _research_pr()
    update_task(pr.head, TASK, title="Sign a much cheaper lease")
    found = errors_of(judge(pr), "scope")
    assert len(found) == 1
    assert "plan-derived field(s) title of task 2.1.1" in found[0].message


@pytest.mark.parametrize(
    ("field", "value"),
    [("depends_on", ()), ("estimate_days", Estimate(min=1)), ("assumptions", ("easy",))],
)
def test_every_plan_derived_field_is_guarded(field: str, value: object) -> None:
    pr = _research_pr()
    update_task(pr.head, TASK, **{field: value})
    assert field in errors_of(judge(pr), "scope")[0].message


def test_adding_deleting_or_renaming_a_task_file_is_rejected() -> None:
    pr = _research_pr()
    new = "tasks/9/9.9/9.9.9-new-task.yaml"
    pr.head[new] = pr.head[path_of("1.1.1")].replace(b"1.1.1", b"9.9.9")
    found = errors_of(judge(pr), "scope")
    assert any(f.path == new and "adds a task file" in f.message for f in found)

    pr = _research_pr()
    renamed = "tasks/2/2.1/2.1.1-another-slug.yaml"
    pr.head[renamed] = pr.head.pop(path_of(TASK))
    found = errors_of(judge(pr), "scope")
    assert {f.path for f in found} >= {path_of(TASK), renamed}
    assert any("deletes a task file" in f.message for f in found)


@pytest.mark.parametrize("stray", ["tasks/notes.md", "tasks/2.1.1.yaml", "tasks/1/1.2/2.1.1.yaml"])
def test_a_file_in_tasks_that_is_no_task_file_is_rejected(stray: str) -> None:
    pr = _research_pr()
    pr.head[stray] = pr.head[path_of(TASK)]
    found = errors_of(judge(pr), "scope")
    assert any(f.path == stray and "task files only" in f.message for f in found)


def test_an_empty_change_is_rejected() -> None:
    pr = PR(base_repo(), {}, Actor(HUMAN, Role.HUMAN))
    pr.head = dict(pr.base)
    assert [f.message for f in errors_of(judge(pr), "scope")] == [
        "the pull request changes nothing"
    ]


# --- protected-path -------------------------------------------------------------------------------


def test_an_agent_editing_a_workflow_is_rejected() -> None:
    pr = _research_pr()
    pr.head[".github/workflows/x.yml"] = b"on: push\njobs: {}\n"
    found = errors_of(judge(pr), "protected-path")
    assert [f.path for f in found] == [".github/workflows/x.yml"]


def test_an_agent_adding_itself_to_humans_is_rejected() -> None:
    pr = _research_pr()
    pr.head["swarm.yaml"] = settings_bytes(settings(humans=(HUMAN, "bob", AGENT)))
    assert [f.path for f in errors_of(judge(pr), "protected-path")] == ["swarm.yaml"]


@pytest.mark.parametrize("path", ["schemas/task.schema.json", "plan/plan.md"])
def test_schemas_and_plan_are_protected(path: str) -> None:
    pr = _research_pr()
    pr.head[path] = b"changed\n"
    assert "protected-path" in error_rules(judge(pr))


def test_a_person_may_change_protected_paths() -> None:
    pr = PR(base_repo(), {}, Actor(HUMAN, Role.HUMAN))
    pr.head = dict(pr.base)
    pr.head[".github/workflows/x.yml"] = b"on: push\n"
    pr.head["swarm.yaml"] = settings_bytes(settings(humans=(HUMAN, "bob", "carol")))
    assert errors_of(judge(pr)) == []


def test_protected_paths_come_from_the_base_settings() -> None:
    base = base_repo(State.TODO)
    base["swarm.yaml"] = settings_bytes(
        settings().model_copy(
            update={"gates": settings().gates.model_copy(update={"protected_paths": ()})}
        )
    )
    pr = PR(base, dict(base), Actor(AGENT, Role.RESEARCH), Proposal(TASK, "research", 3))
    pr.head[".github/workflows/x.yml"] = b"on: push\n"
    # not protected on this base: then it is simply a file of no task
    assert "scope" in error_rules(judge(pr)) and "protected-path" not in error_rules(judge(pr))


# --- schema ---------------------------------------------------------------------------------------


def test_a_task_file_with_conflict_markers_is_rejected() -> None:
    pr = _research_pr()
    text = pr.head[path_of(TASK)].decode()
    text = text.replace(
        "state: researched\n",
        "<<<<<<< HEAD\nstate: researched\n=======\nstate: done\n>>>>>>> agent/2.1.1\n",
    )
    pr.head[path_of(TASK)] = text.encode()
    found = errors_of(judge(pr), "schema")
    assert any("git conflict markers on line" in f.message for f in found)
    assert all(f.path == path_of(TASK) for f in found)


def test_conflict_markers_in_any_text_file_are_rejected() -> None:
    pr = _research_pr()
    pr.head[research_path(TASK)] += b"\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> main\n"
    assert "schema" in error_rules(judge(pr))


def test_a_markdown_heading_underline_is_not_a_conflict_marker() -> None:
    pr = _research_pr()
    pr.head[research_path(TASK)] = b"Findings\n=======\n\n" + pr.head[research_path(TASK)]
    assert errors_of(judge(pr)) == []


def test_a_yaml_alias_bomb_is_rejected() -> None:
    pr = _research_pr()
    bomb = (
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    )
    pr.head[path_of(TASK)] = pr.head[path_of(TASK)] + bomb.encode()
    found = errors_of(judge(pr), "schema")
    assert len(found) == 1 and "anchor" in found[0].message


def test_a_python_object_tag_is_rejected() -> None:
    pr = _research_pr()
    evil = b"extra: !!python/object/apply:os.system ['echo pwned']\n"
    pr.head[path_of(TASK)] = pr.head[path_of(TASK)] + evil
    found = errors_of(judge(pr), "schema")
    assert len(found) == 1 and "tag:yaml.org,2002:python/object/apply:os.system" in found[0].message


def test_a_task_file_that_does_not_validate_is_rejected() -> None:
    pr = _research_pr()
    text = pr.head[path_of(TASK)].decode().replace("state: researched", "state: finished")
    pr.head[path_of(TASK)] = text.encode()
    found = errors_of(judge(pr), "schema")
    assert len(found) == 1 and "state" in found[0].message


def test_a_task_file_that_is_not_utf8_is_rejected() -> None:
    pr = _research_pr()
    pr.head[path_of(TASK)] = pr.head[path_of(TASK)] + b"notes: \xff\xfe\n"
    assert "not UTF-8" in errors_of(judge(pr), "schema")[0].message


def test_a_task_file_whose_id_differs_from_its_path_is_rejected() -> None:
    pr = _research_pr()
    text = pr.head[path_of(TASK)].decode().replace('id: "2.1.1"', 'id: "2.1.2"')
    pr.head[path_of(TASK)] = text.encode()
    found = errors_of(judge(pr), "schema")
    assert [f.message for f in found] == ["id 2.1.2 differs from 2.1.1, its path's id"]


def test_a_base_without_valid_settings_fails() -> None:
    pr = _research_pr()
    del pr.base["swarm.yaml"]
    del pr.head["swarm.yaml"]
    found = errors_of(judge(pr), "schema")
    assert [(f.path, f.message) for f in found] == [
        ("swarm.yaml", "swarm.yaml missing on the base: the gates need the repository's settings")
    ]
    pr = _research_pr()
    pr.base["swarm.yaml"] = b"humans: [alice]\n"
    assert errors_of(judge(pr), "schema")[0].path == "swarm.yaml"
    pr = _research_pr()
    pr.base["swarm.yaml"] = b"\xff\xfe"
    found = errors_of(judge(pr), "schema")
    assert found[0].path == "swarm.yaml" and "not UTF-8 text" in found[0].message
