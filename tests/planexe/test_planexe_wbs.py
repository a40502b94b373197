"""The WBS tree: pre-order, codes, the two fallbacks, and broken WBS files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from planexe import PlanError, read_plan
from planexe.wbs import Branch, csv_branch, flatten
from tests.planexe.planexe_fixtures import dumps, wbs_full

FULL = "wbs_project_level1_and_level2_and_level3.json"
CSV = "wbs_project_level1_and_level2_and_level3.csv"
PREORDER = [
    ("", "r0"),
    ("1", "p1"),
    ("1.1", "s11"),
    ("1.1.1", "t111"),
    ("1.1.2", "t112"),
    ("1.1.3", "t113"),
    ("1.2", "s12"),
    ("1.2.1", "t121"),
    ("1.2.2", "t122"),
    ("2", "p2"),
    ("2.1", "s21"),
    ("2.1.1", "t211"),
    ("2.1.2", "t212"),
    ("2.2", "s22"),
    ("2.2.1", "t221"),
]


def shape(plan_nodes: tuple) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(n.code, n.id) for n in plan_nodes]


def test_full_wbs_in_pre_order_with_codes(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    assert shape(plan.nodes) == PREORDER
    root = plan.root
    assert (root.depth, root.parent_id, root.name, root.code) == (0, None, "Tiny Project", "")
    assert root.children == ("p1", "p2")
    task = plan.by_id["t112"]
    assert (task.depth, task.parent_id, task.name) == (3, "s11", "Review charter")
    assert task.description == "Do: Review charter." and task.resources == ("Project Manager",)
    assert plan.final_deliverable == "A tiny thing"
    assert [n.depth for n in plan.nodes].count(3) == 8
    assert not plan.warnings


def test_fallback_to_component_files(run_dir: Callable[..., Path]) -> None:
    full = read_plan(run_dir())
    plan = read_plan(run_dir(omit=[FULL]))
    assert plan.nodes == full.nodes
    assert plan.final_deliverable == "A tiny thing"
    assert [w.code for w in plan.warnings] == ["wbs-fallback"]
    assert "018-2-wbs_level1.json + 018-5-wbs_level2.json + 023-2-wbs_level3.json" in (
        plan.warnings[0].message
    )


def test_fallback_without_level3_has_no_detailed_tasks(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir(omit=[FULL, "wbs_level3.json"]))
    assert len(plan.nodes) == 7 and not plan.detailed_tasks
    assert {w.code for w in plan.warnings} == {"wbs-fallback", "wbs-no-detail"}


def test_fallback_level3_with_unknown_parent_is_dropped(run_dir: Callable[..., Path]) -> None:
    level3 = [{"id": "t9", "name": "Orphan", "parent_id": "nope"}]
    plan = read_plan(run_dir(omit=[FULL], replace={"wbs_level3.json": dumps(level3)}))
    assert "t9" not in plan.by_id
    assert "unknown-parent" in {w.code for w in plan.warnings}


def test_fallback_to_semicolon_csv(run_dir: Callable[..., Path]) -> None:
    full = read_plan(run_dir())
    plan = read_plan(run_dir(omit=[FULL, "wbs_level1.json", "wbs_level2.json"]))
    assert shape(plan.nodes) == PREORDER
    assert [n.name for n in plan.nodes] == [n.name for n in full.nodes]
    assert plan.by_id["t111"].description == ""  # the CSV has names only
    assert plan.warnings[0].code == "wbs-fallback" and CSV in plan.warnings[0].message


def test_missing_wbs(run_dir: Callable[..., Path]) -> None:
    path = run_dir(omit=[FULL, "wbs_level1.json", CSV])
    with pytest.raises(PlanError) as err:
        read_plan(path)
    assert err.value.file == FULL
    assert "is missing" in err.value.message and "wbs_level1.json" in err.value.message


@pytest.mark.parametrize("era", ["A", "B", "C"])
def test_malformed_wbs_json(run_dir: Callable[..., Path], era: str) -> None:
    broken = b'{\n  "wbs_project": {\n    "id": "r0",\n  }\n}'
    with pytest.raises(PlanError) as err:
        read_plan(run_dir(era, replace={FULL: broken}))
    assert err.value.file.endswith(FULL)
    assert "is not valid JSON" in err.value.message
    assert "line 4, column 3" in err.value.message


def test_wbs_with_duplicate_ids(run_dir: Callable[..., Path]) -> None:
    data = wbs_full()
    data["wbs_project"]["task_children"][1]["task_children"][0]["id"] = "t111"
    with pytest.raises(PlanError) as err:
        read_plan(run_dir(replace={FULL: dumps(data)}))
    assert err.value.file.endswith(FULL)
    assert err.value.message == (
        "task id 't111' is used twice: by 1.1.1 'Draft charter' and by 2.1 'Buy parts'"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("wbs_project"), "has no 'wbs_project' object at the top"),
        (lambda d: d["wbs_project"].pop("id"), "wbs_project has no 'id'"),
        (
            lambda d: d["wbs_project"]["task_children"].append("oops"),
            "wbs_project.task_children[2] is not an object",
        ),
        (
            lambda d: d["wbs_project"]["task_children"][0].update(task_children={}),
            "wbs_project.task_children[0].task_children is not a list",
        ),
    ],
)
def test_wbs_with_a_broken_structure(
    run_dir: Callable[..., Path], change: Callable[[dict], object], message: str
) -> None:
    data = wbs_full()
    change(data)
    with pytest.raises(PlanError) as err:
        read_plan(run_dir(replace={FULL: dumps(data)}))
    assert err.value.message == message


def test_wbs_codes_are_unique_and_well_formed(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    codes = [n.code for n in plan.nodes]
    assert len(set(codes)) == len(codes)
    for node in plan.nodes[1:]:
        assert re.fullmatch(r"[1-9]\d*(\.[1-9]\d*)*", node.code)
        assert node.code.count(".") == node.depth - 1
        parent = plan.by_id[node.parent_id or ""]
        assert node.code.rsplit(".", 1)[0] == parent.code or node.depth == 1


def test_flatten_numbers_children_in_order() -> None:
    root = Branch(
        "r", "R", children=[Branch("a", "A", children=[Branch("x", "X")]), Branch("b", "B")]
    )
    tree = flatten(root, "", "f")
    assert [(n.code, n.depth, n.parent_id, n.children) for n in tree.nodes] == [
        ("", 0, None, ("a", "b")),
        ("1", 1, "r", ("x",)),
        ("1.1", 2, "a", ()),
        ("2", 1, "r", ()),
    ]


def test_csv_rows_out_of_order_are_refused() -> None:
    with pytest.raises(PlanError, match="line 3 has no parent"):
        csv_branch([["Root", "", "", "", "r"], ["", "", "Deep", "", "d"]], "x.csv")
    with pytest.raises(PlanError, match="line 3 is a second project root"):
        csv_branch([["Root", "", "", "", "r"], ["Root2", "", "", "", "r2"]], "x.csv")
    with pytest.raises(PlanError, match="line 2 has no task name or no task id"):
        csv_branch([["Root", "", "", "", ""]], "x.csv")


def test_parent_id_in_the_full_json_is_ignored_in_favour_of_the_tree(
    run_dir: Callable[..., Path],
) -> None:
    data = wbs_full()
    data["wbs_project"]["task_children"][0]["parent_id"] = "elsewhere"
    plan = read_plan(run_dir(replace={FULL: json.dumps(data).encode()}))
    assert plan.by_id["p1"].parent_id == "r0"
