"""Who and what the plan is: title, prompt, dates, purpose, plan type, redline and go/no-go."""

from __future__ import annotations

import datetime as dt
import json
import re

from planexe import coerce
from planexe.catalog import Catalog
from planexe.diagnostics import Diagnostics
from planexe.model import Assessment, GoNoGo
from planexe.wbs import Tree

_PLAN_TXT = re.compile(
    r"^\s*Plan:[ \t]*\n(?P<prompt>.*?)\n[ \t]*\nToday's date:[ \t]*\n(?P<date>[^\n]*)", re.S
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_VERDICTS = (
    ("execute immediately", GoNoGo.EXECUTE),
    ("proceed with caution", GoNoGo.CAUTION),
    ("do not execute", GoNoGo.DO_NOT_EXECUTE),
)


# --------------------------------------------------------------------------- title and prompt


def read_title(cat: Catalog, tree: Tree) -> str:
    """wbs_level1_project_title.json (plain text despite its name), else wbs_level1.json's
    project_title, else the WBS root's name."""
    found = cat.load_text("wbs_level1_project_title.json")
    title = title_from_text(found[1]) if found else ""
    if not title and cat.has("wbs_level1.json"):
        level1 = cat.load("wbs_level1.json")
        title = coerce.text(coerce.mapping(level1[1] if level1 else None).get("project_title"))
    return title or tree.nodes[0].name or "Untitled plan"


def title_from_text(text: str) -> str:
    """The title in a project-title file: plain text, or (defensively) a JSON string/object."""
    text = text.strip()
    if text[:1] in ('"', "{"):
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        text = coerce.text(value.get("project_title") if isinstance(value, dict) else value)
    return " ".join(text.split())


def read_prompt(cat: Catalog, diag: Diagnostics) -> tuple[str, dt.date | None]:
    """(prompt, plan date) from plan.txt, else from v2's plan_raw.json."""
    found = cat.load_text("plan.txt")
    if found is not None:
        name, text = found
        parsed = parse_plan_txt(text)
        if parsed is None:
            diag.warn(
                "plan-txt-format", "lacks the 'Plan:' / 'Today's date:' layout", name.basename
            )
            return text.strip(), None
        return parsed
    raw = cat.load("plan_raw.json")
    if raw is not None:
        data = coerce.mapping(raw[1])
        return coerce.text(data.get("plan_prompt")), parse_pretty_date(
            coerce.text(data.get("pretty_date"))
        )
    diag.warn("missing-plan-txt", "plan.txt is missing: the plan has no prompt", "plan.txt")
    return "", None


def parse_plan_txt(text: str) -> tuple[str, dt.date | None] | None:
    """`Plan:\\n<prompt>\\n\\nToday's date:\\n<2025-Nov-14>\\n…` → (prompt, date)."""
    match = _PLAN_TXT.match(text.replace("\r\n", "\n"))
    if not match:
        return None
    return match.group("prompt").strip(), parse_pretty_date(match.group("date").strip())


def parse_pretty_date(value: str) -> dt.date | None:
    """`2025-Nov-14` (PlanExe's pretty date) or `2025-11-14` → date; else None."""
    parts = value.strip().split("-")
    if len(parts) != 3:
        return None
    year, month, day = parts
    number = _MONTHS.get(month[:3].lower()) if not month.isdigit() else int(month)
    try:
        return dt.date(int(year), number or 0, int(day))
    except ValueError:
        return None


def read_start_date(cat: Catalog, diag: Diagnostics) -> dt.date | None:
    """The project start (Gantt day 0) from start_time.json, as a local date."""
    found = cat.load("start_time.json")
    if found is None:
        return None
    name, data = found
    data = coerce.mapping(data)
    for key in ("server_iso_local", "server_iso_utc", "utc_timestamp"):
        value = coerce.text(data.get(key))
        if value:
            try:
                return dt.datetime.fromisoformat(value).date()
            except ValueError:
                diag.warn("bad-start-time", f"{key} {value!r} is not an ISO date", name.basename)
    return None


# --------------------------------------------------------------------------- classification


def read_purpose(cat: Catalog) -> tuple[str, str, str]:
    """(topic, purpose, purpose_detailed) from identify_purpose_raw.json."""
    found = cat.load("identify_purpose_raw.json")
    data = coerce.mapping(found[1] if found else None)
    purpose = coerce.text(data.get("purpose")).lower()
    return coerce.text(data.get("topic")), purpose, coerce.text(data.get("purpose_detailed"))


def read_plan_type(cat: Catalog) -> str:
    found = cat.load("plan_type_raw.json")
    return coerce.text(coerce.mapping(found[1] if found else None).get("plan_type")).lower()


def read_redline(cat: Catalog) -> str:
    found = cat.load("redline_gate_raw.json")
    return coerce.text(coerce.mapping(found[1] if found else None).get("verdict"))


def read_assessment(cat: Catalog) -> Assessment:
    """Go/no-go from pre_project_assessment.json, else from its raw form."""
    found = cat.load("pre_project_assessment.json") or cat.load("pre_project_assessment_raw.json")
    if found is None:
        return Assessment()
    data = coerce.mapping(found[1])
    text = coerce.text(data.get("go_no_go_recommendation"))
    return Assessment(
        verdict=classify_go_no_go(text),
        text=text,
        summary=coerce.text(data.get("combined_summary")),
        feedback=_feedback(data),
    )


def _feedback(data: dict[str, object]) -> tuple[tuple[str, str], ...]:
    items = [
        (coerce.text(f.get("title")), coerce.text(f.get("description")))
        for f in coerce.records(data.get("feedback"))
    ]
    for key in sorted(k for k in data if k.startswith("expert")):  # the raw form
        for f in coerce.records(coerce.mapping(data[key]).get("feedback_item_list")):
            items.append(
                (coerce.text(f.get("feedback_title")), coerce.text(f.get("feedback_description")))
            )
    return tuple(item for item in items if any(item))


def classify_go_no_go(text: str) -> GoNoGo:
    """By prefix, ignoring case, markup and punctuation: `**Proceed with Caution.** …`."""
    words = " ".join(re.sub(r"[^a-z]+", " ", text.lower()).split())
    for prefix, verdict in _VERDICTS:
        if words.startswith(prefix):
            return verdict
    return GoNoGo.UNKNOWN
