"""Test helpers for the reader: where the real plans are, and a tiny, valid PlanExe run in any
naming era, written as a folder or a zip.

The plan: 2 phases, 4 subtasks, 8 detailed tasks; durations for phases and subtasks (one of
them ongoing), 2 dependency entries (3 pairs), a Gantt CSV, and one file of every optional kind
the reader uses. Tests change it with `omit=` / `replace=` (by logical name) and `extra=`.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

Content = bytes | list[bytes]  # a list for the chunked families (chunk 1, 2, …)

SHARED_PLANS = Path(__file__).resolve().parents[2] / "../shared/plans"
SHARED_REASON = "../shared/plans not found: the real PlanExe plans are not beside the project"

#: Marks a test that reads the real plans; skipped (with the reason above) when they are absent.
needs_shared_plans = [
    pytest.mark.shared_plans,
    pytest.mark.skipif(not SHARED_PLANS.is_dir(), reason=SHARED_REASON),
]

#: Numeric prefixes for eras A (`NNN-name`) and B (`NNN-K-name`).
NUMBERS: dict[str, tuple[str, str]] = {
    "start_time.json": ("000", "001-1"),
    "plan.txt": ("001", "001-2"),
    "planexe_metadata.json": ("000", "001-3"),
    "redline_gate_raw.json": ("002", "002-1"),
    "identify_purpose_raw.json": ("002", "002-5"),
    "plan_type_raw.json": ("002", "002-7"),
    "identify_risks_raw.json": ("003", "003-1"),
    "distill_assumptions_raw.json": ("004", "003-6"),
    "pre_project_assessment.json": ("006", "004-2"),
    "project_plan_raw.json": ("007", "005-1"),
    "related_resources_raw.json": ("007", "007-1"),
    "related_resources.md": ("007", "007-8"),
    "find_team_members.json": ("008", "008-2"),
    "enrich_team_members_environment_info.json": ("011", "011-2"),
    "team.md": ("013", "013-1"),
    "expert_criticism_raw.json": ("012", "016-1"),
    "expert_criticism.md": ("013", "016-2"),
    "identified_documents_to_find.json": ("017", "017-5"),
    "identified_documents_to_create.json": ("017", "017-6"),
    "wbs_level1.json": ("015", "018-2"),
    "wbs_level1_project_title.json": ("015", "018-3"),
    "wbs_level2.json": ("017", "018-5"),
    "task_dependencies_raw.json": ("020", "021-1"),
    "task_durations_raw.json": ("021", "022-1"),
    "task_durations.json": ("022", "022-2"),
    "wbs_level3.json": ("024", "023-2"),
    "wbs_project_level1_and_level2_and_level3.json": ("025", "023-3"),
    "wbs_project_level1_and_level2_and_level3.csv": ("026", "023-4"),
    "schedule_gantt_machai.csv": ("026", "026-3"),
    "report.html": ("030", "030-1"),
    "report.md": ("030", "030-2"),
    "pipeline_complete.txt": ("999", "999-1"),
}
#: Logical names that older eras wrote under another name.
OLD_NAMES = {
    "A": {
        "distill_assumptions_raw.json": "distill_assumptions.json",
        "project_plan_raw.json": "project_plan.json",
        "redline_gate_raw.json": "redline_gate.json",
    },
    "B": {"redline_gate_raw.json": "redline_gate.json"},
    "C": {},
}

#: Written without a prefix in every era.
UNPREFIXED = {"log.txt"}

ROOT = "r0"
#: (id, name, children) — the WBS below the root.
PHASES = [
    ("p1", "Plan the work", [
        ("s11", "Write the charter", [("t111", "Draft charter"), ("t112", "Review charter"),
                                      ("t113", "Sign charter")]),
        ("s12", "Hire the team", [("t121", "Post job ads"), ("t122", "Interview candidates")]),
    ]),
    ("p2", "Build it", [
        ("s21", "Buy parts", [("t211", "Compare suppliers"), ("t212", "Place orders")]),
        ("s22", "Assemble", [("t221", "Assemble the prototype")]),
    ]),
]  # fmt: skip
#: task id → (min, realistic, max) days
DURATIONS = {
    "p1": (10, 20, 30),
    "s11": (3, 5, 7),
    "s12": (-1, 40, -1),
    "p2": (5, 10, 15),
    "s21": (1, 1, 2),
    "s22": (4, 6, 9),
}
DEPENDENCIES = [
    {
        "dependent_task_id": "s12",
        "depends_on_task_id_list": ["s11"],
        "depends_on_task_explanation_list": ["Hire once the charter is signed."],
    },
    {
        "dependent_task_id": "s22",
        "depends_on_task_id_list": ["s21", "s11"],
        "depends_on_task_explanation_list": ["Parts must arrive first."],
    },
]
PLAN_TXT = (
    "Plan:\nBuild a tiny thing.\nIt has two lines.\n\nToday's date:\n2025-Nov-14\n\n"
    "Project start ASAP\n"
)


def file_name(logical: str, era: str, chunk: int | None = None) -> str:
    """The file name PlanExe of `era` gives a logical name (and chunk)."""
    name = OLD_NAMES[era].get(logical, logical)
    if era == "C" or logical in UNPREFIXED:
        return name if chunk is None else name.replace("_raw.json", f"_{chunk}_raw.json")
    number = NUMBERS.get(logical, ("099", "099-1"))[0 if era == "A" else 1]
    return f"{number}-{name}" if chunk is None else f"{number}-{chunk}-{name}"


def build_run(
    era: str = "B",
    *,
    omit: Iterable[str] = (),
    replace: Mapping[str, Content] | None = None,
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """File name → bytes of a complete tiny run. `omit`/`replace` take logical names, `extra`
    adds files by file name."""
    contents = {**logical_contents(era), **(replace or {})}
    skipped = set(omit)
    files: dict[str, bytes] = {}
    for logical, content in contents.items():
        if logical in skipped:
            continue
        if isinstance(content, list):
            for i, chunk in enumerate(content, start=1):
                files[file_name(logical, era, i)] = chunk
        else:
            files[file_name(logical, era)] = content
    files.update(extra or {})
    return files


def write_dir(root: Path, files: Mapping[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def write_zip(
    path: Path, files: Mapping[str, bytes], *, wrapper: str | None = None, junk: bool = False
) -> Path:
    """A flat zip, or one wrapped in a top folder; `junk` adds macOS litter like the website's."""
    prefix = f"{wrapper}/" if wrapper else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if wrapper:
            zf.writestr(prefix, b"")
        for name, data in files.items():
            zf.writestr(prefix + name, data)
        if junk:
            zf.writestr(prefix + ".DS_Store", b"\0\0\0\1Bud1")
            zf.writestr(f"__MACOSX/{prefix}._report.html", b"\0\5\x16\7")
    return path


