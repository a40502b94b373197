"""Hidden markers that key GitHub objects to plan-swarm's own keys.

GitHub has no field for "this issue is task 1.2.3" or "this pull request is agent X's research
stage", so the key rides in an HTML comment at the end of the body, which GitHub does not
render. Reading a body back strips the marker, so what plan-swarm compares is what it wrote.
"""

from __future__ import annotations

import re

_MARK = re.compile(r"\n*<!-- plan-swarm (?P<fields>[^>]*?) -->\s*$")
_FIELD = re.compile(r'(\w+)="([^"]*)"')


def mark(body: str, **fields: str) -> str:
    """`body` with a marker holding `fields` (values must not contain double quotes)."""
    inner = " ".join(f'{k}="{v}"' for k, v in fields.items() if v)
    return f"{body.rstrip()}\n\n<!-- plan-swarm {inner} -->"


def read(body: str | None) -> tuple[str, dict[str, str]]:
    """(the body without its marker, the marker's fields); no marker gives ({}, body)."""
    text = body or ""
    found = _MARK.search(text)
    if found is None:
        return text, {}
    return text[: found.start()], dict(_FIELD.findall(found.group("fields")))
