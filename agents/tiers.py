"""Risk tiers: which tasks an agent may do alone, which need a person's approval, which a person
must lead. The offline engine decides with the explicit rules below; the LLM engine uses them
as a floor (a model may raise a tier, never lower it below what the rules found).

Tiers (DESIGN.md §2, issue 4):
- **1**: AI-executable and reversible: desk research, drafting, analysis, planning.
- **2**: AI with a person's approval: external communication, spending, commitments.
- **3**: human-led: legal filings, negotiation, physical work, irreversible or high-budget steps.

How the rules read a task. The text is the task's title and its description, split into
sentences, lower-cased; the resources are matched separately. A rule is a verb or phrase
pattern, optionally with words that must (`needs`) or must not (`unless`) follow within a few
words, so "build the budget spreadsheet" is not construction and "contact details" is not
contacting anyone. A match right after a preposition ("a timeline *for obtaining* licences",
"before submission") talks about an action without doing it and does not count. Rules marked
`lead` count only in verb position (first word of a sentence, or after "and", "then", "to"…),
because their word is mostly a noun elsewhere ("paid repairs", "monthly rent").

Besides the table, three rules use the plan itself:
- **permit**: a task that applies for, obtains, files or registers something and whose text
  matches one of the plan's permits and licences (relevance ≥ PERMIT_SCORE) is a permit
  application: tier 3.
- **authority**: a task that submits or files something and matches one of the plan's regulatory
  bodies (relevance ≥ BODY_SCORE) is a filing with an authority: tier 3.
- **high budget**: a spending or commitment rule together with a money figure of at least
  HIGH_BUDGET (in the plan's own currency, a deliberately crude bound) is tier 3.

The task's tier is the highest tier any rule gives; no rule firing means tier 1.
Tier 2 sets `approval_required`; tier 3 goes to a person (state needs_human).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from agents.planview import PlanView, Ranked, task_query
from agents.text import sentences
from agents.tier_rules import (
    COMMITMENT,
    DESK_VERBS,
    IRREVERSIBLE,
    LEADS,
    LEGAL,
    PREPOSITIONS,
    RULES,
    SPENDING,
    TOKEN,
    Rule,
    define,
)
from swarm.task import TaskFile

Tier = Literal[1, 2, 3]
Where = Literal["title", "description", "resources", "plan"]

PERMIT_SCORE = 3.0
BODY_SCORE = 3.0
HIGH_BUDGET = 1_000_000.0


# The verbs the plan-based rules look for, in verb position only ("cash registers" is a noun).
_OBTAIN = define(
    "obtain",
    3,
    LEGAL,
    r"\b(?:appl(?:y|ies|ying)|obtain(?:s|ing)?|secur(?:e|es|ing)|acquir(?:e|es|ing)"
    r"|submit(?:s|ting)?|fil(?:e|es|ing)|regist(?:er|ers|ering)|renew(?:s|ing)?)\b",
    lead=True,
)
_SUBMIT = define(
    "submit", 3, LEGAL, r"\b(?:submit(?:s|ting)?|fil(?:e|es|ing)|lodg(?:e|es|ing))\b", lead=True
)
_MONEY = re.compile(
    r"(?:[$€£]\s?|\b(?:eur|usd|gbp|chf|czk|dkk|sek|nok|pln|cad|aud|jpy|inr)\s?)"
    r"(?P<a>\d[\d,]*(?:\.\d+)?)\s*(?P<sa>million|billion|bn|m|k)?\b"
    r"|\b(?P<b>\d[\d,]*(?:\.\d+)?)\s*(?P<sb>million|billion|bn|m|k)?\s*"
    r"(?:eur|euros?|usd|dollars?|gbp|pounds|chf|czk|dkk|sek|nok|pln|cad|aud|jpy|inr)\b"
)
_SCALE = {"k": 1e3, "m": 1e6, "million": 1e6, "billion": 1e9, "bn": 1e9}


@dataclass(frozen=True)
class Hit:
    rule: str
    tier: Literal[2, 3]
    category: str
    where: Where
    excerpt: str


@dataclass(frozen=True)
class TierDecision:
    tier: Tier
    hits: tuple[Hit, ...]

    @property
    def approval_required(self) -> bool:
        return self.tier >= 2

    @property
    def categories(self) -> list[str]:
        """The categories of the rules that set the tier, in table order, once each."""
        out: list[str] = []
        for hit in self.hits:
            if hit.tier == self.tier and hit.category not in out:
                out.append(hit.category)
        return out


def assess(task: TaskFile, plan: PlanView) -> TierDecision:
    """The task's tier by the rule table and the plan's regulatory content."""
    hits: dict[str, Hit] = {}
    for hit in _text_hits(task):
        hits.setdefault(hit.rule, hit)
    for hit in _plan_hits(task, plan, hits):
        hits.setdefault(hit.rule, hit)
    found = tuple(hits.values())
    tier: Tier = max((h.tier for h in found), default=1)
    return TierDecision(tier, found)


def _text_hits(task: TaskFile) -> Iterator[Hit]:
    # a desk title ("Plan safety training for staff") names the artefact it makes: only its
    # verbs count there ("Select and procure…"), not the nouns that describe the artefact
    desk = _first_word(task.title) in DESK_VERBS
    parts: list[tuple[Where, str]] = [("title", task.title)]
    parts += [("description", s) for s in sentences(task.description)]
    for rule in RULES:
        if rule.scope == "resources":
            if desk:
                continue
            for resource in task.resources:
                if rule.compiled.search(resource.lower()):
                    yield Hit(rule.id, rule.tier, rule.category, "resources", resource)
                    break
            continue
        for where, sentence in parts:
            excerpt = _match(rule, sentence, lead=where == "title" and desk)
            if excerpt is not None:
                yield Hit(rule.id, rule.tier, rule.category, where, excerpt)
                break


def _first_word(text: str) -> str:
    found = TOKEN.findall(text.lower())
    return found[0] if found else ""


def _match(rule: Rule, sentence: str, lead: bool = False) -> str | None:
    """An excerpt around the first match of `rule` in `sentence` that counts, or None."""
    low = sentence.lower()
    for m in rule.compiled.finditer(low):
        before = TOKEN.findall(low[: m.start()])
        previous = before[-1] if before else None
        if previous in PREPOSITIONS or previous in rule.not_after:
            continue
        # "such as purchasing or leasing": the second of a pair after a preposition is a mention
        if previous in ("and", "or") and len(before) >= 3 and before[-3] in PREPOSITIONS:
            continue
        if (rule.lead or lead) and previous is not None and previous not in LEADS:
            continue
        if rule.preceded and not rule.preceded.intersection(before[-rule.window :]):
            continue
        after = TOKEN.findall(low[m.end() :])[: rule.window]
        if rule.needs and not rule.needs.intersection(after):
            continue
        if rule.unless and rule.unless.intersection(after):
            continue
        return _excerpt(sentence, m.start(), m.end())
    return None


def _excerpt(sentence: str, start: int, end: int, radius: int = 60) -> str:
    lo = max(0, start - radius)
    hi = min(len(sentence), end + radius)
    lo = sentence.rfind(" ", 0, lo) + 1 if lo > 0 else 0
    cut = sentence.find(" ", hi)
    hi = len(sentence) if cut < 0 else cut
    text = sentence[lo:start] + "**" + sentence[start:end] + "**" + sentence[end:hi]
    return ("…" if lo > 0 else "") + text + ("…" if hi < len(sentence) else "")


def _plan_hits(task: TaskFile, plan: PlanView, found: dict[str, Hit]) -> Iterator[Hit]:
    parts = [task.title, *sentences(task.description)]
    query = task_query(task)
    if any(_match(_OBTAIN, s) for s in parts):
        for ranked in plan.permits.rank(query, 1, PERMIT_SCORE):
            yield _plan_hit("permit", LEGAL, ranked)
    if any(_match(_SUBMIT, s) for s in parts):
        for ranked in plan.bodies.rank(query, 1, BODY_SCORE):
            yield _plan_hit("authority", LEGAL, ranked)
    money = max_money(f"{task.title}. {task.description}")
    spends = any(h.category in (SPENDING, COMMITMENT) for h in found.values())
    if spends and money >= HIGH_BUDGET:
        yield Hit(
            "high-budget",
            3,
            IRREVERSIBLE,
            "description",
            f"a spending step with a figure of {money:,.0f} (at least {HIGH_BUDGET:,.0f})",
        )


def _plan_hit(rule: str, category: str, ranked: Ranked) -> Hit:
    item = ranked.item
    excerpt = f"{item.ref} {item.title} (relevance {ranked.score:.1f}, {item.source})"
    return Hit(rule, 3, category, "plan", excerpt)


def max_money(text: str) -> float:
    """The largest money figure in the text (0 when none), scale words applied."""
    best = 0.0
    for m in _MONEY.finditer(text.lower()):
        number = m.group("a") or m.group("b")
        scale = m.group("sa") or m.group("sb")
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            continue
        best = max(best, value * _SCALE.get(scale or "", 1.0))
    return best
