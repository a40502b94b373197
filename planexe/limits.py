"""Safety limits for opening an untrusted plan (a folder or a zip from the internet)."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds the reader enforces before and while reading. Ignored files (log.txt, …) never count.

    - `max_file_bytes`: one file's size (declared and actual).
    - `max_total_bytes`: the sum of all plan files (declared sizes, and bytes actually read).
    - `max_ratio` / `ratio_min_bytes`: a zip entry larger than `ratio_min_bytes` that expands more
      than `max_ratio` times its compressed size is refused as a possible zip bomb.
    - `max_entries`: the number of entries in a zip or files in a folder.
    """

    max_file_bytes: int = 64 * MiB
    max_total_bytes: int = 512 * MiB
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1 * MiB
    max_entries: int = 10_000


DEFAULT_LIMITS = Limits()


def human_size(n: int) -> str:
    """`1536` → `1.5 KiB`, for messages."""
    if n < 1024:
        return f"{n} bytes"
    size = n / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"
