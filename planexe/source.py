"""Open a plan folder or zip safely: a mapping of basename → entry, read lazily within limits.

This is the only module that touches the file system. It refuses what a hostile archive could
use against the reader (path traversal, symlinks, zip bombs, huge files) and skips macOS junk,
dot-files and the files the reader ignores (`log.txt`, …), which are never opened.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from planexe.errors import PlanError
from planexe.limits import Limits, human_size
from planexe.names import is_ignored, is_junk

Layout = Literal["directory", "flat-zip", "wrapped-zip"]

_CHUNK = 1024 * 1024
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)


@dataclass(frozen=True)
class Entry:
    """One plan file: its basename, where it is (for messages) and its declared size."""

    basename: str
    location: str
    size: int


class Source:
    """The files of one plan, keyed by basename. `read` enforces the limits on every read."""

    def __init__(
        self, path: str, layout: Layout, entries: list[Entry], read: Callable[[Entry], bytes]
    ) -> None:
        self.path = path
        self.layout: Layout = layout
        self.entries = {e.basename: e for e in sorted(entries, key=lambda e: e.basename)}
        self._read = read

    def read(self, basename: str) -> bytes:
        return self._read(self.entries[basename])


@contextmanager
def open_source(path: str | os.PathLike[str], limits: Limits) -> Iterator[Source]:
    """Open a run folder, a flat zip or a wrapped zip. Raises PlanError for anything unsafe."""
    where = os.fspath(path)
    p = Path(where)
    if p.is_dir():
        yield _open_dir(p, where, limits)
    elif p.is_file() and _looks_like_zip(p):
        with _zipfile(p, where) as zf:
            yield _open_zip(zf, where, limits)
    elif p.exists():
        raise PlanError("is neither a folder nor a zip archive", where)
    else:
        raise PlanError("does not exist (expected a PlanExe run folder or zip)", where)


# --------------------------------------------------------------------------- shared checks


class _Budget:
    """Counts the bytes actually read against `max_total_bytes`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.used = 0

    def take(self, n: int, where: str) -> None:
        self.used += n
        if self.used > self.limits.max_total_bytes:
            limit = human_size(self.limits.max_total_bytes)
            raise PlanError(f"reading the plan exceeded the {limit} limit on its total size", where)


