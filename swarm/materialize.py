"""Plan -> repository. `build_tree` is pure (same plan, template and version: same tree id);
`materialize` does the I/O: build aside, commit, create the forge's issues, move into place.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import swarm
from planexe.model import Plan
from swarm import plan_docs, repo_readme
from swarm import settings as settings_mod
from swarm.collector import collector_paused
from swarm.errors import SwarmError
from swarm.forge.local import LocalForge
from swarm.gitstore import MAIN, GitStore, Identity
from swarm.issue_sync import SyncCounts, sync_issues
from swarm.layout import TASKS_DIR, task_path
from swarm.plan_tasks import build_tasks
from swarm.repo import FORGE_DIR, is_plan_swarm_repo, open_repo
from swarm.settings import PlanRef, Settings
from swarm.task import SCHEMA_PATH, TaskFile, json_schema_text, to_yaml
from swarm.task_index import TaskIndex

MATERIALIZER = Identity("plan-swarm", "plan-swarm@users.noreply.github.com")
Step = Callable[[str], None]


@dataclass(frozen=True)
class Result:
    out: Path
    commit: str
    tree: str
    fresh: bool  # False: the repository already held this plan, git was left alone
    tasks: int
    issues: SyncCounts


def default_settings(plan: Plan, humans: Sequence[str] = ()) -> Settings:
    return Settings(
        plan_swarm_version=swarm.__version__,
        plan=PlanRef(planexe_id=plan.root.id, title=plan.title, digest=plan.source.digest),
        humans=tuple(humans),
    )


def build_tree(plan: Plan, settings: Settings, tasks: Sequence[TaskFile]) -> dict[str, bytes]:
    files = template_files(settings)
    files.update(plan_docs.plan_files(plan))
    files["README.md"] = repo_readme.render(plan, tasks).encode()
    files["swarm.yaml"] = settings_mod.to_yaml(settings).encode()
    files[SCHEMA_PATH] = json_schema_text().encode()
    for task in tasks:
        files[task_path(task.id, task.title)] = to_yaml(task).encode()
    return dict(sorted(files.items()))


def template_files(settings: Settings) -> dict[str, bytes]:
    """The files every repository starts with, from repo_templates/ (README.* are parts of
    the README, rendered separately). `@plan_swarm_version@` is the only substitution."""
    root = resources.files("repo_templates")
    out: dict[str, bytes] = {}
    for rel, item in _walk(root, ""):
        if rel.startswith("README.") or rel.endswith((".py", ".pyc")):
            continue
        text = item.read_text("utf-8").replace("@plan_swarm_version@", settings.plan_swarm_version)
        if rel == ".github/CODEOWNERS":
            text = _codeowners(text, settings.humans)
        out[rel] = text.encode()
    return out


def _walk(node: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    out = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        rel = prefix + child.name
        if child.is_dir():
            out.extend(_walk(child, rel + "/"))
        else:
            out.append((rel, child))
    return out


def _codeowners(template: str, humans: Sequence[str]) -> str:
    owners = " ".join(f"@{h.lstrip('@')}" for h in humans)
    if not owners:
        return template.replace("@owners@", "@OWNER").replace("\n/", "\n# /")
    return template.replace("@owners@", owners)


def commit_time(plan: Plan) -> int:
    """The materialization commit is dated at the plan's start, so it is reproducible too."""
    day = plan.start_date or plan.plan_date or dt.date(1970, 1, 1)
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def commit_message(plan: Plan, tasks: Sequence[TaskFile]) -> str:
    return (
        f"Materialize plan: {plan.title}\n\n"
        f"{len(plan.phases)} phases, {len(plan.subtasks)} subtasks, {len(tasks)} tasks, "
        f"{len(plan.dependencies)} dependencies.\n\n"
        f"Plan-Digest: {plan.source.digest}\n"
        f"Plan-Swarm-Version: {swarm.__version__}\n"
    )


