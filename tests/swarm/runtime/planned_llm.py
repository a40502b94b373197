"""A litellm `CustomLLM` provider that answers plan-swarm's agents as a model would.

It reads what each request asks for the way a model does: the role from the system prompt, the
task from the user prompt, and the answer's shape from the JSON schema the prompt carries
(ResearchBrief, ComplianceAssessment, Deliverable<n> with exactly n evidence items). It answers
with valid JSON built from the prompt's own content (the plan items, requirements and acceptance
criteria listed in it), and with a realistic `usage` that varies deterministically per task and
role (prompt 1,200-2,500 tokens, completion 300-900).

luigi runs each stage in a forked process, so the provider's memory does not come back to the
test: every call is appended as one JSON line to a log file (one short O_APPEND write per line,
whole lines even with many writers), which the test reads as the provider's own account.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import litellm
from litellm import CustomLLM, ModelResponse, Usage

PROVIDER = "planned"
MODEL = "gpt-4o-mini"  # in litellm's shipped price list; served here by the custom provider
_INSTRUCTION = "It must validate against this JSON schema:\n"
_TASK = re.compile(r"^Task (\d+(?:\.\d+)+): (.+)$", re.MULTILINE)
_ITEM = re.compile(r"^- ([A-Z]{1,3}\d+) (?:\[[^\]]*\] )?(.+)$", re.MULTILINE)
_REQUIREMENT = re.compile(r"^- ([A-Z]{1,3}\d+): (.+)$", re.MULTILINE)
_CRITERION = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def litellm_kwargs() -> dict[str, Any]:
    """What the engine passes to every litellm.completion: route the model to this provider."""
    return {"custom_llm_provider": PROVIDER}


def usage_of(task: str, role: str) -> tuple[int, int]:
    """Deterministic, realistic token counts for one call."""
    digest = int(hashlib.sha256(f"{task}/{role}".encode()).hexdigest(), 16)
    return 1200 + digest % 1301, 300 + (digest >> 16) % 601


def expected_cost(prompt_tokens: int, completion_tokens: int) -> float:
    cost_in, cost_out = litellm.cost_per_token(
        model=MODEL, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )
    return float(cost_in) + float(cost_out)


class PlannedLLM(CustomLLM):
    def __init__(
        self,
        log: Path,
        usage: dict[str, tuple[int, int]] | None = None,
        broken: frozenset[str] = frozenset(),
        tier2: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.log = log
        # task id -> (prompt tokens, completion tokens) to report instead of the usual usage
        self.usage = dict(usage or {})
        self.broken = broken  # tasks whose every answer is not JSON at all
        self.tier2 = tier2  # tasks the model rates tier 2 (a person approves the deliverable)

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        system = str(messages[0]["content"])
        user = str(messages[1]["content"])
        role = _role(system)
        task, title = _task(user)
        schema = json.loads(user.split(_INSTRUCTION, 1)[1])
        prompt_tokens, completion_tokens = self.usage.get(task) or usage_of(task, role)
        if task in self.broken:
            text = "I am sorry, I cannot answer in JSON today."
        elif role == "research":
            text = json.dumps(_research(title, user))
        elif role == "compliance":
            text = json.dumps(_compliance(task, title, user, task in self.tier2))
        else:
            text = json.dumps(_deliverable(title, user, schema))
        record = {
            "task": task,
            "role": role,
            "model": model,
            "schema": schema.get("title"),
            "reask": len(messages) > 2,
            "tokens_in": prompt_tokens,
            "tokens_out": completion_tokens,
        }
        _append(self.log, record)
        usage = Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )
        return ModelResponse(
            model=model,
            choices=[{"message": {"role": "assistant", "content": text}}],
            usage=usage,
        )


def calls(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@contextmanager
def registered(provider: PlannedLLM) -> Iterator[PlannedLLM]:
    """The provider as litellm's `planned` for the duration (luigi's forks inherit it)."""
    before = litellm.custom_provider_map
    litellm.custom_provider_map = [{"provider": PROVIDER, "custom_handler": provider}]
    try:
        yield provider
    finally:
        litellm.custom_provider_map = before


def _append(log: Path, record: dict[str, Any]) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, (json.dumps(record) + "\n").encode())
    finally:
        os.close(fd)


def _role(system: str) -> str:
    for role in ("research", "compliance", "executor"):
        if f"You are the {role} agent" in system:
            return role
    raise AssertionError(f"{PROVIDER}: no role in the system prompt: {system[:80]!r}")


def _task(user: str) -> tuple[str, str]:
    match = _TASK.search(user)
    assert match, f"{PROVIDER}: no task in the prompt"
    return match.group(1), match.group(2).strip()


def _section(user: str, start: str, end: str) -> str:
    return user.split(start, 1)[1].split(end, 1)[0] if start in user else ""


def _research(title: str, user: str) -> dict[str, Any]:
    items = _ITEM.findall(_section(user, "Plan items ranked by lexical relevance", "Write the"))
    points = [
        {
            "ref": ref,
            "why": f"It bears on '{title}' because it sets a condition the work has to meet: "
            f"{text[:120].rstrip()}",
        }
        for ref, text in items[:5]
    ]
    return {
        "summary": (
            f"The task '{title}' needs the plan's scope for this step, the people it names and "
            "the decisions that precede it. The brief lists the inputs and the plan items that "
            "constrain the work, and the questions still open before it can start."
        ),
        "needs": [
            f"A confirmed scope for '{title}' agreed with the project lead",
            "The figures and dates the plan gives for this phase, with their ranges",
            "The outputs of the tasks it depends on",
        ],
        "points": points,
        "open_questions": [
            f"Who signs off the result of '{title}', and by which date?",
            "Which of the plan's figures are estimates that need a quote or a source?",
        ],
    }


def _compliance(task: str, title: str, user: str, tier2: bool) -> dict[str, Any]:
    reqs = _REQUIREMENT.findall(_section(user, "may apply:", "Research brief"))
    return {
        "risk_tier": 2 if tier2 else 1,
        "categories": ["external communication"] if tier2 else ["desk work"],
        "rationale": (
            f"Task {task} ('{title}') is desk work whose output can be revised"
            + (
                ", but it prepares a message to people outside the project, so a person "
                "approves it before it takes effect."
                if tier2
                else "; nothing in it acts outside the project or commits money."
            )
        ),
        "requirements": [
            {"ref": ref, "why": f"The work must respect it: {text[:100].rstrip()}"}
            for ref, text in reqs[:2]
        ],
        "escalation_reason": "",
    }


def _deliverable(title: str, user: str, schema: dict[str, Any]) -> dict[str, Any]:
    count = int(schema["properties"]["evidence"]["minItems"])
    criteria = dict(_CRITERION.findall(_section(user, "Acceptance criteria:", "Documents of")))
    headings = ["Scope and inputs", "The work", "Figures and ranges", "Open points"]
    bodies = [
        f"This document covers '{title}'. It starts from the research brief and the compliance "
        "note of the task and from the outputs of the tasks it depends on.",
        f"The work for '{title}' is set out step by step, in the order the plan gives, with who "
        "does what and what each step produces.",
        "Durations and costs are given as ranges taken from the plan; where the plan gives no "
        "figure, the open points say how to obtain one.",
        "Facts the plan does not give are listed here with the person or source that can "
        "provide them, so that nothing in this draft is invented.",
    ]
    sections = [{"heading": h, "body": b} for h, b in zip(headings, bodies, strict=True)]
    evidence = [
        {
            "criterion": n,
            "section": headings[(n - 1) % 2],
            "statement": f"Meets criterion {n} ({criteria.get(str(n), 'as listed')[:80]}) "
            "in this section.",
        }
        for n in range(1, count + 1)
    ]
    return {
        "summary": (
            f"A working draft for '{title}', written from the plan's content and the task's "
            "research brief and compliance note, with the open points a person must settle."
        ),
        "sections": sections,
        "evidence": evidence,
        "needs_person": False,
        "person_reason": "",
    }