def _check_file_size(size: int, where: str, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        limit = human_size(limits.max_file_bytes)
        raise PlanError(f"is {human_size(size)}, over the {limit} limit for one file", where)


def _check_total(entries: list[Entry], where: str, limits: Limits) -> None:
    if not entries:
        raise PlanError("contains no plan files (it is empty or holds only junk)", where)
    if len(entries) > limits.max_entries:
        raise PlanError(f"has {len(entries)} files, over the limit of {limits.max_entries}", where)
    total = sum(e.size for e in entries)
    if total > limits.max_total_bytes:
        limit = human_size(limits.max_total_bytes)
        raise PlanError(f"its files add up to {human_size(total)}, over the {limit} limit", where)


def _read_bounded(stream: IO[bytes], cap: int, where: str, budget: _Budget, too_much: str) -> bytes:
    """Read in bounded chunks and stop with `too_much` as soon as more than `cap` bytes arrive."""
    parts: list[bytes] = []
    got = 0
    while chunk := stream.read(_CHUNK):
        got += len(chunk)
        if got > cap:
            raise PlanError(too_much, where)
        budget.take(len(chunk), where)
        parts.append(chunk)
    return b"".join(parts)


# --------------------------------------------------------------------------- folders


def _open_dir(root: Path, where: str, limits: Limits) -> Source:
    entries, subdirs = _scan_dir(root, limits)
    if not entries and len(subdirs) == 1:  # an unpacked wrapped zip: descend once
        root = root / subdirs[0]
        entries, _ = _scan_dir(root, limits)
    _check_total(entries, where, limits)
    budget = _Budget(limits)

    def read(entry: Entry) -> bytes:
        return _read_dir_file(root / entry.basename, entry, budget)

    return Source(where, "directory", entries, read)


def _scan_dir(root: Path, limits: Limits) -> tuple[list[Entry], list[str]]:
    """Regular files and sub-folder names of one folder (junk and ignored files skipped)."""
    entries: list[Entry] = []
    subdirs: list[str] = []
    try:
        with os.scandir(root) as it:
            items = sorted(it, key=lambda item: item.name)
    except OSError as exc:
        raise PlanError(f"cannot be listed: {exc.strerror}", str(root)) from exc
    for item in items:
        if is_junk(item.name) or item.name == "__MACOSX" or is_ignored(item.name):
            continue
        if item.is_symlink():
            raise PlanError("is a symbolic link; a plan folder may hold only files", item.path)
        if item.is_dir(follow_symlinks=False):
            subdirs.append(item.name)
        elif item.is_file(follow_symlinks=False):
            size = item.stat(follow_symlinks=False).st_size
            entries.append(Entry(item.name, item.path, size))
        else:
            raise PlanError("is not a regular file", item.path)
        if len(entries) > limits.max_entries:
            raise PlanError(f"has more than {limits.max_entries} files", str(root))
    return entries, subdirs


def _read_dir_file(path: Path, entry: Entry, budget: _Budget) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise PlanError(f"cannot be opened: {exc.strerror}", entry.location) from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PlanError("is not a regular file", entry.location)
        _check_file_size(info.st_size, entry.location, budget.limits)
        cap = budget.limits.max_file_bytes
        too_much = f"grew past the {human_size(cap)} limit for one file while being read"
        return _read_bounded(fh, cap, entry.location, budget, too_much)


# --------------------------------------------------------------------------- zips


def _looks_like_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    except OSError as exc:
        raise PlanError(f"cannot be read: {exc.strerror}", str(path)) from exc


@contextmanager
def _zipfile(path: Path, where: str) -> Iterator[zipfile.ZipFile]:
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        message = f"is not a readable zip archive (truncated or corrupt): {exc}"
        raise PlanError(message, where) from exc
    with zf:
        yield zf


def _open_zip(zf: zipfile.ZipFile, where: str, limits: Limits) -> Source:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise PlanError(f"has {len(infos)} entries, over the limit of {limits.max_entries}", where)
    kept = [(info, parts) for info in infos if (parts := _plan_parts(info)) is not None]
    entries = [Entry(parts[-1], info.filename, info.file_size) for info, parts in kept]
    _check_unique(entries, where)
    for info, _ in kept:
        _check_ratio(info, limits)
    _check_total(entries, where, limits)
    layout: Layout = "flat-zip" if all(len(parts) == 1 for _, parts in kept) else "wrapped-zip"
    by_location = {info.filename: info for info, _ in kept}
    budget = _Budget(limits)

    def read(entry: Entry) -> bytes:
        return _read_zip_entry(zf, by_location[entry.location], budget)

    return Source(where, layout, entries, read)


def _plan_parts(info: zipfile.ZipInfo) -> list[str] | None:
    """The path parts of a plan file entry, or None for directories, junk and ignored files.
    Raises PlanError for unsafe entries (absolute or `..` paths, symlinks)."""
    name = info.filename
    unix = name.replace("\\", "/")
    parts = [p for p in unix.split("/") if p not in ("", ".")]
    if unix.startswith("/") or (len(unix) > 1 and unix[1] == ":") or ".." in parts:
        raise PlanError("has an absolute or '..' path; refusing an unsafe zip", name)
    if info.is_dir() or not parts or any(is_junk(p) or p == "__MACOSX" for p in parts):
        return None
    if is_ignored(parts[-1]):
        return None
    if stat.S_ISLNK(info.external_attr >> 16):
        raise PlanError("is a symbolic link; refusing an unsafe zip", name)
    return parts


def _check_unique(entries: list[Entry], where: str) -> None:
    seen: dict[str, Entry] = {}
    for entry in entries:
        other = seen.setdefault(entry.basename, entry)
        if other is not entry:
            raise PlanError(
                f"two entries share the file name {entry.basename!r} ({other.location!r} and "
                f"{entry.location!r}); it is ambiguous which one belongs to the plan",
                where,
            )


def _check_ratio(info: zipfile.ZipInfo, limits: Limits) -> None:
    size, packed = info.file_size, max(info.compress_size, 1)
    if size > limits.ratio_min_bytes and size > limits.max_ratio * packed:
        raise PlanError(
            f"expands from {human_size(packed)} to {human_size(size)} ({size / packed:.0f}:1, over"
            f" the {limits.max_ratio:.0f}:1 limit); refusing a possible zip bomb",
            info.filename,
        )


def _read_zip_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    _check_file_size(info.file_size, info.filename, budget.limits)
    try:
        with zf.open(info) as fh:
            too_much = f"unpacks to more than its declared size of {human_size(info.file_size)}"
            return _read_bounded(fh, info.file_size, info.filename, budget, too_much)
    except _ZIP_ERRORS as exc:
        message = f"cannot be unpacked (corrupt or truncated zip): {exc}"
        raise PlanError(message, info.filename) from exc
