"""A plan's repository in memory, and each agent's stage judged by the real gates.

`World` holds main as a dict of files (settings, plan files, task files). `stage(task_id, agent)`
builds the WorkContext the runtime would build, runs the agent, then lays its result over main
as a pull request would (task file, notes, deliverables, the ledger as the runtime writes it)
and runs `swarm.gates.run_gates` on it with a live claim and, when the task needs it, a listed
person's approval of the head commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from agents import WorkContext, WorkResult
from agents.base import Agent
from planexe import read_plan
from planexe.model import Plan
from swarm import plan_docs
from swarm import settings as settings_mod
from swarm import task as task_mod
from swarm.claims import Claim
from swarm.gates import run_gates
from swarm.gates.model import Actor, Approval, Finding, GateInput, MemorySnapshot, Proposal
from swarm.layout import ledger_path, task_path
from swarm.materialize import default_settings
from swarm.plan_tasks import build_tasks
from swarm.settings import Settings
from swarm.states import STAGE_OF, State, allowed
from swarm.task import EvidenceItem, TaskFile
from tests.swarm.gates.builders import diff

HUMAN = "alice"
NOW = 1_750_000_000.0
HEAD_COMMIT = "e" * 40


@cache
def load_plan(path: Path) -> Plan:
    return read_plan(path)


def example_plan() -> Plan:
    from swarm.cli.demo import example_plan_path

    return load_plan(example_plan_path())


@dataclass(frozen=True)
class Judged:
    result: WorkResult
    findings: tuple[Finding, ...]
    head: Mapping[str, bytes]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


@dataclass
class World:
    plan: Plan
    settings: Settings
    tasks: dict[str, TaskFile]
    files: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan) -> World:
        settings = default_settings(plan, (HUMAN,))
        tasks = {t.id: t for t in build_tasks(plan)}
        world = cls(plan, settings, tasks)
        world.files = {"swarm.yaml": settings_mod.to_yaml(settings).encode()}
        world.files.update(plan_docs.plan_files(plan))
        for task in tasks.values():
            world.put(task)
        return world

    def path(self, task_id: str) -> str:
        task = self.tasks[task_id]
        return task_path(task.id, task.title)

    def put(self, task: TaskFile) -> None:
        self.tasks[task.id] = task
        self.files[self.path(task.id)] = task_mod.to_yaml(task).encode()

    def context(self, task_id: str) -> WorkContext:
        task = self.tasks[task_id]
        deps = tuple(self.tasks[d] for d in task.depends_on)
        return WorkContext(task, self.plan, self.settings, self.files.get, deps, NOW)

    def finish_dependencies(self, task_id: str) -> None:
        """Mark the task's dependencies done on main, as if their work had been merged."""
        proof = EvidenceItem(criterion="done by a person", proof="recorded by the test")
        for dep in self.tasks[task_id].depends_on:
            if self.tasks[dep].state is not State.DONE:
                self.put(
                    self.tasks[dep].model_copy(update={"state": State.DONE, "evidence": (proof,)})
                )

    def stage(self, task_id: str, agent: Agent, merge: bool = True) -> Judged:
        """Run `agent` on the task, judge its pull request and (by default) merge it."""
        ctx = self.context(task_id)
        result = agent.work(ctx)
        head = self.head_of(task_id, result)
        findings = tuple(run_gates(self.gate_input(task_id, agent, head, result.task)))
        if merge:
            self.files = dict(head)
            self.tasks[task_id] = result.task
        return Judged(result, findings, head)

    def head_of(self, task_id: str, result: WorkResult) -> dict[str, bytes]:
        head = dict(self.files)
        head.update(result.files)
        head[self.path(task_id)] = task_mod.to_yaml(result.task).encode()
        ledger = ledger_path(task_id)
        lines = "".join(json.dumps(line.as_dict(), sort_keys=True) + "\n" for line in result.ledger)
        head[ledger] = head.get(ledger, b"") + lines.encode()
        return head

    def gate_input(
        self, task_id: str, agent: Agent, head: dict[str, bytes], new: TaskFile
    ) -> GateInput:
        base = self.tasks[task_id]
        stage = STAGE_OF[base.state]
        name = f"{agent.role}-1"
        claim = Claim(task_id, stage, name, 1, NOW + 600, "claim", "c" * 40, int(NOW) - 10)
        needs_approval = bool(base.approval_required or new.approval_required)
        approvals = (Approval(HUMAN, HEAD_COMMIT),) if needs_approval else ()
        return GateInput(
            base=MemorySnapshot(dict(self.files)),
            head=MemorySnapshot(head),
            changes=diff(self.files, head),
            actor=Actor(name, agent.role),
            proposal=Proposal(task_id, stage, 1),
            claim=claim,
            approvals=approvals,
            head_commit=HEAD_COMMIT,
            now=NOW,
        )


def legal_move(before: TaskFile, after: TaskFile, agent: Agent) -> bool:
    return allowed(before.state, after.state, agent.role)


def describe(findings: Iterable[Finding]) -> str:
    return "\n".join(f"  {f.rule} {f.severity} {f.path}: {f.message}" for f in findings)
