"""Check requests and responses against GitHub's REST description.

Requests go through openapi-core (parameters, headers, JSON body), with the path template
supplied by ``ghcontract.routing`` so openapi-core does not search 800 templates per request.

Response bodies are checked with openapi-schema-validator's OAS 3.0 read validator (the engine
openapi-core itself uses) compiled once per operation and status. Validating a 100-issue page
costs ~100 ms, so each array item and each top-level object is remembered by its canonical JSON:
an object that was valid once is not checked again when a later response repeats it unchanged.
Declared response headers (``Link``, ``Location``, ``X-RateLimit-*``) are checked too.

One reading differs from openapi-schema-validator's strict default: a ``nullable: true``
schema with an ``enum`` accepts null even though null is not listed. GitHub's description
marks fields such as an issue's ``state_reason`` that way and GitHub sends ``null`` for them;
the strict reading would reject GitHub's own answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from jsonschema.exceptions import ValidationError as SchemaError  # type: ignore[import-untyped]
from jsonschema.validators import extend  # type: ignore[import-untyped]
from openapi_core import V30RequestValidator
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.datatypes import TemplateResult
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from werkzeug.datastructures import Headers, ImmutableMultiDict

from ghcontract import spec as spec_module

SPEC_URI = "urn:github-rest"
_strict_enum = OAS30ReadValidator.VALIDATORS["enum"]


def _nullable_enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Any:
    if instance is None and schema.get("nullable") is True:
        return
    yield from _strict_enum(validator, enums, instance, schema)


ResponseValidator = extend(OAS30ReadValidator, {"enum": _nullable_enum})
_CACHE_LIMIT = 200_000


@dataclass
class ApiRequest:
    """The parts of an HTTP request openapi-core looks at (its ``Request`` protocol)."""

    method: str
    template: str
    path_params: dict[str, str]
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes | None
    content_type: str = ""
    host_url: str = "http://127.0.0.1"
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.method = self.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(self.query),
            header=Headers(list(self.headers.items())),
            path=dict(self.path_params),
        )

    @property
    def path(self) -> str:
        return self.template


class _SharedFormatChecker(SchemaValidatorsFactory):
    """openapi-core deep-copies the format checker for every schema it validates (a third of
    the time of a request); without custom formats the checker is never changed, so share it."""

    def get_format_checker(
        self, format_validators: Any = None, extra_format_validators: Any = None
    ) -> Any:
        if format_validators is None and extra_format_validators is None:
            return self.format_checker
        return super().get_format_checker(format_validators, extra_format_validators)


class _RoutedRequestValidator(V30RequestValidator):
    """openapi-core's request validator, told the path template instead of searching for it."""

    schema_validators_factory = _SharedFormatChecker(OAS30WriteValidator)

    def _find_path(self, request: Any) -> PathOperationServer:  # an ApiRequest
        path = self.spec / "paths" / request.template
        return PathOperationServer(
            path,
            path / request.method,
            self.spec / "servers" / 0,
            TemplateResult(request.template, request.path_params),
            TemplateResult(request.host_url, {}),
        )


def describe(error: BaseException) -> str:
    """One line per problem: openapi-core wraps the jsonschema errors in its own exceptions."""
    parts = [str(error)]
    cause: BaseException | None = error.__cause__
    while cause is not None:
        schema_errors: Iterable[SchemaError] = getattr(cause, "schema_errors", ())
        if schema_errors:
            parts.extend(_schema_error_line(e) for e in schema_errors)
        else:
            parts.append(str(cause))
        cause = cause.__cause__
    return "; ".join(parts)