def materialize(
    plan: Plan,
    out: Path,
    humans: Sequence[str] = (),
    step: Step = lambda _: None,
    local_issues: bool = True,
) -> Result:
    """Materialize into `out`; `local_issues=False` leaves the issues to another forge (the
    repository is then published, see github_publish)."""
    with collector_paused():  # a bulk build: every task's objects live until the end
        return _materialize(plan, out, humans, step, local_issues)


def _materialize(
    plan: Plan, out: Path, humans: Sequence[str], step: Step, local_issues: bool
) -> Result:
    step("deriving tasks")
    tasks = build_tasks(plan)
    settings = default_settings(plan, humans)
    if out.exists() and not _is_empty_dir(out):
        return _rerun(plan, out, tasks, local_issues)
    if not out.parent.is_dir():
        raise SwarmError(f"{out.parent}: no such directory (the parent of --out must exist)")
    step("rendering files")
    tree_files = build_tree(plan, settings, tasks)
    _remove_stale_asides(out)
    aside = out.parent / f"{_ASIDE_PREFIX.format(name=out.name)}{os.getpid()}"
    try:
        commit, tree, counts = _build_aside(plan, tasks, tree_files, aside, step, local_issues)
        os.replace(aside, out)
    except BaseException:
        shutil.rmtree(aside, ignore_errors=True)
        raise
    return Result(out, commit, tree, True, len(tasks), counts)


_ASIDE_PREFIX = ".{name}.plan-swarm-"


def _remove_stale_asides(out: Path) -> None:
    """Remove what a killed run built beside `out`: its pid is in the name, and dead."""
    prefix = _ASIDE_PREFIX.format(name=out.name)
    for path in out.parent.glob(prefix + "*"):
        pid = path.name[len(prefix) :]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _build_aside(
    plan: Plan,
    tasks: Sequence[TaskFile],
    files: dict[str, bytes],
    aside: Path,
    step: Step,
    local_issues: bool,
) -> tuple[str, str, SyncCounts]:
    step("writing git objects")
    git = GitStore.init_bare(aside)
    tree = git.write_tree(files)
    who = Identity(MATERIALIZER.name, MATERIALIZER.email, commit_time(plan))
    commit = git.commit(MAIN, tree, commit_message(plan, tasks), who, [], expected=None)
    if not local_issues:
        (aside / FORGE_DIR).mkdir()
        counts = SyncCounts(0, 0)
    else:
        step("creating issues")
        with LocalForge.create(aside) as forge:
            counts = sync_issues(forge, tasks)
    # the task index starts with every task file and main's listing of them, so status need
    # neither parse nor list them
    folder = git.folder_id(commit, TASKS_DIR)
    assert folder is not None, "a plan has tasks"
    with TaskIndex(aside) as index:
        located = ((task_path(t.id, t.title), t) for t in tasks)
        index.remember_folder(folder, ((path, t, files[path]) for path, t in located))
    return commit, tree, counts


def _rerun(plan: Plan, out: Path, tasks: Sequence[TaskFile], sync: bool) -> Result:
    if not out.is_dir() or not is_plan_swarm_repo(out):
        raise SwarmError(
            f"{out}: exists, is not empty and is not a plan-swarm repository; "
            "choose a new or empty --out directory"
        )
    repo = open_repo(out)
    with repo.forge as forge:  # closed on a refusal too: no SQLite connection left open
        held = repo.settings().plan
        if held.digest != plan.source.digest:
            same = (
                "another version of this plan"
                if held.planexe_id == plan.root.id
                else "another plan"
            )
            raise SwarmError(
                f"{out}: holds {same} ({held.title!r}, {held.digest[:19]}…); "
                "materialize this plan into a new directory"
            )
        current = repo.tasks()
        counts = sync_issues(forge, current) if sync else SyncCounts(0, 0)
    head = repo.git.resolve(MAIN) or ""
    return Result(out, head, repo.git.tree_id(MAIN), False, len(current), counts)


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())
