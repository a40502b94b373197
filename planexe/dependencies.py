"""Dependencies from task_dependencies_raw.json: cleaned, de-duplicated and checked for cycles.

PlanExe's dependencies are a sample of key constraints between subtasks (format notes §5). They
are kept at the level PlanExe gave them; consumers may lift them to detailed tasks. So the cycle
check looks through the hierarchy: `A waits for B` and `B's child waits for A's child` is a
cycle once lifted, and is refused here.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from planexe import coerce
from planexe.catalog import Catalog
from planexe.diagnostics import Diagnostics
from planexe.errors import PlanError
from planexe.model import Dependency
from planexe.wbs import Tree

FILE = "task_dependencies_raw.json"


@dataclass(frozen=True)
class _Spans:
    """Pre-order intervals: `b` is inside `a` (or is `a`) iff start[a] <= start[b] < end[a]."""

    start: dict[str, int]
    end: dict[str, int]
    parent: dict[str, str | None]

    @classmethod
    def of(cls, tree: Tree) -> _Spans:
        start = {n.id: i for i, n in enumerate(tree.nodes)}
        end = dict.fromkeys(start, len(tree.nodes))
        stack: list[tuple[int, str]] = []  # (depth, id) of the open nodes
        for i, node in enumerate(tree.nodes):
            while stack and stack[-1][0] >= node.depth:
                end[stack.pop()[1]] = i
            stack.append((node.depth, node.id))
        return cls(start, end, {n.id: n.parent_id for n in tree.nodes})

    def inside(self, inner: str, outer: str) -> bool:
        return self.start[outer] <= self.start[inner] < self.end[outer]

    def related(self, a: str, b: str) -> bool:
        return self.inside(a, b) or self.inside(b, a)

    def ancestors(self, node: str) -> Iterator[str]:
        at = self.parent.get(node)
        while at is not None:
            yield at
            at = self.parent.get(at)


def load_dependencies(cat: Catalog, tree: Tree, diag: Diagnostics) -> tuple[Dependency, ...]:
    found = cat.load(FILE)
    if found is None:
        return ()
    name, data = found
    details = coerce.mapping(data).get("task_dependency_details")
    if not isinstance(details, list):
        diag.warn(
            "unexpected-shape", "has no 'task_dependency_details' list; ignored", name.basename
        )
        return ()
    deps = build_dependencies(details, tree, name.basename, diag)
    check_cycles(deps, tree, name.basename)
    return deps


def build_dependencies(
    details: list[Any], tree: Tree, file: str, diag: Diagnostics
) -> tuple[Dependency, ...]:
    """One Dependency per (dependent, depends_on) pair, first occurrence wins; explanations are
    paired by index and may be missing. Unknown ids and links within one branch are dropped."""
    spans = _Spans.of(tree)
    out: dict[tuple[str, str], Dependency] = {}
    for i, entry in enumerate(coerce.records(details)):
        for dep in _entry_pairs(entry):
            problem = _problem(dep, spans, tree)
            if problem:
                diag.warn(problem[0], f"entry {i}: {problem[1]}; dropped", file)
            elif (dep.dependent, dep.depends_on) not in out:
                out[(dep.dependent, dep.depends_on)] = dep
    return tuple(out.values())


def _entry_pairs(entry: dict[str, Any]) -> list[Dependency]:
    dependent = coerce.identifier(entry.get("dependent_task_id"))
    targets = entry.get("depends_on_task_id_list")
    if not isinstance(targets, list):
        targets = [targets] if isinstance(targets, str) else []
    reasons = entry.get("depends_on_task_explanation_list")
    reasons = reasons if isinstance(reasons, list) else []
    return [
        Dependency(
            dependent=dependent,
            depends_on=coerce.identifier(target),
            explanation=coerce.text(reasons[k]) if k < len(reasons) else "",
        )
        for k, target in enumerate(targets)
    ]


def _problem(dep: Dependency, spans: _Spans, tree: Tree) -> tuple[str, str] | None:
    """(warning code, message) when a dependency cannot be kept."""
    for task_id in (dep.dependent, dep.depends_on):
        if task_id not in spans.start:
            return "unknown-dependency-id", f"task id {task_id!r} is not in the WBS"
    if dep.dependent == dep.depends_on:
        return "self-dependency", f"{tree.label(dep.dependent)} depends on itself"
    if spans.related(dep.dependent, dep.depends_on):
        a, b = tree.label(dep.dependent), tree.label(dep.depends_on)
        return "ancestor-dependency", f"{a} depends on {b}, which is in its own branch of the WBS"
    return None


def check_cycles(deps: tuple[Dependency, ...], tree: Tree, file: str) -> None:
    """PlanError naming the cycle when the dependencies, lifted through the WBS, go round."""
    cycle = find_cycle(deps, _Spans.of(tree))
    if cycle:
        raise PlanError(f"the dependencies form a cycle: {describe_cycle(cycle, tree)}", file)


def find_cycle(deps: tuple[Dependency, ...], spans: _Spans) -> list[Dependency]:
    """A cycle of dependencies, where one leads to the next when the first one's `depends_on`
    and the next one's `dependent` are the same node or one contains the other. [] if none."""
    dependents = _Dependents(deps, spans)
    succ = [dependents.related(dep.depends_on) for dep in deps]
    state = [0] * len(deps)  # 0 new, 1 on the current path, 2 done
    for start in range(len(deps)):
        path = _dfs(start, succ, state)
        if path:
            return [deps[i] for i in path]
    return []


