"""Bytes → text and text → JSON, with errors that name the file.

PlanExe writes UTF-8, but runs made on Windows before 2025-10-22 may be Windows-1252 (cp1252).
Anything else (UTF-16, binary, bytes cp1252 does not define) is refused.
"""

from __future__ import annotations

import json
from typing import Any

from planexe.errors import PlanError

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"


def decode(data: bytes, file: str) -> tuple[str, bool]:
    """The text of `data` and whether the cp1252 fallback was needed."""
    if data.startswith(_UTF16_BOMS) or b"\x00" in data:
        raise PlanError("is not UTF-8 text (it holds NUL bytes: UTF-16 or binary data?)", file)
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("cp1252"), True
    except UnicodeDecodeError as exc:
        raise PlanError(
            f"is not UTF-8 text (invalid byte 0x{data[utf8_error.start]:02x} at offset"
            f" {utf8_error.start}) nor Windows-1252 (byte 0x{data[exc.start]:02x} at offset"
            f" {exc.start} is undefined)",
            file,
        ) from None


def parse_json(text: str, file: str) -> Any:
    """JSON from text; malformed JSON raises PlanError with the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", file
        ) from None
    except RecursionError:
        raise PlanError("is not usable JSON: it is nested too deeply", file) from None
