"""A litellm provider for benchmarks: answers every structured request of plan-swarm's agents
with a minimal valid object, after a fixed latency produced by litellm's own `mock_delay`.

Registered as `rehearsal/<name>` through litellm.custom_provider_map. It reads the JSON schema
the LLM layer appends to the prompt and fills it: the point is the runtime's timing with a slow
model, not the words.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported

import litellm
from litellm import CustomLLM

PROVIDER = "rehearsal"
_MARK = "validate against this JSON schema:\n"
TEXT = "A placeholder answer long enough to satisfy the schema and the gates of the swarm. " * 2


class RehearsalModel(CustomLLM):
    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s
        self.calls = 0
        self._lock = threading.Lock()

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
        schema = json.loads(str(messages[-1]["content"]).split(_MARK, 1)[1])
        return litellm.completion(
            model="gpt-4o-mini",
            messages=messages,
            mock_response=json.dumps(answer_for(schema)),
            mock_delay=self.delay_s,
        )


def answer_for(schema: dict[str, Any]) -> dict[str, Any]:
    title = str(schema.get("title", ""))
    if title == "ResearchBrief":
        return {
            "summary": TEXT,
            "needs": ["the plan's description of the task"],
            "points": [],
            "open_questions": [],
        }
    if title == "ComplianceAssessment":
        category = _enum(schema, "categories")[-1]
        return {
            "risk_tier": 1,
            "categories": [category],
            "rationale": TEXT,
            "requirements": [],
            "escalation_reason": "",
        }
    if title.startswith("Deliverable"):
        count = int(schema["properties"]["evidence"].get("minItems", 1))
        return {
            "summary": TEXT,
            "sections": [{"heading": "Result", "body": TEXT}],
            "evidence": [
                {"criterion": i, "section": "Result", "statement": TEXT}
                for i in range(1, count + 1)
            ],
            "needs_person": False,
            "person_reason": "",
        }
    raise ValueError(f"rehearsal model: no answer for schema {title!r}")


def _enum(schema: dict[str, Any], prop: str) -> list[str]:
    items = schema["properties"][prop]["items"]
    if "$ref" in items:
        items = schema["$defs"][items["$ref"].rsplit("/", 1)[1]]
    return list(items["enum"])


def register(delay_s: float) -> RehearsalModel:
    handler = RehearsalModel(delay_s)
    # priced like a small real model, so ledgers and budgets behave as they would
    litellm.register_model(
        {
            f"{PROVIDER}/fast": {
                "input_cost_per_token": 1.5e-07,
                "output_cost_per_token": 6e-07,
                "litellm_provider": PROVIDER,
                "mode": "chat",
            }
        }
    )
    litellm.custom_provider_map = [{"provider": PROVIDER, "custom_handler": handler}]
    litellm.suppress_debug_info = True
    return handler
