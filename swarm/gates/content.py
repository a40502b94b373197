"""Rules about what the added text says: no secrets (error), no hype (warning).

Both look only at the lines a pull request adds (head lines its base lacks), so a note is judged
on what this pull request wrote, and a finding points at a line the author can fix.

`secret` scans every changed file, text or not (a key pasted into a binary is still a leak), for
well-known credential shapes and for `password|passwd|secret|api key|token` assigned a value.
To stay usable on prose, an assigned value counts only when it is 8+ characters, not a
placeholder (`<...>`, `${...}`, `***`, `example`, `changeme`, an environment lookup...), not a
bare number (counts and ids), and not a plain lowercase word shorter than 20 characters ("Token:
confidential" is a sentence). A finding names the kind and the line, never the value: the gate's
output lands in logs and check runs, where a secret must not be repeated (DESIGN.md invariant 7).

`hype` looks at agents' Markdown under research/, compliance/ and deliverables/ for the words in
`gates.hype_words`, case-insensitive and whole words ("seamless" but not "seamlessly").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from swarm.gates.context import Context, finding
from swarm.gates.model import Finding

_WORD_EDGE_L = r"(?<![A-Za-z0-9_])"

# Ordered: the first kind that matches a line names the finding (most specific first).
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")),
    ("GitHub token", re.compile(_WORD_EDGE_L + r"gh[pousr]_[A-Za-z0-9]{36,}")),
    ("GitHub token", re.compile(_WORD_EDGE_L + r"github_pat_[A-Za-z0-9_]{22,}")),
    ("AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])")),
    ("Anthropic API key", re.compile(r"(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}")),
    ("OpenAI-style API key", re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}")),
    ("Slack token", re.compile(_WORD_EDGE_L + r"xox[abprs]-[A-Za-z0-9-]{10,}")),
    ("Google API key", re.compile(_WORD_EDGE_L + r"AIza[0-9A-Za-z_-]{35}")),
)

_ASSIGNED = re.compile(
    r"(?i)(?<![a-z0-9])(?:password|passwd|secret|api[_-]?key|token)[a-z0-9_-]*"
    r"[\"']?\s*[:=]\s*[\"']?(?P<value>[^\s\"'`,;]{8,})"
)
_PLACEHOLDER_START = ("<", "$", "{", "%", "[", "(", "*")
_PLACEHOLDER_PARTS = (
    "***",
    "...",
    "…",
    "xxxx",
    "example",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your_",
    "your-",
    "dummy",
    "redacted",
    "sample",
    "getenv",
    "environ",
    "(",
)


def check_secret(ctx: Context) -> Iterator[Finding]:
    for path in ctx.paths:
        for n, line in ctx.added_lines(path, lenient=True):
            kind = secret_kind(line)
            if kind is not None:
                yield finding(
                    "secret",
                    path,
                    f"possible {kind} on line {n}: remove it and rotate the credential "
                    "(the value is not shown here)",
                )


def secret_kind(line: str) -> str | None:
    """The kind of credential the line seems to hold, or None."""
    for kind, pattern in _KINDS:
        if pattern.search(line):
            return kind
    for match in _ASSIGNED.finditer(line):
        if _looks_real(match.group("value")):
            return "password or token assignment"
    return None


def _looks_real(value: str) -> bool:
    value = value.rstrip(".)]}>")
    low = value.lower()
    if len(value) < 8 or value.startswith(_PLACEHOLDER_START):
        return False
    if any(part in low for part in _PLACEHOLDER_PARTS):
        return False
    if re.fullmatch(r"[0-9.]+", value):
        return False  # a count, a version or an id, not a credential
    return not (re.fullmatch(r"[a-z]+", value) and len(value) < 20)


def _agent_markdown(ctx: Context) -> list[str]:
    if not ctx.is_agent:
        return []
    return [
        p
        for p in ctx.paths
        if p.endswith(".md") and p.startswith(("research/", "compliance/", "deliverables/"))
    ]


def agent_prose(ctx: Context) -> Iterator[tuple[str, int, str]]:
    """(path, line number, line) of each line an agent added to its Markdown notes."""
    for path in _agent_markdown(ctx):
        for n, line in ctx.added_lines(path):
            yield path, n, line


def check_hype(ctx: Context) -> Iterator[Finding]:
    words = ctx.gates.hype_words
    if not words:
        return
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
    for path, n, line in agent_prose(ctx):
        found = sorted({m.group(0).lower() for m in pattern.finditer(line)})
        if found:
            quoted = ", ".join(f'"{w}"' for w in found)
            yield finding(
                "hype",
                path,
                f"hype on line {n}: {quoted}; say what it does and how that is measured",
                "warning",
            )
