"""Git trailers ("Key: value" lines closing a commit message): how plan-swarm's commits say
which task, stage, agent and fencing token they belong to, readable by `git log` and
`git interpret-trailers` as well as by the gates and `swarm verify`."""

from __future__ import annotations

import re
from collections.abc import Mapping

_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*): (.*)$")


def format_message(subject: str, trailers: Mapping[str, str | int | float], body: str = "") -> str:
    lines = [subject.strip(), ""]
    if body.strip():
        lines += [body.strip(), ""]
    for key, value in trailers.items():
        text = str(value)
        if "\n" in text:
            raise ValueError(f"trailer {key} holds a newline")
        lines.append(f"{key}: {text}")
    return "\n".join(lines) + "\n"


def parse(message: str) -> dict[str, str]:
    """The trailers of the last paragraph; later repeats of a key win."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return {}
    out: dict[str, str] = {}
    for line in paragraphs[-1].splitlines():
        match = _LINE.match(line.strip())
        if not match:
            return {}
        out[match.group(1)] = match.group(2).strip()
    return out