class _Dependents:
    """Which dependencies have their dependent at, inside or above a node. The WBS is
    shallow, so a node's ancestors are a short walk up, and what is inside it is a range of the
    pre-order: finding them stays near-linear where comparing every pair of dependencies did
    not."""

    def __init__(self, deps: tuple[Dependency, ...], spans: _Spans) -> None:
        self.spans = spans
        self.by_node: dict[str, list[int]] = {}
        for i, dep in enumerate(deps):
            self.by_node.setdefault(dep.dependent, []).append(i)
        self.rank = {node: r for r, node in enumerate(self.by_node)}
        self.ordered = sorted(self.by_node, key=spans.start.__getitem__)
        self.starts = [spans.start[n] for n in self.ordered]

    def related(self, node: str) -> list[int]:
        """Indices of those deps, in the order of their dependents' first appearance."""
        lo = bisect.bisect_left(self.starts, self.spans.start[node])
        hi = bisect.bisect_left(self.starts, self.spans.end[node])
        above = (n for n in self.spans.ancestors(node) if n in self.by_node)
        nodes = [*self.ordered[lo:hi], *above]
        nodes.sort(key=self.rank.__getitem__)
        return [j for n in nodes for j in self.by_node[n]]


def _dfs(start: int, succ: list[list[int]], state: list[int]) -> list[int]:
    """Iterative depth-first search from `start`; the indices of a cycle if one is reached."""
    if state[start]:
        return []
    path, iters = [start], [iter(succ[start])]
    state[start] = 1
    while path:
        nxt = next(iters[-1], None)
        if nxt is None:
            state[path.pop()] = 2
            iters.pop()
        elif state[nxt] == 1:
            return path[path.index(nxt) :]
        elif state[nxt] == 0:
            state[nxt] = 1
            path.append(nxt)
            iters.append(iter(succ[nxt]))
    return []


def describe_cycle(cycle: list[Dependency], tree: Tree) -> str:
    """`1.1 A waits for 2.1 B; 2.1 B waits for 1.1 A`, naming hops through the hierarchy:
    `1 P waits for 2.1 B, which is inside 2 Q; 2 Q waits for …`."""
    spans = _Spans.of(tree)
    steps = []
    for dep, nxt in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        step = f"{tree.label(dep.dependent)} waits for {tree.label(dep.depends_on)}"
        if nxt.dependent != dep.depends_on:
            inside = spans.inside(dep.depends_on, nxt.dependent)
            step += f", which {'is inside' if inside else 'contains'} {tree.label(nxt.dependent)}"
        steps.append(step)
    return "; ".join(steps)