def dumps(value: Any) -> bytes:
    return json.dumps(value, indent=2).encode()


# --------------------------------------------------------------------------- contents


def logical_contents(era: str) -> dict[str, Content]:
    contents: dict[str, Content] = {
        "plan.txt": PLAN_TXT.encode(),
        "start_time.json": dumps(
            {
                "server_iso_utc": "2025-11-14T15:14:32Z",
                "server_iso_local": "2025-11-14T16:14:32+01:00",
            }
        ),
        "wbs_level1_project_title.json": b"Tiny Project",
        "wbs_level1.json": dumps(
            {"id": ROOT, "project_title": "Tiny Project", "final_deliverable": "A tiny thing"}
        ),
        "wbs_level2.json": dumps(wbs_level2()),
        "wbs_level3.json": dumps(wbs_level3()),
        "wbs_project_level1_and_level2_and_level3.json": dumps(wbs_full()),
        "wbs_project_level1_and_level2_and_level3.csv": wbs_csv().encode(),
        "task_durations.json": dumps(durations()),
        "task_durations_raw.json": [
            dumps({"task_details": durations()[:3], "metadata": {}}),
            dumps({"task_details": durations()[3:], "metadata": {}}),
        ],
        "task_dependencies_raw.json": dumps({"task_dependency_details": DEPENDENCIES}),
        "schedule_gantt_machai.csv": gantt_csv().encode(),
        **context_contents(),
        "report.html": b"<html><title>Tiny</title><body>report</body></html>",
        "report.md": b"# Tiny Project\n",
        "expert_criticism.md": b"# Expert criticism\n",
        "team.md": b"# Team\n",
        "pipeline_complete.txt": b"Full pipeline executed successfully.",
        "log.txt": b"DEBUG api_key=do-not-copy\n",
    }
    if era == "C":
        contents["planexe_metadata.json"] = dumps({"pipeline_version": 2})
    return contents


