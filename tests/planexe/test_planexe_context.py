"""Plan identity and plan-level records: title, prompt, dates, go/no-go, team, documents, …"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from planexe import PlanError, read_plan
from planexe.context import classify_go_no_go, parse_plan_txt, parse_pretty_date, title_from_text
from planexe.model import GoNoGo
from tests.planexe.planexe_fixtures import dumps, logical_contents

TITLE = "wbs_level1_project_title.json"


def test_identity_of_the_tiny_plan(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    assert plan.title == "Tiny Project"
    assert plan.prompt == "Build a tiny thing.\nIt has two lines."
    assert plan.plan_date == dt.date(2025, 11, 14)
    assert plan.start_date == dt.date(2025, 11, 14)
    assert (plan.topic, plan.purpose, plan.purpose_detailed) == (
        "Tiny thing",
        "business",
        "Make a tiny thing",
    )
    assert (plan.plan_type, plan.redline_verdict) == ("physical", "ALLOW")


# --------------------------------------------------------------------------- title


def test_title_file_is_plain_text_not_json(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir(replace={TITLE: b"  Paperclip   Automation\n"}))
    assert plan.title == "Paperclip Automation"
    assert not plan.warnings


def test_title_falls_back_to_wbs_level1_then_to_the_wbs_root(
    run_dir: Callable[..., Path],
) -> None:
    level1 = dumps({"id": "r0", "project_title": "Level One Title"})
    assert read_plan(run_dir(omit=[TITLE], replace={"wbs_level1.json": level1})).title == (
        "Level One Title"
    )
    assert read_plan(run_dir(omit=[TITLE, "wbs_level1.json"])).title == "Tiny Project"
    assert read_plan(run_dir(replace={TITLE: b"   "}, omit=["wbs_level1.json"])).title == (
        "Tiny Project"
    )


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Border Canal", "Border Canal"),
        ('"Quoted Title"', "Quoted Title"),
        ('{"project_title": "Json Title"}', "Json Title"),
        ('"unterminated', '"unterminated'),
    ],
)
def test_title_from_text(text: str, title: str) -> None:
    assert title_from_text(text) == title


# --------------------------------------------------------------------------- prompt and dates


def test_plan_txt_missing_is_a_warning(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir(omit=["plan.txt"]))
    assert (plan.prompt, plan.plan_date, plan.title) == ("", None, "Tiny Project")
    assert [(w.code, w.file) for w in plan.warnings] == [("missing-plan-txt", "plan.txt")]
    assert "plan.txt" in plan.source.missing


def test_v2_plan_raw_json_replaces_plan_txt(run_dir: Callable[..., Path]) -> None:
    raw = dumps({"plan_prompt": "Go to Mars.", "pretty_date": "2026-Apr-09"})
    plan = read_plan(run_dir("C", omit=["plan.txt"], extra={"plan_raw.json": raw}))
    assert (plan.prompt, plan.plan_date) == ("Go to Mars.", dt.date(2026, 4, 9))
    assert not plan.warnings


def test_plan_txt_in_another_layout_is_kept_whole(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir(replace={"plan.txt": b"Just build it.\n"}))
    assert (plan.prompt, plan.plan_date) == ("Just build it.", None)
    assert [w.code for w in plan.warnings] == ["plan-txt-format"]


def test_plan_txt_with_windows_line_ends() -> None:
    text = "Plan:\r\nA\r\nB\r\n\r\nToday's date:\r\n2025-Feb-07\r\n\r\nProject start ASAP"
    assert parse_plan_txt(text) == ("A\nB", dt.date(2025, 2, 7))


def test_cp1252_plan_txt_is_decoded_with_a_warning(run_dir: Callable[..., Path]) -> None:
    data = b"Plan:\nCaf\xe9 \x96 na\xefve.\n\nToday's date:\n2025-Feb-07\n\nProject start ASAP"
    plan = read_plan(run_dir(replace={"plan.txt": data}))
    assert plan.prompt == "Café – naïve."
    assert [(w.code, w.file) for w in plan.warnings] == [("cp1252", "001-2-plan.txt")]


@pytest.mark.parametrize(
    "data",
    [b"Plan:\n\x81 is not cp1252\n", b"Plan:\n\x00binary", "Plan:\nUTF-16\n".encode("utf-16")],
)
def test_non_utf8_plan_txt_is_refused(run_dir: Callable[..., Path], data: bytes) -> None:
    with pytest.raises(PlanError) as err:
        read_plan(run_dir(replace={"plan.txt": data}))
    assert err.value.file == "001-2-plan.txt"
    assert err.value.message.startswith("is not UTF-8 text")


def test_non_utf8_json_is_refused_too(run_dir: Callable[..., Path]) -> None:
    with pytest.raises(PlanError, match="not UTF-8"):
        read_plan(run_dir(replace={"identify_risks_raw.json": b'{"risks": ["\x8f"]}'}))


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2025-Nov-14", dt.date(2025, 11, 14)),
        ("2026-march-01", dt.date(2026, 3, 1)),
        ("2025-11-14", dt.date(2025, 11, 14)),
        ("2025-Foo-14", None),
        ("14 Nov 2025", None),
        ("2025-Feb-30", None),
    ],
)
def test_pretty_date(text: str, date: dt.date | None) -> None:
    assert parse_pretty_date(text) == date


def test_start_date_prefers_the_local_date(run_dir: Callable[..., Path]) -> None:
    start = dumps(
        {"server_iso_utc": "2026-10-07T22:00:00Z", "server_iso_local": "2026-10-08T00:00+02:00"}
    )
    assert read_plan(run_dir(replace={"start_time.json": start})).start_date == dt.date(2026, 10, 8)
    utc_only = dumps({"server_iso_utc": "2026-04-04T10:00:00Z"})
    assert read_plan(run_dir(replace={"start_time.json": utc_only})).start_date == dt.date(
        2026, 4, 4
    )
    bad = read_plan(run_dir(replace={"start_time.json": dumps({"utc_timestamp": "yesterday"})}))
    assert bad.start_date is None and bad.warnings[0].code == "bad-start-time"


# --------------------------------------------------------------------------- assessment


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Execute Immediately. Go.", GoNoGo.EXECUTE),
        ("Proceed with Caution. The project has potential", GoNoGo.CAUTION),
        ("**Proceed with caution** because …", GoNoGo.CAUTION),
        ("Do Not Execute. Too risky.", GoNoGo.DO_NOT_EXECUTE),
        ("Maybe later.", GoNoGo.UNKNOWN),
        ("", GoNoGo.UNKNOWN),
    ],
)
def test_go_no_go_by_prefix(text: str, verdict: GoNoGo) -> None:
    assert classify_go_no_go(text) == verdict


def test_assessment(run_dir: Callable[..., Path]) -> None:
    assessment = read_plan(run_dir()).assessment
    assert assessment.verdict == GoNoGo.CAUTION
    assert assessment.text == "Proceed with Caution. It is tiny."
    assert assessment.summary == "Do the three things."
    assert assessment.feedback == (("Check size", "To initiate: measure."),)


def test_assessment_from_the_raw_file(run_dir: Callable[..., Path]) -> None:
    raw = dumps(
        {
            "expert1": {
                "feedback_item_list": [{"feedback_title": "T1", "feedback_description": "D1"}]
            },
            "expert2": {
                "feedback_item_list": [{"feedback_title": "T2", "feedback_description": "D2"}]
            },
            "combined_summary": "S",
            "go_no_go_recommendation": "Do Not Execute.",
        }
    )
    plan = read_plan(
        run_dir(
            omit=["pre_project_assessment.json"],
            extra={"004-1-pre_project_assessment_raw.json": raw},
        )
    )
    assert plan.assessment.verdict == GoNoGo.DO_NOT_EXECUTE
    assert plan.assessment.feedback == (("T1", "D1"), ("T2", "D2"))


# --------------------------------------------------------------------------- records


def test_records(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir())
    assert plan.assumptions == ("Parts exist.", "Budget is 10.")
    assert [(r.area, r.description, r.severity) for r in plan.risks] == [
        ("Supply", "Supply fails", "high"),
        ("Staff", "Staff fails", "high"),
    ]
    assert [(t.id, t.category, t.contract_type) for t in plan.team] == [
        ("1", "Role 1", "full_time_employee"),
        ("2", "Role 2", "contractor"),
    ]
    doc = plan.documents_to_create[0]
    assert (doc.id, doc.name, doc.responsible_role, doc.steps) == (
        "d1",
        "Project Charter",
        "Role 1",
        ("Write", "Sign"),
    )
    found = plan.documents_to_find[0]
    assert (found.name, found.recency, found.access_difficulty) == (
        "Supplier list",
        "current",
        "Easy",
    )
    assert [c.title for c in plan.criticism] == ["Too small", "Too slow"]
    assert plan.criticism[0].mitigation == "fix it"
    assert [(r.name, r.detail) for r in plan.related_resources] == [("Big thing", "Similar.")]
    assert plan.regulatory.permits_and_licenses == ("Permit A",)
    assert plan.regulatory.compliance_actions == ("Apply",)


def test_team_falls_back_to_poorer_files(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(run_dir(omit=["enrich_team_members_environment_info.json"]))
    assert [(t.category, t.contract_type) for t in plan.team] == [("Role 1", ""), ("Role 2", "")]


def test_documents_fall_back_to_filtered_files(run_dir: Callable[..., Path]) -> None:
    clean = dumps([{"document_name": "Budget", "steps_to_create": "one step"}])
    plan = read_plan(
        run_dir(
            omit=["identified_documents_to_create.json"],
            extra={"017-10-filter_documents_to_create_clean.json": clean},
        )
    )
    assert [(d.name, d.steps) for d in plan.documents_to_create] == [("Budget", ("one step",))]


def test_optional_files_may_all_be_missing(run_dir: Callable[..., Path]) -> None:
    keep = {
        "wbs_project_level1_and_level2_and_level3.json",
        "plan.txt",
    }
    plan = read_plan(run_dir(omit=[name for name in logical_contents("B") if name not in keep]))
    assert plan.title == "Tiny Project"
    assert (plan.team, plan.risks, plan.dependencies, plan.attachments[0].logical_name) == (
        (),
        (),
        (),
        "plan.txt",
    )
    assert plan.assessment.verdict == GoNoGo.UNKNOWN
    assert not plan.warnings


def test_odd_shapes_in_optional_files_warn_and_are_skipped(run_dir: Callable[..., Path]) -> None:
    plan = read_plan(
        run_dir(
            replace={
                "identify_risks_raw.json": dumps({"risks": "none"}),
                "find_team_members.json": dumps({"not": "a list"}),
                "enrich_team_members_environment_info.json": dumps([1, 2, {"category": 7}]),
            }
        )
    )
    assert plan.risks == ()
    assert [(t.id, t.category) for t in plan.team] == [("1", "7")]  # position when id lacks
    assert [w.code for w in plan.warnings] == ["unexpected-shape"]


def test_malformed_optional_json_is_an_error(run_dir: Callable[..., Path]) -> None:
    with pytest.raises(PlanError) as err:
        read_plan(run_dir(replace={"identify_risks_raw.json": b'{"risks": ['}))
    assert err.value.file == "003-1-identify_risks_raw.json"
    assert "line 1, column 12" in err.value.message
