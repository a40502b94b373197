"""Small text helpers shared by the roles: sentences, clipping, Markdown-safe cells, anchors.

Everything here is deterministic and locale-free, so the offline engine gives the same bytes for
the same input on every machine.
"""

from __future__ import annotations

import functools
import re

# the gate's own heuristic, so the offline engine and the fermi rule agree on what to hedge
from swarm.gates.fermi import sentence_problems

OFFLINE_BANNER = (
    "> Produced by plan-swarm's offline engine from the plan's content, without a language model."
)

# A sentence ends at . ! or ? followed by a space and a capital, a digit or an opening mark;
# "e.g. the" and "No. 852" stay inside their sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'“])")
_ENUMERATOR = re.compile(r"(?:^|(?<=[:.;]\s))\d{1,2}[.)]\s+(?=[A-Z])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "No.", "approx.", "incl.", "vs.", "cf.")
_SPACES = re.compile(r"\s+")
_ANCHOR_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph, stripped, abbreviations kept inside their sentence, list
    enumerators dropped ("Steps: 1. Contact vendors. 2. Request quotes." is three)."""
    parts = _SENTENCE_END.split(_ENUMERATOR.sub("", one_line(text)))
    out: list[str] = []
    for part in parts:
        if out and out[-1].endswith(_ABBREVIATIONS):
            out[-1] = f"{out[-1]} {part}"
        elif part:
            out.append(part)
    return out


def one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def clip(text: str, limit: int = 160) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def cell(text: str, limit: int = 220) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return clip(text, limit).replace("|", "\\|")


def first_sentence(text: str) -> str:
    found = sentences(text)
    return found[0] if found else ""


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return _ANCHOR_DROP.sub("", heading.strip().lower()).replace(" ", "-")


def heading_text(text: str) -> str:
    """A single-line heading with no Markdown heading marks of its own."""
    return one_line(text).lstrip("#").strip() or "Section"


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def bullet_list(items: list[str], empty: str) -> list[str]:
    return [f"- {item}" for item in items] if items else [empty]


def markdown_sections(text: str) -> dict[str, list[str]]:
    """The lines under each `## heading` of a Markdown note, keyed by the heading's text."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = out.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    return out


def days(value: int | None) -> str:
    if value is None:
        return "?"
    return f"{value} day" if value == 1 else f"{value} days"


# --- quoting the plan in the offline engine's notes --------------------------------------------

FIGURE_NOTE = " (figure from the plan, not re-estimated here)"
_LINE_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_DIGIT = re.compile(r"\d")


def quote_plan(markdown: str, hype_words: tuple[str, ...]) -> str:
    """The offline engine quotes the plan verbatim, except for two transparent edits that keep
    the gates' warnings for the engine's own claims: a hype word of the plan becomes "[…]"
    (an elision mark), and a sentence with a large single figure says the figure is the plan's.
    """
    hype = _hype_pattern(hype_words)
    out = []
    for line in markdown.split("\n"):
        if hype is not None:
            line = hype.sub("[…]", line)
        if not _DIGIT.search(line):  # no figure, nothing for the fermi rule to find
            out.append(line)
            continue
        out.append(" ".join(_hedged(p) for p in _LINE_SENTENCES.split(line)))
    return "\n".join(out)


@functools.lru_cache(maxsize=4096)
def _hedged(sentence: str) -> str:
    # the plan's sentences recur in many notes, so the answer is cached
    if not _DIGIT.search(sentence):
        return sentence
    if not any("single point" in p for p in sentence_problems(sentence)):
        return sentence
    stripped = sentence.rstrip()
    end = stripped[-1] if stripped and stripped[-1] in ".!?" else ""
    body = stripped[: len(stripped) - len(end)] if end else stripped
    return f"{body}{FIGURE_NOTE}{end}"


@functools.lru_cache(maxsize=8)
def _hype_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
