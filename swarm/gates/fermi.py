"""The `fermi` rule (a warning): numbers in agents' notes should be honest estimates.

A heuristic, kept simple so the same text always gives the same findings. It reads the lines an
agent added to its Markdown under research/, compliance/ and deliverables/, one sentence at a time
(a sentence ends at '.', '!' or '?' followed by a space, or at the end of the line; sentences
spanning lines are judged line by line).

1. A range whose high end is more than 100 times its low end says little: "between X and Y",
   "X–Y" / "X—Y" / "X-Y", "X to Y". A scale word on the high end only applies to both ends ("1–5
   million" is 1M–5M). A low end of 0 is an upper bound, not a span, and is left alone.
2. A single figure that claims a lot, with no hedge in its sentence: a percentage over 100%, or a
   large figure (at least 1,000,000, or any figure with million/billion/trillion/bn). The hedges
   are: about, approximately/approx., around, roughly, estimate(d/s), range, between, at least,
   at most, up to, min/minimum, max/maximum, "~", "±", "+/-". Figures inside a range are not
   points.

Numbers may carry thousands separators (1,000,000), decimals, a currency sign, a scale word
(thousand, million, billion, trillion, bn, k) and a percent sign or "percent".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from swarm.gates.content import agent_prose
from swarm.gates.context import Context, finding
from swarm.gates.model import Finding

MAX_SPAN = 100.0
LARGE = 1_000_000.0

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}
_BIG_WORDS = frozenset({"million", "billion", "bn", "trillion"})


def _quantity(tag: str) -> str:
    return (
        rf"(?:[$€£]\s?)?(?P<num{tag}>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
        rf"(?:\s*(?P<scale{tag}>thousand|million|billion|trillion|bn|k)\b)?"
        rf"(?:\s*(?P<pct{tag}>%|percent\b|per cent\b))?"
    )


_EDGE = r"(?<![\w.,])"
_RANGE = re.compile(
    rf"(?i)\bbetween\s+{_quantity('a')}\s+and\s+{_quantity('b')}"
    rf"|{_EDGE}{_quantity('c')}\s*(?:[–—-]|\s+to\s+)\s*{_quantity('d')}"
)
_POINT = re.compile(rf"(?i){_EDGE}{_quantity('')}")
_HEDGE = re.compile(
    r"(?i)~|±|\+/-|\b(?:about|approx\w*|around|roughly|estimat\w*|range[sd]?|ranging|between"
    r"|at\s+least|at\s+most|up\s+to|min|minimum|max|maximum)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def check_fermi(ctx: Context) -> Iterator[Finding]:
    for path, n, line in agent_prose(ctx):
        for problem in line_problems(line):
            yield finding("fermi", path, f"line {n}: {problem}", "warning")


def line_problems(line: str) -> list[str]:
    """What the heuristic finds wrong with the figures of one line, sentence by sentence."""
    return [p for sentence in _SENTENCE_END.split(line) for p in sentence_problems(sentence)]


def sentence_problems(sentence: str) -> list[str]:
    """What the heuristic finds wrong with the figures of one sentence."""
    out: list[str] = []
    taken: list[tuple[int, int]] = []
    for match in _RANGE.finditer(sentence):
        taken.append(match.span())
        low_tag, high_tag = ("a", "b") if match.group("numa") else ("c", "d")
        high, high_scale = _value(match, high_tag, None)
        low, _ = _value(match, low_tag, high_scale)
        if low > 0 and high / low > MAX_SPAN:
            out.append(
                f'the range "{match.group(0).strip()}" spans a factor of {high / low:,.0f}: '
                "narrow it, or split the estimate into parts you can bound"
            )
    if _HEDGE.search(sentence):
        return out
    for match in _POINT.finditer(sentence):
        if any(start <= match.start() < end for start, end in taken):
            continue
        problem = _point_problem(match)
        if problem is not None:
            out.append(problem)
    return out


def _value(match: re.Match[str], tag: str, inherited: str | None) -> tuple[float, str | None]:
    number = float(match.group(f"num{tag}").replace(",", ""))
    scale = match.group(f"scale{tag}")
    scale = scale.lower() if scale else inherited
    return number * _SCALES.get(scale or "", 1.0), scale


def _point_problem(match: re.Match[str]) -> str | None:
    value, scale = _value(match, "", None)
    text = match.group(0).strip()
    if match.group("pct") and value > 100:
        return (
            f'"{text}" is a percentage over 100% stated as a single point: '
            "give its bounds or how it was estimated"
        )
    if not match.group("pct") and (value >= LARGE or scale in _BIG_WORDS):
        return (
            f'"{text}" is a large figure stated as a single point: '
            "give a range (low–high) or how it was estimated"
        )
    return None
