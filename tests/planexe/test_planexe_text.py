"""Decoding (UTF-8, cp1252 fallback, refusals) and JSON errors that name the file."""

from __future__ import annotations

import pytest

from planexe.errors import PlanError
from planexe.text import decode, parse_json


def test_utf8_and_utf8_with_bom() -> None:
    assert decode("Zürich ✓".encode(), "f") == ("Zürich ✓", False)
    assert decode(b"\xef\xbb\xbfPlan:", "f") == ("Plan:", False)


def test_cp1252_fallback_is_flagged() -> None:
    assert decode(b"caf\xe9 \x93quoted\x94", "f") == ("café “quoted”", True)


@pytest.mark.parametrize("byte", [b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"])
def test_bytes_neither_utf8_nor_cp1252_are_refused(byte: bytes) -> None:
    with pytest.raises(PlanError) as err:
        decode(b"Plan: " + byte, "001-2-plan.txt")
    assert err.value.file == "001-2-plan.txt"
    assert "not UTF-8" in err.value.message and "Windows-1252" in err.value.message


@pytest.mark.parametrize(
    "data", ["Plan: x".encode("utf-16"), "Plan".encode("utf-16-le"), b"a\x00b"]
)
def test_nul_bytes_and_utf16_are_refused(data: bytes) -> None:
    with pytest.raises(PlanError, match="NUL bytes"):
        decode(data, "plan.txt")


def test_malformed_json_names_file_line_and_column() -> None:
    with pytest.raises(PlanError) as err:
        parse_json('{\n  "a": 1,\n  "b": \n}', "023-3-wbs.json")
    assert err.value.file == "023-3-wbs.json"
    assert "line 4, column 1" in err.value.message
    assert str(err.value).startswith("023-3-wbs.json: is not valid JSON")


def test_deeply_nested_json_is_refused_cleanly() -> None:
    with pytest.raises(PlanError, match="nested too deeply"):
        parse_json("[" * 100_000 + "]" * 100_000, "x.json")
