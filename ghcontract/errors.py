"""GitHub's error answers: ``{"message", "documentation_url", "errors"?, "status"}``."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised by a handler; the server turns it into GitHub's JSON error body."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self, documentation_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "documentation_url": documentation_url}
        if self.errors is not None:
            out["errors"] = self.errors
        out["status"] = str(self.status)
        return out


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def validation_failed(*errors: dict[str, Any]) -> ApiError:
    """422 "Validation Failed" with GitHub's error objects (``resource``, ``field``, ``code``)."""
    return ApiError(422, "Validation Failed", list(errors))


def invalid(resource: str, field: str, value: Any = None) -> ApiError:
    error: dict[str, Any] = {"resource": resource, "field": field, "code": "invalid"}
    if value is not None:
        error["value"] = value
    return validation_failed(error)


def missing_field(resource: str, field: str) -> ApiError:
    return validation_failed({"resource": resource, "field": field, "code": "missing_field"})


def already_exists(resource: str, field: str, value: Any = None) -> ApiError:
    error: dict[str, Any] = {"resource": resource, "field": field, "code": "already_exists"}
    if value is not None:
        error["value"] = value
    return validation_failed(error)


def custom(resource: str, message: str, field: str | None = None) -> ApiError:
    error: dict[str, Any] = {"resource": resource, "code": "custom", "message": message}
    if field is not None:
        error["field"] = field
    return validation_failed(error)
