"""The work breakdown: a tree of ids and names, flattened in pre-order with WBS codes.

Sources, best first (format notes §4): `wbs_project_level1_and_level2_and_level3.json`; else the
component files (`wbs_level1.json` + `wbs_level2.json`, or `wbs_project_level1_and_level2.json`,
plus `wbs_level3.json` by `parent_id`); else the semicolon-separated CSV (names and ids only).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from planexe import coerce
from planexe.catalog import Catalog
from planexe.diagnostics import Diagnostics
from planexe.errors import PlanError

FULL = "wbs_project_level1_and_level2_and_level3.json"
LEVEL12 = "wbs_project_level1_and_level2.json"
CSV = "wbs_project_level1_and_level2_and_level3.csv"
_MAX_DEPTH = 10


@dataclass
class Branch:
    """A node while the tree is being built (mutable, nested)."""

    id: str
    name: str
    description: str = ""
    resources: tuple[str, ...] = ()
    children: list[Branch] = field(default_factory=list)


@dataclass(frozen=True)
class TreeNode:
    id: str
    code: str
    depth: int
    parent_id: str | None
    name: str
    description: str
    resources: tuple[str, ...]
    children: tuple[str, ...]


@dataclass(frozen=True)
class Tree:
    nodes: tuple[TreeNode, ...]  # pre-order, root first
    final_deliverable: str = ""
    file: str = ""  # the file the tree was read from

    def label(self, node_id: str) -> str:
        """`1.2 Secure Funding` (or `the project "X"` for the root), for messages."""
        node = next(n for n in self.nodes if n.id == node_id)
        return f"{node.code} {node.name}" if node.code else f'the project "{node.name}"'


def load_tree(cat: Catalog, diag: Diagnostics) -> Tree:
    """The WBS from the best available source; PlanError when there is none."""
    full = cat.load(FULL)
    if full is not None:
        name, data = full
        root, deliverable = project_branch(data, name.basename)
        return flatten(root, deliverable, name.basename)
    for build in (_from_components, _from_csv):
        tree = build(cat, diag)
        if tree is not None:
            diag.warn("wbs-fallback", f"{FULL} is missing; rebuilt the WBS from {tree.file}")
            return tree
    raise PlanError(
        "is missing, and the plan has no other work breakdown to rebuild it from"
        f" (wbs_level1.json + wbs_level2.json, or {CSV})",
        FULL,
    )


# --------------------------------------------------------------------------- JSON tree


def project_branch(data: Any, file: str) -> tuple[Branch, str]:
    """The root Branch of `{"wbs_project": {...}}` and its final deliverable."""
    project = data.get("wbs_project") if isinstance(data, dict) else None
    if not isinstance(project, dict):
        raise PlanError("has no 'wbs_project' object at the top", file)
    deliverable = coerce.text(coerce.mapping(project.get("extra_fields")).get("final_deliverable"))
    return _json_branch(project, "wbs_project", file, 0), deliverable


def _json_branch(obj: Any, where: str, file: str, depth: int) -> Branch:
    if depth > _MAX_DEPTH:
        raise PlanError(f"{where} is nested deeper than {_MAX_DEPTH} levels", file)
    if not isinstance(obj, dict):
        raise PlanError(f"{where} is not an object", file)
    node_id = coerce.identifier(obj.get("id"))
    if not node_id:
        raise PlanError(f"{where} has no 'id'", file)
    kids = obj.get("task_children")
    kids = [] if kids is None else kids
    if not isinstance(kids, list):
        raise PlanError(f"{where}.task_children is not a list", file)
    extra = coerce.mapping(obj.get("extra_fields"))
    return Branch(
        id=node_id,
        name=coerce.text(obj.get("description")),
        description=coerce.text(extra.get("detailed_description")),
        resources=coerce.texts(extra.get("resources_needed")),
        children=[
            _json_branch(kid, f"{where}.task_children[{i}]", file, depth + 1)
            for i, kid in enumerate(kids)
        ],
    )


def flatten(root: Branch, final_deliverable: str, file: str) -> Tree:
    """Pre-order nodes with codes 1 / 1.2 / 1.2.3 from child order; duplicate ids are an error."""
    nodes: list[TreeNode] = []
    seen: dict[str, TreeNode] = {}
    stack: list[tuple[Branch, str, int, str | None]] = [(root, "", 0, None)]
    while stack:
        branch, code, depth, parent = stack.pop()
        node = TreeNode(
            id=branch.id,
            code=code,
            depth=depth,
            parent_id=parent,
            name=branch.name,
            description=branch.description,
            resources=branch.resources,
            children=tuple(kid.id for kid in branch.children),
        )
        if node.id in seen:
            raise PlanError(_duplicate_message(seen[node.id], node), file)
        seen[node.id] = node
        nodes.append(node)
        for i, kid in reversed(list(enumerate(branch.children, start=1))):
            stack.append((kid, f"{code}.{i}" if code else str(i), depth + 1, branch.id))
    return Tree(tuple(nodes), final_deliverable, file)


def _duplicate_message(first: TreeNode, second: TreeNode) -> str:
    def label(n: TreeNode) -> str:
        return f"{n.code} {n.name!r}" if n.code else f"the project root {n.name!r}"

    return f"task id {first.id!r} is used twice: by {label(first)} and by {label(second)}"


# --------------------------------------------------------------------------- fallback 1


def _from_components(cat: Catalog, diag: Diagnostics) -> Tree | None:
    base = _base_branch(cat)
    if base is None:
        return None
    root, deliverable, file = base
    level3 = cat.load("wbs_level3.json")
    if level3 is None:
        diag.warn("wbs-no-detail", "wbs_level3.json is missing: the plan has no detailed tasks")
    else:
        _attach_level3(root, level3[1], level3[0].basename, diag)
        file = f"{file} + {level3[0].basename}"
    return flatten(root, deliverable, file)


def _base_branch(cat: Catalog) -> tuple[Branch, str, str] | None:
    """Root, phases and subtasks: from the level-1-and-2 tree, or wbs_level1 + wbs_level2."""
    tree12 = cat.load(LEVEL12)
    if tree12 is not None:
        name, data = tree12
        root, deliverable = project_branch(data, name.basename)
        return root, deliverable, name.basename
    if not (cat.has("wbs_level1.json") and cat.has("wbs_level2.json")):
        return None
    l1, l2 = cat.load("wbs_level1.json"), cat.load("wbs_level2.json")
    assert l1 is not None and l2 is not None
    root = _level1_branch(l1[1], l1[0].basename)
    root.children = _level2_branches(l2[1], l2[0].basename)
    deliverable = coerce.text(coerce.mapping(l1[1]).get("final_deliverable"))
    return root, deliverable, f"{l1[0].basename} + {l2[0].basename}"


def _level1_branch(data: Any, file: str) -> Branch:
    obj = coerce.mapping(data)
    node_id = coerce.identifier(obj.get("id"))
    if not node_id:
        raise PlanError("has no project 'id'", file)
    return Branch(id=node_id, name=coerce.text(obj.get("project_title")))


def _level2_branches(data: Any, file: str) -> list[Branch]:
    if not isinstance(data, list):
        raise PlanError("is not a list of major phases", file)
    phases = []
    for i, phase in enumerate(coerce.records(data)):
        subtasks = [
            _leaf(sub, f"[{i}].subtasks[{j}]", file, "description")
            for j, sub in enumerate(coerce.records(phase.get("subtasks")))
        ]
        branch = _leaf(phase, f"[{i}]", file, "major_phase_title")
        branch.children = subtasks
        phases.append(branch)
    return phases


def _leaf(obj: dict[str, Any], where: str, file: str, name_key: str) -> Branch:
    node_id = coerce.identifier(obj.get("id"))
    if not node_id:
        raise PlanError(f"entry {where} has no 'id'", file)
    return Branch(id=node_id, name=coerce.text(obj.get(name_key)))


def _attach_level3(root: Branch, data: Any, file: str, diag: Diagnostics) -> None:
    if not isinstance(data, list):
        raise PlanError("is not a list of detailed tasks", file)
    parents: dict[str, Branch] = {}
    stack = [root]
    while stack:
        branch = stack.pop()
        parents[branch.id] = branch
        stack.extend(branch.children)
    for i, item in enumerate(coerce.records(data)):
        task = _leaf(item, f"[{i}]", file, "name")
        task.description = coerce.text(item.get("description"))
        task.resources = coerce.texts(item.get("resources_needed"))
        parent = parents.get(coerce.identifier(item.get("parent_id")))
        if parent is None:
            message = f"detailed task {task.id!r} names an unknown parent; dropped"
            diag.warn("unknown-parent", message, file)
            continue
        parent.children.append(task)


# --------------------------------------------------------------------------- fallback 2


def _from_csv(cat: Catalog, diag: Diagnostics) -> Tree | None:
    found = cat.load_text(CSV)
    if found is None:
        return None
    name, text = found
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=";") if any(row)]
    if len(rows) < 2:
        raise PlanError("has no task rows", name.basename)
    root = csv_branch(rows[1:], name.basename)
    return flatten(root, "", name.basename)


def csv_branch(rows: list[list[str]], file: str) -> Branch:
    """Rows `Level 1;…;Level 4;Task ID` (header removed): the name's column is the depth."""
    path: list[Branch] = []
    for number, row in enumerate(rows, start=2):
        cells = [c.strip() for c in row]
        depth = next((i for i, c in enumerate(cells[:-1]) if c), None)
        node_id = cells[-1] if len(cells) > 1 else ""
        if depth is None or not node_id:
            raise PlanError(f"line {number} has no task name or no task id", file)
        if depth == 0 and path:
            raise PlanError(f"line {number} is a second project root", file)
        if depth > len(path):
            raise PlanError(f"line {number} has no parent at the level above it", file)
        branch = Branch(id=node_id, name=cells[depth])
        del path[depth:]
        if path:
            path[-1].children.append(branch)
        path.append(branch)
    return path[0]
