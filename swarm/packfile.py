"""Git objects for a whole snapshot, written as one packfile instead of thousands of loose files.

A materialized plan is thousands of blobs and trees written at once. libgit2 writes each as a
loose object (a file and often a directory), which costs about 0.3 ms apiece on this class of
disk; a pack is two files. Format: git's pack v2 and index v2 (Documentation/gitformat-pack).
Objects are stored whole (no deltas): simple, and small text compresses well on its own.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path

_TYPES = {b"commit": 1, b"tree": 2, b"blob": 3, b"tag": 4}
BLOB_MODE, TREE_MODE = b"100644", b"40000"


def object_id(kind: bytes, data: bytes) -> bytes:
    """The raw 20-byte id git gives an object of this kind and content."""
    return hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data, usedforsecurity=False).digest()


class Snapshot:
    """Collects the blobs and trees of a file mapping; `root` is the top tree's raw id."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.objects: dict[bytes, tuple[bytes, bytes]] = {}
        tree: dict[str, object] = {}
        for path, data in files.items():
            node = tree
            *dirs, name = path.split("/")
            for part in dirs:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(f"path '{path}' runs through a file")
                node = child
            if isinstance(node.get(name), dict):
                raise ValueError(f"path '{path}' is also a directory")
            node[name] = data
        self.root = self._tree(tree)

    def _add(self, kind: bytes, data: bytes) -> bytes:
        oid = object_id(kind, data)
        self.objects.setdefault(oid, (kind, data))
        return oid

    def _tree(self, node: dict[str, object]) -> bytes:
        entries = []
        for name, value in node.items():
            if isinstance(value, dict):
                entries.append((name.encode() + b"/", TREE_MODE, name, self._tree(value)))
            else:
                assert isinstance(value, bytes)
                entries.append((name.encode(), BLOB_MODE, name, self._add(b"blob", value)))
        # git orders entries by name, a directory's name compared as if it ended in '/'
        entries.sort(key=lambda e: e[0])
        body = b"".join(mode + b" " + name.encode() + b"\0" + oid for _, mode, name, oid in entries)
        return self._add(b"tree", body)


def _entry_header(kind: int, size: int) -> bytes:
    out = bytearray()
    byte = (kind << 4) | (size & 0x0F)
    size >>= 4
    while size:
        out.append(byte | 0x80)
        byte = size & 0x7F
        size >>= 7
    out.append(byte)
    return bytes(out)


def encode(objects: Mapping[bytes, tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    """(pack bytes, index bytes) for these objects, keyed by raw id."""
    pack = bytearray(b"PACK" + struct.pack(">II", 2, len(objects)))
    entries = []
    for oid, (kind, data) in objects.items():
        chunk = _entry_header(_TYPES[kind], len(data)) + zlib.compress(data, 1)
        entries.append((oid, len(pack), zlib.crc32(chunk)))
        pack += chunk
    pack_sum = hashlib.sha1(pack, usedforsecurity=False).digest()
    pack += pack_sum
    return bytes(pack), _index(entries, pack_sum)


def _index(entries: list[tuple[bytes, int, int]], pack_sum: bytes) -> bytes:
    entries.sort()
    fanout = [0] * 256
    for oid, _, _ in entries:
        fanout[oid[0]] += 1
    total = 0
    for i in range(256):
        total += fanout[i]
        fanout[i] = total
    small: list[int] = []
    large: list[int] = []
    for _, offset, _ in entries:
        if offset < 0x80000000:
            small.append(offset)
        else:
            small.append(0x80000000 | len(large))
            large.append(offset)
    idx = bytearray(b"\377tOc" + struct.pack(">I", 2))
    idx += struct.pack(">256I", *fanout)
    idx += b"".join(oid for oid, _, _ in entries)
    idx += struct.pack(f">{len(entries)}I", *(crc for _, _, crc in entries))
    idx += struct.pack(f">{len(small)}I", *small)
    idx += struct.pack(f">{len(large)}Q", *large)
    idx += pack_sum
    idx += hashlib.sha1(idx, usedforsecurity=False).digest()
    return bytes(idx)


def write_pack(objects_dir: Path, objects: Mapping[bytes, tuple[bytes, bytes]]) -> Path:
    """Write objects/pack/pack-<sum>.{pack,idx}; the index goes last, since git and libgit2
    only look at packs that have one."""
    pack, idx = encode(objects)
    name = "pack-" + pack[-20:].hex()
    pack_dir = objects_dir / "pack"
    pack_dir.mkdir(parents=True, exist_ok=True)
    for suffix, data in ((".pack", pack), (".idx", idx)):
        target = pack_dir / (name + suffix)
        if target.exists():
            continue
        fd, tmp = tempfile.mkstemp(dir=pack_dir, prefix="tmp_", suffix=suffix)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    return pack_dir / (name + ".pack")
