"""Match request paths to the description's path templates.

GitHub's routes put multi-segment values in a few parameters (``/git/ref/{ref}`` takes
``heads/feature/x``), so those match across slashes; every other parameter is one segment.
Among several matching templates the most specific wins (most literal characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

MULTI_SEGMENT = frozenset({"ref", "path", "basehead"})
_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Match:
    template: str
    params: dict[str, str]
    methods: frozenset[str]


@dataclass(frozen=True)
class _Template:
    template: str
    regex: re.Pattern[str]
    literal_chars: int
    methods: frozenset[str]


def _compile(template: str) -> re.Pattern[str]:
    out, pos = [], 0
    for found in _PARAM.finditer(template):
        out.append(re.escape(template[pos : found.start()]))
        name = found.group(1)
        body = ".+" if name in MULTI_SEGMENT else "[^/]+"
        out.append(f"(?P<{name.replace('-', '_')}>{body})")
        pos = found.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out) + r"\Z")


class Router:
    """Finds the spec template of a concrete path, indexed by the first path segment."""

    def __init__(self, paths: dict[str, Any]) -> None:
        self._by_head: dict[str, list[_Template]] = {}
        self._wild: list[_Template] = []
        for template, item in paths.items():
            methods = frozenset(
                m for m in item if m in {"get", "post", "put", "patch", "delete", "head"}
            )
            entry = _Template(template, _compile(template), len(_PARAM.sub("", template)), methods)
            head = template.split("/")[1] if template.count("/") else ""
            if "{" in head:
                self._wild.append(entry)
            else:
                self._by_head.setdefault(head, []).append(entry)
        for entries in self._by_head.values():
            entries.sort(key=lambda e: -e.literal_chars)

    def match(self, path: str) -> Match | None:
        head = path.split("/")[1] if path.count("/") else ""
        for entry in (*self._by_head.get(head, ()), *self._wild):
            found = entry.regex.match(path)
            if found:
                names = _PARAM.findall(entry.template)
                params = {name: unquote(found.group(name.replace("-", "_"))) for name in names}
                return Match(entry.template, params, entry.methods)
        return None
