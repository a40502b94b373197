"""Where a task's files live: one folder per subtask, the same in every kind of file."""

from __future__ import annotations

import pytest

from swarm.layout import (
    compliance_path,
    deliverables_dir,
    ledger_path,
    owned_by,
    research_path,
    task_dir,
    task_path,
    wbs_folder,
)


def test_every_kind_of_file_of_a_task_is_in_its_subtasks_folder() -> None:
    assert wbs_folder("12.3.4") == "12/12.3"
    assert task_path("12.3.4", "Sign it") == "tasks/12/12.3/12.3.4-sign-it.yaml"
    assert task_dir("12.3.4") == "tasks/12/12.3"
    assert research_path("12.3.4") == "research/12/12.3/12.3.4.md"
    assert compliance_path("12.3.4") == "compliance/12/12.3/12.3.4.md"
    assert deliverables_dir("12.3.4") == "deliverables/12/12.3/12.3.4"
    assert ledger_path("12.3.4") == "ledger/12/12.3/12.3.4.jsonl"
    for path in (research_path, compliance_path, ledger_path):
        assert owned_by(path("12.3.4")) == "12.3.4"
    assert owned_by(deliverables_dir("12.3.4") + "/a/b.md") == "12.3.4"


@pytest.mark.parametrize("not_a_task", ["1.2", "1", "", "x.y.z"])
def test_an_id_that_is_no_tasks_has_no_folder(not_a_task: str) -> None:
    if not_a_task.count(".") == 2:
        assert owned_by(research_path(not_a_task)) is None
        return
    with pytest.raises(ValueError):
        wbs_folder(not_a_task)
