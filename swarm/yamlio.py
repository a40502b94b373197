"""YAML as plan-swarm writes and reads it: deterministic output, strict input.

Output is block style with literal blocks for multi-line text, keys in model order, so a task
file diff shows exactly what changed. Input refuses anchors, aliases and non-standard tags: a task
file is data written by a tool or a person, and those features only ever show up in attacks
(alias bombs) or in content that would not round-trip.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)


class YamlError(ValueError):
    """The text is not plain YAML data; the message says where."""


_BOOLISH = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]
)  # plain words YAML 1.1 would read as bool or null
_NONPRINTABLE = re.compile(r"[^\n\t -~]")  # quick test for anything beyond printable ASCII


def dump(data: Any) -> str:
    """Block-style YAML for plain data (dicts, lists, str, int, float, bool, None).

    A small emitter of our own: PyYAML's representer is pure Python and dominated the cost of
    writing 10,000 task files. Strings are plain when that is unambiguous, literal blocks when
    they span lines, and double-quoted otherwise; `load(dump(x)) == x` is property-tested."""
    lines: list[str] = []
    if isinstance(data, dict):
        _mapping(data, "", lines)
    elif isinstance(data, list):
        _sequence(data, "", lines)
    else:
        lines.append(_scalar(data))
    return "\n".join(lines) + "\n"


def _mapping(data: dict[str, Any], indent: str, out: list[str]) -> None:
    if not data:
        out.append(indent + "{}")
        return
    for key, value in data.items():
        _entry(indent + _scalar(str(key)) + ":", value, indent, out)


def _sequence(data: list[Any], indent: str, out: list[str]) -> None:
    if not data:
        out.append(indent + "[]")
        return
    for item in data:
        if isinstance(item, dict) and item:
            first = len(out)
            _mapping(item, indent + "  ", out)
            out[first] = indent + "- " + out[first][len(indent) + 2 :]
        else:
            _entry(indent + "-", item, indent, out)


def _entry(head: str, value: Any, indent: str, out: list[str]) -> None:
    """`head` is 'key:' or '-'; the value follows on the line or as a nested block."""
    if isinstance(value, dict) and value:
        out.append(head)
        _mapping(value, indent + "  ", out)
    elif isinstance(value, list | tuple) and value:
        out.append(head)
        _sequence(list(value), indent + "  ", out)
    elif isinstance(value, str) and "\n" in value and _literal_ok(value):
        chomp = "" if value.endswith("\n") else "-"
        out.append(f"{head} |{chomp}")
        body = value[:-1] if value.endswith("\n") else value
        out.extend((indent + "  " + line) if line else "" for line in body.split("\n"))
    elif isinstance(value, dict | list | tuple):
        out.append(f"{head} {'{}' if isinstance(value, dict) else '[]'}")
    else:
        out.append(f"{head} {_scalar(value)}")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        # YAML 1.1 reads a float only with a dot in the mantissa: 5e-324 -> 5.0e-324
        mantissa, e, exponent = text.partition("e")
        return text if "." in mantissa else f"{mantissa}.0{e}{exponent}"
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__} as YAML")
    return _string(value)


@functools.lru_cache(maxsize=1 << 16)
def _string(value: str) -> str:
    # task files repeat the same short strings (ids, codes, titles) thousands of times
    return value if _plain_ok(value) else _quoted(value)


def _plain_ok(text: str) -> bool:
    return (
        bool(text)
        and text[0].isascii()
        and text[0].isalpha()
        and text[-1] not in " :"
        and text.isprintable()
        and ": " not in text
        and " #" not in text
        and text.lower() not in _BOOLISH
    )


def _literal_ok(text: str) -> bool:
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n")
    first = next((line for line in lines if line), "")
    return (
        bool(first)
        and not first.startswith(" ")
        and not body.endswith("\n")
        and all(line.isprintable() and not line.endswith(" ") for line in lines)
    )


def _quoted(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    if _NONPRINTABLE.search(quoted) is None:
        return quoted
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in quoted)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def load(text: str) -> Any:
    """Parse YAML data, refusing anchors, aliases and tags beyond the core schema."""
    if "&" in text or "*" in text or "!" in text:
        _refuse_anchors_and_tags(text)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc)) from None


def _refuse_anchors_and_tags(text: str) -> None:
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                raise YamlError(f"YAML alias '*{event.anchor}' is not allowed {_where(event)}")
            anchor = getattr(event, "anchor", None)
            if anchor:
                raise YamlError(f"YAML anchor '&{anchor}' is not allowed {_where(event)}")
            tag = getattr(event, "tag", None)
            if tag and tag not in _CORE_TAGS:
                raise YamlError(f"YAML tag '{tag}' is not allowed {_where(event)}")
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc)) from None


def _where(event: yaml.Event) -> str:
    mark = event.start_mark
    return f"(line {mark.line + 1}, column {mark.column + 1})" if mark else ""


def _describe(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"invalid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})"
    return f"invalid YAML: {problem}"
