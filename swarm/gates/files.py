"""Rules about which files a pull request touches and whether they are well formed.

- `schema`: the base has valid settings; every changed task file decodes, parses (strict YAML:
  no anchors, aliases or tags) and validates, with the id its path names; no changed text file
  holds git conflict markers; the judged task's file on the base parses (a broken main must fail
  loudly, not be skipped).
- `scope`: one pull request, one task (DESIGN.md invariant 2): only the files of the task it
  names, no task file created, deleted or renamed, no plan-derived field changed.
- `protected-path`: agents never change repository machinery (workflows, settings, schemas, the
  plan). People may; on GitHub, CODEOWNERS review governs that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from swarm.gates.context import Context, finding, is_protected
from swarm.gates.model import Finding
from swarm.layout import task_id_of_path
from swarm.settings import SETTINGS_PATH
from swarm.task import TaskFile

# Fields that materialization copies from the plan: everything before `state`.
_FIELDS = tuple(TaskFile.model_fields)
PLAN_FIELDS: tuple[str, ...] = _FIELDS[: _FIELDS.index("state")]

# `=======` alone is also a Markdown heading underline; in Markdown it counts only next to the
# other two markers, which have no innocent reading.
_OPEN_CLOSE = re.compile(r"^(?:<<<<<<< |>>>>>>> |<<<<<<<$|>>>>>>>$)")
_MIDDLE = re.compile(r"^=======$")


def check_schema(ctx: Context) -> Iterator[Finding]:
    if ctx.settings_error is not None:
        yield finding("schema", SETTINGS_PATH, f"{SETTINGS_PATH} {ctx.settings_error}")
    for change in ctx.inp.changes:
        if ctx.inp.head.read(change.path) is None:
            continue  # deleted: nothing left to be malformed
        if task_id_of_path(change.path) is not None:
            yield from _task_file(ctx, change.path)
        yield from _conflict_markers(ctx, change.path)
    base = ctx.base_task
    if base is not None and base.error is not None and base.path not in ctx.paths:
        yield finding("schema", base.path, f"the base version of the task file {base.error}")


def _task_file(ctx: Context, path: str) -> Iterator[Finding]:
    parsed = ctx.parse(ctx.inp.head, "head", path)
    if parsed.error is not None:
        yield finding("schema", path, f"task file {parsed.error}")
        return
    expected = task_id_of_path(path)
    if parsed.task is not None and parsed.task.id != expected:
        yield finding("schema", path, f"id {parsed.task.id} differs from {expected}, its path's id")


def _conflict_markers(ctx: Context, path: str) -> Iterator[Finding]:
    text = ctx.head_text(path)
    if text is None:
        return  # binary: git does not write markers into files it cannot merge as text
    lines = text.splitlines()
    strong = [n for n, line in enumerate(lines, 1) if _OPEN_CLOSE.match(line)]
    middle = [n for n, line in enumerate(lines, 1) if _MIDDLE.match(line)]
    if path.endswith(".md") and not strong:
        middle = []
    hits = sorted(strong + middle)
    if hits:
        yield finding(
            "schema",
            path,
            f"git conflict markers on line {hits[0]}"
            + (f" (and {len(hits) - 1} more)" if len(hits) > 1 else "")
            + ": resolve the conflict before proposing the change",
        )


def check_scope(ctx: Context) -> Iterator[Finding]:
    if not ctx.inp.changes:
        yield finding("scope", "", "the pull request changes nothing")
        return
    protected = ctx.gates.protected_paths
    for path, owner in ctx.owners.items():
        if owner is None and not is_protected(path, protected):
            yield finding(
                "scope", path, f"{path} belongs to no task: a pull request changes one task's files"
            )
    ids = ctx.owned_ids
    if len(ids) > 1:
        yield finding(
            "scope",
            "",
            f"changes the files of {len(ids)} tasks ({', '.join(ids)}): one pull request, one task",
        )
    yield from _proposal_matches(ctx)
    yield from _task_file_kept(ctx)
    yield from _plan_fields_kept(ctx)


def _proposal_matches(ctx: Context) -> Iterator[Finding]:
    named = ctx.inp.proposal.task
    if named is None:
        return
    for path, owner in ctx.owners.items():
        if owner is not None and owner != named:
            yield finding(
                "scope",
                path,
                f"{path} belongs to task {owner}, not {named}, the task the pull request names",
            )


def _task_file_kept(ctx: Context) -> Iterator[Finding]:
    """Task files are made by materialization only; a pull request edits the one it has."""
    for change in ctx.inp.changes:
        if not change.path.startswith("tasks/"):
            continue
        if task_id_of_path(change.path) is None:
            if ctx.inp.head.read(change.path) is not None:
                yield finding(
                    "scope",
                    change.path,
                    "tasks/ holds task files only, each at "
                    "tasks/<phase>/<subtask>/<id>-<slug>.yaml",
                )
            continue
        in_base = ctx.inp.base.read(change.path) is not None
        in_head = ctx.inp.head.read(change.path) is not None
        if in_base and not in_head:
            yield finding("scope", change.path, "deletes a task file: tasks are never deleted")
        elif in_head and not in_base:
            yield finding(
                "scope",
                change.path,
                "adds a task file (or renames one): tasks come from the plan, one file each",
            )


def _plan_fields_kept(ctx: Context) -> Iterator[Finding]:
    base, head = ctx.base_task, ctx.head_task
    if base is None or head is None or base.task is None or head.task is None:
        return
    changed = [f for f in PLAN_FIELDS if getattr(base.task, f) != getattr(head.task, f)]
    if changed:
        yield finding(
            "scope",
            head.path,
            f"changes the plan-derived field(s) {', '.join(changed)} of task {base.task.id}: "
            "they come from the plan and change only by materializing it again",
        )


def check_protected_path(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_agent:
        return
    protected = ctx.gates.protected_paths
    for path in ctx.paths:
        if is_protected(path, protected):
            yield finding(
                "protected-path",
                path,
                f"{path} is protected: agents may not change it "
                f"({ctx.inp.actor.name} is a {ctx.inp.actor.role} agent)",
            )
