"""Acceptance criteria: 2–4 per task, derived from its description, always the same for the
same task.

A description is a series of instructions ("Draft the statutes…", "Define membership
classes…"). Each sentence that starts with a known verb becomes one criterion: its object
phrase, then what must be true of it. Who does the work decides the wording:
- an agent drafts: "The statutes of a registered association — drafted, recorded in the
  deliverable"; for an action only a person may take (send, sign, pay…) the agent prepares it:
  "The tender package — prepared for a person to send (not sent by the agent)…";
- a person acts (tier 3 handoffs): "The register application — filed".
When the description gives fewer than two, the title supplies one and fixed fallbacks the rest.
"""

from __future__ import annotations

import re

from agents.text import capitalize, clip, sentences
from swarm.task import TaskFile

MIN_CRITERIA, MAX_CRITERIA = 2, 4

# Desk verbs: what an agent can do and record in a deliverable.
DONE_BY_WORK: dict[str, str] = {
    "analyse": "analysed",
    "analyze": "analyzed",
    "assess": "assessed",
    "build": "built",
    "calculate": "calculated",
    "check": "checked",
    "choose": "chosen",
    "collect": "collected",
    "combine": "combined",
    "compare": "compared",
    "compile": "compiled",
    "create": "created",
    "define": "defined",
    "describe": "described",
    "design": "designed",
    "determine": "determined",
    "develop": "developed",
    "document": "documented",
    "draft": "drafted",
    "establish": "established",
    "estimate": "estimated",
    "evaluate": "evaluated",
    "flag": "flagged",
    "gather": "gathered",
    "identify": "identified",
    "list": "listed",
    "map": "mapped",
    "mark": "marked",
    "note": "noted",
    "outline": "outlined",
    "plan": "planned",
    "prepare": "prepared",
    "prioritise": "prioritised",
    "prioritize": "prioritized",
    "propose": "proposed",
    "rank": "ranked",
    "recommend": "recommended",
    "record": "recorded",
    "research": "researched",
    "review": "reviewed",
    "score": "scored",
    "select": "selected",
    "specify": "specified",
    "study": "studied",
    "summarise": "summarised",
    "summarize": "summarized",
    "write": "written",
    "set up": "set up",
    "carry out": "carried out",
    "find out": "found out",
    "add": "added",
    "deliver": "delivered",
    "set": "set",
    "keep": "kept",
    "track": "tracked",
    "verify": "verified",
    "validate": "validated",
    "test": "tested",
}
# Actions in the world: an agent prepares them, a person takes them.
DONE_BY_PERSON: dict[str, str] = {
    "apply for": "applied for",
    "reach out": "reached out",
    "agree on": "agreed on",
    "obtain": "obtained",
    "secure": "secured",
    "confirm": "confirmed",
    "follow up": "followed up",
    "sign up": "signed up",
    "award": "awarded",
    "book": "booked",
    "buy": "bought",
    "circulate": "circulated",
    "contact": "contacted",
    "file": "filed",
    "hire": "hired",
    "hold": "held",
    "inspect": "inspected",
    "install": "installed",
    "interview": "interviewed",
    "invite": "invited",
    "negotiate": "negotiated",
    "open": "opened",
    "order": "ordered",
    "pay": "paid",
    "place": "placed",
    "present": "presented",
    "publish": "published",
    "purchase": "purchased",
    "register": "registered",
    "request": "requested",
    "run": "run",
    "send": "sent",
    "sign": "signed",
    "submit": "submitted",
    "train": "trained",
    "visit": "visited",
    "agree": "agreed",
    "get": "obtained",
    "hand": "handed over",
    "answer": "answered",
    "fix": "fixed",
    "receive": "received",
    "mount": "mounted",
    "connect": "connected",
    "pass": "passed",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VERBS = sorted({v.split()[0] for v in (*DONE_BY_WORK, *DONE_BY_PERSON)}, key=len, reverse=True)
# Verbs that are as often nouns or adjectives ("findings and open questions"): after a bare
# " and " they do not start a new instruction, only after a comma.
_AMBIGUOUS = _words(
    "open plan list test record note mark score map set book order place file present run pass "
    "hand answer fix get hold research study design document estimate track review rank check "
    "draft deliver keep add contact request interview"
)
_UNAMBIGUOUS = [v for v in _VERBS if v not in _AMBIGUOUS]
# A new instruction starts with a known verb followed by at least two more words.
_CLAUSE = re.compile(
    r"(?:,\s+(?:and\s+)?(?=(?:" + "|".join(_VERBS) + r")\s+\S+\s+\S+)"
    r"|\s+and\s+(?=(?:" + "|".join(_UNAMBIGUOUS) + r")\s+\S+\s+\S+))"
)
# Lead-ins before the instruction: "In parallel, send…", "Steps: Contact vendors."
_LEADING = re.compile(
    r"^(?:(?:in parallel|then|finally|also|first|next|afterwards|after that),?"
    r"|[A-Z][a-z]+(?: [a-z]+)?:)\s+",
    re.IGNORECASE,
)
_CUT = re.compile(r",(?!\d)|;|:| \(| – | — | - | so that | in order to | before | until | once ")
# An object that is only a pronoun says nothing on its own ("Combine this with…").
_PRONOUNS = ("this ", "that ", "these ", "those ", "it ", "them ", "they ")
_RECORDING = frozenset({"record", "document", "note"})
_HARD_CUT = re.compile(r";|:| \(| – | — | so that | in order to | before | until | once ")
# Two-word verbs, looked up before the one-word tables.
_PHRASAL = frozenset(
    {
        "set up",
        "carry out",
        "find out",
        "apply for",
        "follow up",
        "sign up",
        "reach out",
        "agree on",
    }
)
_WORD = re.compile(r"[A-Za-z]+")


def criteria(task: TaskFile, by_person: bool = False) -> list[str]:
    """2–4 acceptance criteria for the task, in the order the description states them."""
    return [text for text, _ in sourced_criteria(task, by_person)]


def sourced_criteria(task: TaskFile, by_person: bool = False) -> list[tuple[str, str]]:
    """Each criterion with the sentence of the plan it comes from ("" for a fallback)."""
    found: list[tuple[str, str]] = []
    for sentence in sentences(task.description):
        for clause in instructions(sentence):
            made = _from_sentence(clause, by_person)
            if made and made not in (c for c, _ in found):
                found.append((made, sentence))
            if len(found) == MAX_CRITERIA:
                return found
    if len(found) < MIN_CRITERIA:
        title = _from_sentence(task.title, by_person)
        if title and title not in (c for c, _ in found):
            found.insert(0, (title, task.title))
    for fallback in _fallbacks(task, by_person):
        if len(found) >= MIN_CRITERIA:
            break
        if fallback not in (c for c, _ in found):
            found.append((fallback, ""))
    return found


def instructions(sentence: str) -> list[str]:
    """The instructions of one sentence: "Reach out to X, gather Y, and assess Z." is three."""
    return [part for part in _CLAUSE.split(sentence) if part.strip()]


def _from_sentence(sentence: str, by_person: bool) -> str | None:
    text = _LEADING.sub("", sentence.strip())
    words = _WORD.findall(text)
    if not words:
        return None
    verb = words[0].lower()
    rest = text[len(words[0]) :].strip()
    if len(words) > 1 and f"{verb} {words[1].lower()}" in _PHRASAL:
        verb = f"{verb} {words[1].lower()}"
        rest = rest[len(words[1]) :].strip()
    obj = _object(rest)
    if not obj:
        return None
    if verb in _RECORDING and not by_person:
        return f"{capitalize(obj)} — recorded in the deliverable"
    if verb in DONE_BY_WORK:
        return f"{capitalize(obj)} — {DONE_BY_WORK[verb]}, {_recorded(by_person)}"
    if verb in DONE_BY_PERSON:
        if by_person:
            return f"{capitalize(obj)} — {DONE_BY_PERSON[verb]}, with proof attached"
        return f"{capitalize(obj)} — prepared in the deliverable for a person to {verb}"
    return None


def _object(rest: str) -> str:
    """The object phrase of an instruction: up to the first clause break, at most ~110
    characters. A list ("schools, youth clubs, …") runs on past its commas."""
    head = _CUT.split(rest, maxsplit=1)[0].strip().rstrip(".")
    if len(head.split()) < 3 and rest[len(head) :].lstrip().startswith(","):
        head = _HARD_CUT.split(rest, maxsplit=1)[0].strip().rstrip(".")
    if head.lower().startswith(("and ", "or ", *_PRONOUNS)):
        return ""
    return clip(head, 110)


def _recorded(by_person: bool) -> str:
    return "with proof attached" if by_person else "recorded in the deliverable"


def _fallbacks(task: TaskFile, by_person: bool) -> list[str]:
    if by_person:
        return [
            f"The work of task {task.id} ({task.title}) is done as the plan describes it, "
            "with proof attached",
            "Deviations from the plan and open points are written down for the next tasks",
        ]
    return [
        f"The deliverable states the purpose, inputs and steps of task {task.id} ({task.title})",
        "The plan's risks that bear on the task are listed with their mitigations",
    ]
