"""Write a synthetic finished PlanExe run (numbered era B names) with N detailed tasks.

Deterministic for a given (tasks, seed). Used by the benchmarks; not a test fixture.
Usage: python bench/synth_plan.py OUT_DIR [--tasks 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import uuid
from pathlib import Path

WORDS = [
    "survey",
    "vendor",
    "permit",
    "budget",
    "design",
    "review",
    "draft",
    "contract",
    "schedule",
    "install",
    "test",
    "train",
    "audit",
    "inventory",
    "supplier",
    "customer",
    "pricing",
    "marketing",
    "safety",
    "network",
    "storage",
    "logistics",
    "quality",
    "finance",
    "hiring",
    "legal",
    "insurance",
    "signage",
    "website",
    "inspection",
    "equipment",
]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _phrase(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def shape(tasks: int) -> tuple[int, int, int]:
    """phases, subtasks per phase, tasks per subtask with phases*subs*per ~= tasks."""
    per = 5 if tasks < 1000 else 20
    subs_total = max(1, math.ceil(tasks / per))
    phases = max(1, min(20, round(math.sqrt(subs_total / 2))))
    return phases, math.ceil(subs_total / phases), per


def build(tasks: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    phases, subs, per = shape(tasks)
    root = {
        "id": _uuid(rng),
        "description": "Synthetic Plan",
        "extra_fields": {"final_deliverable": "Everything done"},
        "task_children": [],
    }
    made = 0
    subtask_ids: list[str] = []
    durations = []
    for _ in range(phases):
        if made >= tasks:
            break
        phase = {"id": _uuid(rng), "description": _phrase(rng, 3), "task_children": []}
        durations.append(_duration(rng, phase["id"]))
        for _ in range(subs):
            if made >= tasks:
                break
            sub = {"id": _uuid(rng), "description": _phrase(rng, 4), "task_children": []}
            subtask_ids.append(sub["id"])
            durations.append(_duration(rng, sub["id"]))
            for _ in range(min(per, tasks - made)):
                sub["task_children"].append(
                    {
                        "id": _uuid(rng),
                        "description": _phrase(rng, 5),
                        "extra_fields": {
                            "detailed_description": _phrase(rng, 30) + ".",
                            "resources_needed": ["Project Manager", "Engineer"],
                        },
                    }
                )
                made += 1
            phase["task_children"].append(sub)
        root["task_children"].append(phase)
    deps = []
    for i in range(1, len(subtask_ids), 3):
        before = subtask_ids[rng.randrange(0, i)]
        deps.append(
            {
                "dependent_task_id": subtask_ids[i],
                "depends_on_task_id_list": [before],
                "depends_on_task_explanation_list": [_phrase(rng, 8) + "."],
            }
        )
    return {"root": root, "durations": durations, "deps": deps}


def _duration(rng: random.Random, task_id: str) -> dict[str, object]:
    real = rng.randint(2, 30)
    return {
        "task_id": task_id,
        "delay_risks": _phrase(rng, 10),
        "mitigation_strategy": _phrase(rng, 10),
        "days_min": max(1, real - 3),
        "days_max": real + 5,
        "days_realistic": real,
    }


def write(out: Path, tasks: int, seed: int = 1) -> Path:
    data = build(tasks, seed)
    out.mkdir(parents=True, exist_ok=True)
    root = data["root"]
    assert isinstance(root, dict)

    def dump(name: str, obj: object) -> None:
        (out / name).write_text(json.dumps(obj, indent=2) + "\n")

    (out / "001-2-plan.txt").write_text(
        f"Plan:\nA synthetic plan with {tasks} tasks.\n\nToday's date:\n2026-Jan-05\n\n"
        "Project start ASAP"
    )
    dump("001-1-start_time.json", {"server_iso_utc": "2026-01-05T09:00:00Z"})
    dump(
        "018-2-wbs_level1.json",
        {
            "id": root["id"],
            "project_title": "Synthetic Plan",
            "final_deliverable": "Everything done",
        },
    )
    (out / "018-3-wbs_level1_project_title.json").write_text("Synthetic Plan")
    dump("023-3-wbs_project_level1_and_level2_and_level3.json", {"wbs_project": root})
    dump("021-task_dependencies_raw.json", {"task_dependency_details": data["deps"]})
    dump("022-2-task_durations.json", data["durations"])
    dump(
        "003-6-distill_assumptions_raw.json",
        {"assumption_list": [f"Assumption {i}: {WORDS[i]} costs stay flat." for i in range(8)]},
    )
    dump(
        "003-1-identify_risks_raw.json",
        {
            "risks": [
                {
                    "risk_area": w.capitalize(),
                    "risk_description": f"{w} delays hit the schedule.",
                    "potential_impact": "Delay",
                    "likelihood": "medium",
                    "severity": "medium",
                    "action": "Monitor",
                }
                for w in WORDS[:10]
            ]
        },
    )
    dump(
        "004-2-pre_project_assessment.json",
        {
            "go_no_go_recommendation": "Proceed with Caution. Synthetic.",
            "combined_summary": "",
            "feedback": [],
        },
    )
    (out / "999-pipeline_complete.txt").write_text("Full pipeline executed successfully.")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write(args.out, args.tasks, args.seed)
    print(args.out)


if __name__ == "__main__":
    main()
