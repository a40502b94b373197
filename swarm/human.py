"""The human lane: what people do to tasks, through a pull request and the same gates."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from swarm.errors import EXIT_FAILED_CHECK, SwarmError
from swarm.integrator import MergeOutcome, merge
from swarm.layout import deliverables_dir, slugify, task_path
from swarm.pulls import HUMAN_STAGE, Proposal, propose
from swarm.repo import Repo
from swarm.settings import SETTINGS_PATH, Settings
from swarm.settings import to_yaml as settings_to_yaml
from swarm.states import State
from swarm.task import EvidenceItem, TaskFile, to_yaml

Action = Literal["done", "handback", "unblock", "cancel"]
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# The state an action starts from, where the lifecycle alone would let a person's move through
# under the wrong name (unblock on a needs_human task is a legal needs_human → cleared).
SOURCE: dict[str, State] = {"handback": State.NEEDS_HUMAN, "unblock": State.BLOCKED}


def act(
    repo: Repo,
    task_id: str,
    who: str,
    action: Action,
    now: float,
    evidence: str | None = None,
    unblock_to: State = State.TODO,
) -> MergeOutcome:
    if who not in repo.settings().humans:
        raise SwarmError(f"{who} is not listed in swarm.yaml humans")
    task = repo.task(task_id)
    if task is None:
        raise SwarmError(f"no task {task_id} on main")
    source = SOURCE.get(action)
    if source is not None and task.state is not source:
        raise SwarmError(
            f"{task.id} is {task.state.value}: {action} moves only a {source.value} task",
            EXIT_FAILED_CHECK,
        )
    files: dict[str, bytes | None] = {}
    if action == "done":
        if not evidence:
            raise SwarmError("--evidence is required: a short statement or a file")
        item, files = _evidence(task, who, evidence)
        new = task.model_copy(
            update={"state": State.DONE, "evidence": (*task.evidence, item), "assignee": who}
        )
    elif action == "handback":
        new = task.model_copy(update={"state": State.CLEARED, "escalation": None})
    elif action == "unblock":
        new = task.model_copy(update={"state": unblock_to, "blocked_reason": None})
    else:
        new = task.model_copy(update={"state": State.CANCELLED})
    files[task_path(task.id, task.title)] = to_yaml(new).encode()
    title = f"{task.id}: {action} by {who} ({task.state.value} → {new.state.value})"
    pr = propose(repo, Proposal(task.id, HUMAN_STAGE, who, title), files, now)
    return _merged(repo, pr.number, now)


def change_settings(repo: Repo, who: str, settings: Settings, now: float) -> MergeOutcome:
    """A person replaces swarm.yaml (people own it) through a pull request that names no task;
    the gates judge it with the settings of the base, as every other."""
    if who not in repo.settings().humans:
        raise SwarmError(f"{who} is not listed in swarm.yaml humans")
    change: dict[str, bytes | None] = {SETTINGS_PATH: settings_to_yaml(settings).encode()}
    pr = propose(repo, Proposal("", HUMAN_STAGE, who, f"swarm.yaml: changed by {who}"), change, now)
    return _merged(repo, pr.number, now)


def _merged(repo: Repo, number: int, now: float) -> MergeOutcome:
    outcome = merge(repo, number, now)
    if not outcome.merged:
        errors = [
            f"[{f.rule}] {f.message}" for f in outcome.judgement.findings if f.severity == "error"
        ]
        raise SwarmError(f"#{number} not merged: {'; '.join(errors[:3])}", EXIT_FAILED_CHECK)
    return outcome


def _evidence(
    task: TaskFile, who: str, evidence: str
) -> tuple[EvidenceItem, dict[str, bytes | None]]:
    path = Path(evidence)
    if len(evidence) < 4096 and path.is_file():
        data = path.read_bytes()
        if len(data) > MAX_EVIDENCE_BYTES:
            raise SwarmError(f"{path}: {len(data)} bytes, over the {MAX_EVIDENCE_BYTES} limit")
        name = slugify(path.stem) + path.suffix.lower()
        target = f"{deliverables_dir(task.id)}/evidence-{name}"
        return EvidenceItem(criterion=f"confirmed by {who}", proof=target), {target: data}
    return EvidenceItem(criterion=f"confirmed by {who}", proof=evidence.strip()), {}
