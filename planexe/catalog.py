"""The plan's files by logical name, read on demand; remembers what was read for the digest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from planexe.diagnostics import Diagnostics
from planexe.names import FileName, parse_name
from planexe.source import Source
from planexe.text import decode, parse_json


def index_files(basenames: Iterable[str], diag: Diagnostics) -> dict[str, list[FileName]]:
    """Logical name → its files, one per chunk, ordered by chunk index. When two files claim the
    same logical name and chunk, the current (non-renamed), newest-numbered one wins."""
    groups: dict[tuple[str, int], list[FileName]] = {}
    for basename in basenames:
        name = parse_name(basename)
        groups.setdefault((name.logical, name.chunk or 0), []).append(name)
    index: dict[str, list[FileName]] = {}
    for key in sorted(groups):
        candidates = sorted(groups[key], key=_preference)
        if len(candidates) > 1:
            others = ", ".join(c.basename for c in candidates[1:])
            diag.warn(
                "duplicate-file",
                f"{len(candidates)} files hold {key[0]}; using {candidates[0].basename}, "
                f"ignoring {others}",
                candidates[0].basename,
            )
        index.setdefault(key[0], []).append(candidates[0])
    return index


def _preference(name: FileName) -> tuple[bool, tuple[int, ...], str]:
    return (bool(name.renamed_from), tuple(-n for n in name.numbers), name.basename)


class Catalog:
    """Read access to a Source by logical name. Every read is recorded for `digest()`."""

    def __init__(self, source: Source, diag: Diagnostics) -> None:
        self._source = source
        self._diag = diag
        self._index = index_files(source.entries, diag)
        self._read: dict[str, bytes] = {}
        self._texts: dict[str, str] = {}

    @property
    def names(self) -> list[FileName]:
        return [name for files in self._index.values() for name in files]

    def has(self, logical: str) -> bool:
        return logical in self._index

    def files(self, logical: str) -> list[FileName]:
        return list(self._index.get(logical, ()))

    def data(self, name: FileName) -> bytes:
        key = name.logical if name.chunk is None else f"{name.logical}#{name.chunk}"
        if key not in self._read:
            self._read[key] = self._source.read(name.basename)
        return self._read[key]

    def text(self, name: FileName) -> str:
        if name.basename not in self._texts:
            text, cp1252 = decode(self.data(name), name.basename)
            if cp1252:
                self._diag.warn(
                    "cp1252", "is not UTF-8; decoded as Windows-1252 (cp1252)", name.basename
                )
            self._texts[name.basename] = text
        return self._texts[name.basename]

    def json(self, name: FileName) -> Any:
        return parse_json(self.text(name), name.basename)

    def first(self, logical: str) -> FileName | None:
        files = self._index.get(logical)
        return files[0] if files else None

    def load(self, logical: str) -> tuple[FileName, Any] | None:
        """The parsed JSON of a single-file logical name, or None when absent."""
        name = self.first(logical)
        return None if name is None else (name, self.json(name))

    def load_text(self, logical: str) -> tuple[FileName, str] | None:
        name = self.first(logical)
        return None if name is None else (name, self.text(name))

    def digest(self) -> str:
        """sha256 over the sorted (logical name[#chunk], bytes) of every file read so far."""
        h = hashlib.sha256()
        for key in sorted(self._read):
            data = self._read[key]
            h.update(key.encode() + b"\0" + len(data).to_bytes(8, "big"))
            h.update(data)
        return h.hexdigest()