def wbs_full() -> dict[str, Any]:
    def node(node_id: str, name: str, kids: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": node_id, "description": name}
        if kids:
            out["task_children"] = [node(*kid) if len(kid) == 3 else leaf(*kid) for kid in kids]
        return out

    def leaf(node_id: str, name: str) -> dict[str, Any]:
        extra = {"detailed_description": f"Do: {name}.", "resources_needed": ["Project Manager"]}
        return {"id": node_id, "description": name, "extra_fields": extra}

    root = node(ROOT, "Tiny Project", PHASES)
    root["extra_fields"] = {"final_deliverable": "A tiny thing"}
    return {"wbs_project": root}


def wbs_level2() -> list[dict[str, Any]]:
    return [
        {
            "id": pid,
            "major_phase_title": pname,
            "subtasks": [{"id": sid, "description": sname} for sid, sname, _ in subs],
        }
        for pid, pname, subs in PHASES
    ]


def wbs_level3() -> list[dict[str, Any]]:
    return [
        {
            "id": tid,
            "name": tname,
            "description": f"Do: {tname}.",
            "resources_needed": ["Project Manager"],
            "parent_id": sid,
        }
        for _, _, subs in PHASES
        for sid, _, tasks in subs
        for tid, tname in tasks
    ]


def wbs_csv() -> str:
    rows = ["Level 1;Level 2;Level 3;Level 4;Task ID", f"Tiny Project;;;;{ROOT}"]
    for pid, pname, subs in PHASES:
        rows.append(f";{pname};;;{pid}")
        for sid, sname, tasks in subs:
            rows.append(f";;{sname};;{sid}")
            rows.extend(f";;;{tname};{tid}" for tid, tname in tasks)
    return "\n".join(rows) + "\n"


def durations() -> list[dict[str, Any]]:
    return [
        {
            "task_id": task_id,
            "delay_risks": f"{task_id} may slip",
            "mitigation_strategy": f"watch {task_id}",
            "days_min": lo,
            "days_max": hi,
            "days_realistic": mid,
        }
        for task_id, (lo, mid, hi) in DURATIONS.items()
    ]


def gantt_csv() -> str:
    header = (
        "project_key,project_name,project_description,project_start_date,project_end_date,"
        "project_progress,project_parent,originating_department"
    )
    return (
        "\n".join(
            [
                header,
                f'{ROOT},Tiny Project,"Tiny Project\n\nFinal deliverable: A tiny thing",'
                "11/14/2025,1/9/2026,0,,PlanExe",
                "p1,Plan the work,,11/14/2025,12/3/2025,0,r0,PlanExe",
                "t111,Draft charter,,11/14/2025,11/15/2025,0,p1,PlanExe",
            ]
        )
        + "\n"
    )


def context_contents() -> dict[str, Content]:
    """The optional plan-level files."""
    return {
        "identify_purpose_raw.json": dumps(
            {"topic": "Tiny thing", "purpose_detailed": "Make a tiny thing", "purpose": "Business"}
        ),
        "plan_type_raw.json": dumps({"explanation": "It is built.", "plan_type": "physical"}),
        "redline_gate_raw.json": dumps({"verdict": "ALLOW", "rationale_short": "harmless"}),
        "pre_project_assessment.json": dumps(
            {
                "go_no_go_recommendation": "Proceed with Caution. It is tiny.",
                "combined_summary": "Do the three things.",
                "feedback": [{"title": "Check size", "description": "To initiate: measure."}],
            }
        ),
        "distill_assumptions_raw.json": dumps(
            {"assumption_list": ["Parts exist.", "", "Budget is 10."]}
        ),
        "identify_risks_raw.json": dumps({"risks": [_risk("Supply"), _risk("Staff")]}),
        "find_team_members.json": dumps([_role(1), _role(2)]),
        "enrich_team_members_environment_info.json": dumps(
            [
                {
                    **_role(1),
                    "contract_type": "full_time_employee",
                    "typical_job_activities": "lead",
                },
                {**_role(2), "contract_type": "contractor", "typical_job_activities": "build"},
            ]
        ),
        "identified_documents_to_create.json": dumps(
            [
                {
                    "id": "d1",
                    "document_name": "Project Charter",
                    "description": "Authorizes it.",
                    "responsible_role_type": "Role 1",
                    "steps_to_create": ["Write", "Sign"],
                    "approval_authorities": "Sponsor",
                }
            ]
        ),
        "identified_documents_to_find.json": dumps(
            [
                {
                    "id": "f1",
                    "document_name": "Supplier list",
                    "description": "Who sells parts.",
                    "recency_requirement": "current",
                    "responsible_role_type": "Role 2",
                    "steps_to_find": ["Search"],
                    "access_difficulty": "Easy",
                }
            ]
        ),
        "expert_criticism_raw.json": [_criticism("Too small"), _criticism("Too slow")],
        "related_resources_raw.json": dumps(
            {"suggestion_list": [{"project_name": "Big thing", "project_description": "Similar."}]}
        ),
        "project_plan_raw.json": dumps(
            {
                "goal_statement": "Tiny",
                "regulatory_and_compliance_requirements": {
                    "permits_and_licenses": ["Permit A"],
                    "compliance_standards": ["ISO 1"],
                    "regulatory_bodies": ["Agency"],
                    "compliance_actions": ["Apply"],
                },
            }
        ),
        "related_resources.md": b"# Related\n",
    }


def _risk(area: str) -> dict[str, str]:
    return {
        "risk_area": area,
        "risk_description": f"{area} fails",
        "potential_impact": "delay",
        "likelihood": "medium",
        "severity": "high",
        "action": f"watch {area}",
    }


def _role(n: int) -> dict[str, Any]:
    return {"id": n, "category": f"Role {n}", "explanation": "needed", "count": "1"}


def _criticism(title: str) -> bytes:
    item = {
        "feedback_index": 1,
        "feedback_title": title,
        "feedback_verbose": f"{title}: details",
        "feedback_mitigation": "fix it",
        "feedback_consequence": "it fails",
    }
    return dumps({"negative_feedback_list": [item], "user_primary_actions": []})
