"""Lexical relevance: which of the plan's texts (risks, assumptions, documents) concern a task.

Deterministic and explainable on purpose: a score is the number of distinct content words two
texts share, weighted by how rare each word is across the candidates, so words every risk
mentions ("project", "delays") count for little. Materialization links a task to a plan item
only above a threshold; research ranks by the same score.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "also",
        "among",
        "and",
        "any",
        "are",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "can",
        "could",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "even",
        "every",
        "few",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "here",
        "how",
        "into",
        "its",
        "itself",
        "just",
        "least",
        "less",
        "made",
        "make",
        "many",
        "may",
        "might",
        "more",
        "most",
        "must",
        "need",
        "needs",
        "not",
        "now",
        "off",
        "once",
        "only",
        "other",
        "our",
        "out",
        "over",
        "own",
        "per",
        "same",
        "should",
        "since",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "too",
        "under",
        "until",
        "upon",
        "very",
        "via",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "your",
        "yours",
        "ensure",
        "including",
        "include",
        "includes",
        "based",
        "new",
        "use",
        "using",
        "used",
        "within",
        "well",
    ]
)


def words(text: str) -> frozenset[str]:
    """Content words of a text: lower-case, 4+ letters, stop words out, crude plural folding."""
    out = set()
    for word in _WORD.findall(text.lower()):
        if len(word) < 4 or word in _STOP:
            continue
        if word.endswith("ies") and len(word) > 5:
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 4:
            word = word[:-1]
        out.add(word)
    return frozenset(out)


class Index:
    """Candidates (e.g. the plan's risks) indexed once, then scored against many tasks."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._bags = [words(t) for t in texts]
        counts: Counter[str] = Counter()
        for bag in self._bags:
            counts.update(bag)
        n = max(len(self._bags), 1)
        self._idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in counts.items()}

    def scores(self, query: str | frozenset[str]) -> list[float]:
        q = words(query) if isinstance(query, str) else query
        return [sum(self._idf[w] for w in q & bag) for bag in self._bags]

    def top(self, query: str | frozenset[str], limit: int, threshold: float) -> list[int]:
        """Indices of the best candidates scoring at least `threshold`, best first, stable."""
        scored = [(s, i) for i, s in enumerate(self.scores(query)) if s >= threshold]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [i for _, i in scored[:limit]]
