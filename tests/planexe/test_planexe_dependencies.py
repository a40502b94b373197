"""Dependencies: pairing, de-duplication, unknown ids, links within a branch, cycles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planexe import PlanError, read_plan
from planexe.dependencies import _Spans, find_cycle
from planexe.model import Dependency
from planexe.wbs import Tree, TreeNode
from tests.planexe.planexe_fixtures import dumps

FILE = "task_dependencies_raw.json"


def deps_file(*entries: tuple[str, list[str], list[str]]) -> dict[str, bytes]:
    details: list[dict[str, Any]] = [
        {
            "dependent_task_id": dependent,
            "depends_on_task_id_list": targets,
            "depends_on_task_explanation_list": reasons,
        }
        for dependent, targets, reasons in entries
    ]
    return {FILE: dumps({"task_dependency_details": details, "metadata": {}})}


def test_pairs_and_explanations_by_index(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    assert plan.dependencies == (
        Dependency(
            dependent="s12", depends_on="s11", explanation="Hire once the charter is signed."
        ),
        Dependency(dependent="s22", depends_on="s21", explanation="Parts must arrive first."),
        Dependency(dependent="s22", depends_on="s11", explanation=""),  # no explanation given
    )
    assert not plan.warnings


def test_duplicates_are_merged_first_wins(run_dir: Callable[..., Path]) -> None:
    replace = deps_file(
        ("s12", ["s11", "s11"], ["first", "second"]),
        ("s12", ["s11", "s21"], ["third"]),  # the same dependent appears twice
    )
    plan = read_plan(run_dir(replace=replace))
    assert [(d.dependent, d.depends_on, d.explanation) for d in plan.dependencies] == [
        ("s12", "s11", "first"),
        ("s12", "s21", ""),
    ]


def test_unknown_id_is_a_warning_not_a_failure(run_dir: Callable[..., Path]) -> None:
    replace = deps_file(("s12", ["nope", "s11"], ["a", "b"]), ("ghost", ["s11"], []))
    plan = read_plan(run_dir(replace=replace))
    assert [(d.dependent, d.depends_on) for d in plan.dependencies] == [("s12", "s11")]
    warnings = [(w.code, w.message) for w in plan.warnings]
    assert warnings == [
        ("unknown-dependency-id", "entry 0: task id 'nope' is not in the WBS; dropped"),
        ("unknown-dependency-id", "entry 1: task id 'ghost' is not in the WBS; dropped"),
    ]
    assert all(w.file == f"021-1-{FILE}" for w in plan.warnings)


@pytest.mark.parametrize(
    ("dependent", "depends_on", "code"),
    [
        ("s11", "p1", "ancestor-dependency"),
        ("p1", "t113", "ancestor-dependency"),
        ("s11", "s11", "self-dependency"),
    ],
)
def test_links_within_one_branch_are_dropped(
    run_dir: Callable[..., Path], dependent: str, depends_on: str, code: str
) -> None:
    plan = read_plan(run_dir(replace=deps_file((dependent, [depends_on], ["why"]))))
    assert plan.dependencies == ()
    assert [w.code for w in plan.warnings] == [code]


def test_ancestor_warning_names_codes_and_names(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir(replace=deps_file(("s11", ["p1"], []))))
    assert plan.warnings[0].message == (
        "entry 0: 1.1 Write the charter depends on 1 Plan the work, which is in its own branch"
        " of the WBS; dropped"
    )


def test_cycle(run_dir: Callable[..., Path]) -> None:
    replace = deps_file(("s11", ["s21"], []), ("s21", ["s22"], []), ("s22", ["s11"], []))
    with pytest.raises(PlanError) as err:
        read_plan(run_dir(replace=replace))
    assert err.value.file == f"021-1-{FILE}"
    assert err.value.message == (
        "the dependencies form a cycle: 1.1 Write the charter waits for 2.1 Buy parts;"
        " 2.1 Buy parts waits for 2.2 Assemble; 2.2 Assemble waits for 1.1 Write the charter"
    )


def test_cycle_through_the_hierarchy(run_dir: Callable[..., Path]) -> None:
    """Plan the work waits for a part of Build it, and Build it for a part of Plan the work:
    lifted to detailed tasks, that goes round."""
    replace = deps_file(("p1", ["s21"], []), ("p2", ["s12"], []))
    with pytest.raises(PlanError) as err:
        read_plan(run_dir(replace=replace))
    assert err.value.message == (
        "the dependencies form a cycle: 1 Plan the work waits for 2.1 Buy parts, which is inside"
        " 2 Build it; 2 Build it waits for 1.2 Hire the team, which is inside 1 Plan the work"
    )


def test_chains_and_diamonds_are_not_cycles(run_dir: Callable[..., Path]) -> None:
    replace = deps_file(
        ("s12", ["s11"], []), ("s21", ["s12", "s11"], []), ("s22", ["s21", "s11"], [])
    )
    assert len(read_plan(run_dir(replace=replace)).dependencies) == 5


def test_missing_or_odd_dependency_file(run_dir: Callable[..., Path]) -> None:
    assert read_plan(run_dir(omit=[FILE])).dependencies == ()
    plan = read_plan(run_dir(replace={FILE: dumps({"task_dependency_details": "none"})}))
    assert plan.dependencies == () and plan.warnings[0].code == "unexpected-shape"


def _random_tree(shape: list[int]) -> Tree:
    """A pre-order tree: the root, then for each phase its subtasks, `shape[i]` of them."""
    nodes = [TreeNode("r", "", 0, None, "root", "", (), ())]
    for p, width in enumerate(shape, 1):
        nodes.append(TreeNode(f"p{p}", f"{p}", 1, "r", f"P{p}", "", (), ()))
        nodes += [
            TreeNode(f"s{p}.{s}", f"{p}.{s}", 2, f"p{p}", f"S{p}.{s}", "", (), ())
            for s in range(1, width + 1)
        ]
    return Tree(tuple(nodes))


@settings(max_examples=300, deadline=None)
@given(shape=st.lists(st.integers(0, 4), min_size=1, max_size=5), data=st.data())
def test_cycles_are_those_every_pair_comparison_finds(shape: list[int], data: Any) -> None:
    """find_cycle looks related dependents up by pre-order range and parent walk; it must
    agree with the definition: dep i leads to dep j when j's dependent is i's `depends_on`,
    inside it or contains it."""
    tree = _random_tree(shape)
    ids = [n.id for n in tree.nodes[1:]]
    spans = _Spans.of(tree)
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids))
    raw = data.draw(st.lists(pairs, max_size=8))
    deps = tuple(Dependency(dependent=a, depends_on=b) for a, b in raw if not spans.related(a, b))
    succ = [
        [j for j, d in enumerate(deps) if spans.related(d.dependent, dep.depends_on)]
        for dep in deps
    ]
    cycle = find_cycle(deps, spans)
    assert bool(cycle) == _has_cycle(succ)
    for dep, nxt in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        assert spans.related(nxt.dependent, dep.depends_on)


def _has_cycle(succ: list[list[int]]) -> bool:
    indegree = [0] * len(succ)
    for targets in succ:
        for j in targets:
            indegree[j] += 1
    free = [i for i, d in enumerate(indegree) if d == 0]
    seen = 0
    while free:
        seen += 1
        for j in succ[free.pop()]:
            indegree[j] -= 1
            if indegree[j] == 0:
                free.append(j)
    return seen < len(succ)
