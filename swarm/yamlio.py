"""YAML as plan-swarm writes and reads it: deterministic output, strict input.

Output is block style with literal blocks for multi-line text, keys in model order, so a task
file diff shows exactly what changed. Input refuses anchors, aliases and non-standard tags: a task
file is data written by a tool or a person, and those features only ever show up in attacks
(alias bombs) or in content that would not round-trip.
"""

from __future__ import annotations

from typing import Any

import yaml

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)


class YamlError(ValueError):
    """The text is not plain YAML data; the message says where."""


class _BlockDumper(_Dumper):  # type: ignore[misc,valid-type]
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        text = "\n".join(line.rstrip() for line in value.split("\n"))
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BlockDumper.add_representer(str, _str_representer)


def dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_BlockDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


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
