"""Schema-valid default instances built from the description's component schemas.

GitHub's objects have many required fields that the emulated flows never look at (``gists_url``,
``forks_count``, …). ``Filler.component(name)`` builds the smallest instance that satisfies a
component schema: every required property, a value of the right type and format, ``None`` where
the schema allows null, the first value of an enum. Object builders then overlay the real state.
URL-like strings point at the server's own host, as PyGithub refuses foreign hosts.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

EPOCH = "2025-01-01T00:00:00Z"


class Filler:
    def __init__(self, spec: dict[str, Any], base_url: str) -> None:
        self._spec = spec
        self._base = base_url.rstrip("/")
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def component(self, name: str) -> Any:
        """A fresh default instance of ``#/components/schemas/<name>``."""
        with self._lock:
            if name not in self._cache:
                schema = self._spec["components"]["schemas"][name]
                self._cache[name] = self.instance(schema, (name,))
            cached = self._cache[name]
        return copy.deepcopy(cached)

    def schema(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self._spec["components"]["schemas"][name]
        return result

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self._spec
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def instance(self, schema: dict[str, Any], stack: tuple[str, ...] = (), key: str = "") -> Any:
        if "$ref" in schema:
            ref = schema["$ref"].rsplit("/", 1)[-1]
            target = self.resolve(schema)
            if ref in stack:  # a cycle through required fields: cut it where null is allowed
                return None
            return self.instance(target, (*stack, ref), key)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = self.instance(part, stack, key)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema:
                return self.instance(schema[combinator][0], stack, key)
        if "enum" in schema:  # openapi-schema-validator wants null listed in a nullable enum
            return None if None in schema["enum"] else schema["enum"][0]
        if schema.get("nullable"):
            return None
        if "default" in schema:
            return copy.deepcopy(schema["default"])
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            kind = "object"
        if kind == "object":
            props = schema.get("properties", {})
            return {
                name: self.instance(props.get(name, {}), stack, name)
                for name in schema.get("required", [])
            }
        if kind == "array":
            items = schema.get("items", {})
            return [self.instance(items, stack, key) for _ in range(schema.get("minItems", 0))]
        if kind == "integer":
            return int(schema.get("minimum", 0))
        if kind == "number":
            return float(schema.get("minimum", 0))
        if kind == "boolean":
            return False
        if kind == "string":
            return self._string(schema, key)
        return None

    def _string(self, schema: dict[str, Any], key: str) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            return EPOCH
        if fmt == "date":
            return EPOCH[:10]
        if fmt == "email":
            return "noreply@example.invalid"
        if fmt == "uri" or key.endswith("url") or key == "href":
            return f"{self._base}/"
        if fmt == "uuid":
            return "00000000-0000-0000-0000-000000000000"
        return "x" * int(schema.get("minLength", 0))