def _schema_error_line(error: SchemaError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"


class ContractValidator:
    """Validators for one version of the description, shared by every server in the process."""

    _instances: ClassVar[dict[str, ContractValidator]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, version: str = spec_module.VERSION) -> ContractValidator:
        with cls._instances_lock:
            if version not in cls._instances:
                cls._instances[version] = cls(version)
            return cls._instances[version]

    def __init__(self, version: str = spec_module.VERSION) -> None:
        self.spec = spec_module.spec_dict(version)
        self._openapi = spec_module.openapi(version)
        self._request_validator = _RoutedRequestValidator(self._openapi.spec)
        resource = Resource.from_contents(self.spec, default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[str, Any] = {}
        self._valid: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- requests

    def request_errors(self, request: ApiRequest) -> list[str]:
        return [describe(e) for e in self._request_validator.iter_errors(request)]

    # ---------------------------------------------------------------- responses

    def operation(self, method: str, template: str) -> dict[str, Any]:
        op: dict[str, Any] = self.spec["paths"][template][method.lower()]
        return op

    def response_spec(self, method: str, template: str, status: int) -> dict[str, Any] | None:
        responses = self.operation(method, template).get("responses", {})
        found = responses.get(str(status)) or responses.get(f"{status // 100}XX")
        found = found or responses.get("default")
        return self._deref(found) if found is not None else None

    def response_errors(
        self,
        method: str,
        template: str,
        status: int,
        body: Any,
        headers: Mapping[str, str],
        *,
        fallback_schema: str | None = None,
    ) -> list[str]:
        """Problems with a response; ``fallback_schema`` checks statuses the operation omits."""
        declared = self.response_spec(method, template, status)
        if declared is None:
            if fallback_schema is None:
                return [f"status {status} is not documented for {method.upper()} {template}"]
            return self._body_errors(f"#/components/schemas/{fallback_schema}", body)
        errors = self._header_errors(declared.get("headers", {}), headers)
        content = declared.get("content")
        if not content:
            return errors
        media = content.get("application/json") or next(iter(content.values()))
        schema = media.get("schema")
        if schema is None:
            return errors
        if body is None:
            return [*errors, f"status {status} must have a JSON body"]
        pointer = self._pointer(method, template, status, schema)
        return errors + self._body_errors(pointer, body)

    def _pointer(self, method: str, template: str, status: int, schema: dict[str, Any]) -> str:
        if "$ref" in schema:
            ref: str = schema["$ref"]
            return ref
        escaped = template.replace("~", "~0").replace("/", "~1")
        responses = self.operation(method, template)["responses"]
        key = str(status) if str(status) in responses else "default"
        raw = responses[key]
        if "$ref" in raw:  # shared response component: point into it
            return f"{raw['$ref']}/content/application~1json/schema"
        return (
            f"#/paths/{escaped}/{method.lower()}/responses/{key}/content/application~1json/schema"
        )

    def _validator(self, pointer: str) -> Any:
        with self._lock:
            found = self._validators.get(pointer)
            if found is None:
                found = ResponseValidator(
                    {"$ref": f"{SPEC_URI}{pointer}"},
                    registry=self._registry,
                    format_checker=OAS30ReadValidator.FORMAT_CHECKER,
                )
                self._validators[pointer] = found
            return found

    def _body_errors(self, pointer: str, body: Any) -> list[str]:
        schema = self._resolve(pointer)
        items_ref = None
        if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
            items_ref = schema["items"]["$ref"]
        if items_ref is not None and isinstance(body, list):
            errors: list[str] = []
            for index, item in enumerate(body):
                for line in self._cached_errors(items_ref, item):
                    errors.append(f"[{index}] {line}")
            return errors
        return self._cached_errors(pointer, body)

    def _cached_errors(self, pointer: str, value: Any) -> list[str]:
        key = (pointer, json.dumps(value, sort_keys=True, separators=(",", ":")))
        if key in self._valid:
            return []
        errors = [_schema_error_line(e) for e in self._validator(pointer).iter_errors(value)]
        if not errors:
            with self._lock:
                if len(self._valid) > _CACHE_LIMIT:
                    self._valid.clear()
                self._valid.add(key)
        return errors

    def _header_errors(self, declared: dict[str, Any], headers: Mapping[str, str]) -> list[str]:
        errors = []
        lowered = {k.lower(): v for k, v in headers.items()}
        for name, raw in declared.items():
            header = self._deref(raw)
            value = lowered.get(name.lower())
            if value is None:
                if header.get("required"):
                    errors.append(f"header {name} is required")
                continue
            schema = self._deref(header.get("schema", {}))
            if schema.get("type") == "integer" and not value.isdigit():
                errors.append(f"header {name}: {value!r} is not an integer")
        return errors

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self._resolve(node["$ref"])
        return node

    def _resolve(self, pointer: str) -> dict[str, Any]:
        node: Any = self.spec
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        result: dict[str, Any] = node
        return result
