"""Answers already paid for, so that a resumed stage pays nothing twice.

A SQLite file (the runtime keeps it at `<repo>/plan-swarm/llm-cache.sqlite3`) maps the sha256 of
(model, messages, answer schema) to the answer's raw text and the tokens it took. It is in WAL
mode, and every operation opens its own short connection with a busy timeout, so several agent
processes can read and write it at once. SQLite puts `-wal` and `-shm` files beside it.
Only answers that validated are stored; the key is that of the first request, before re-asks.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL,
    stored_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class CachedAnswer:
    model: str
    text: str
    tokens_in: int
    tokens_out: int


def cache_key(model: str, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
    blob = json.dumps(
        {"model": model, "messages": messages, "schema": schema},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    def __init__(self, path: Path | str, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._prepare()

    def _prepare(self) -> None:
        """WAL mode (it stays set in the file) and the table. Switching to WAL does not wait
        for a busy file the way other statements do: processes that open a new cache at the
        same moment may see "database is locked", so that is retried until the timeout."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                with self._connect() as db:
                    if db.execute("PRAGMA journal_mode").fetchone() != ("wal",):
                        db.execute("PRAGMA journal_mode=WAL")
                    db.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def get(self, key: str) -> CachedAnswer | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT model, text, tokens_in, tokens_out FROM answers WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else CachedAnswer(*row)

    def put(self, key: str, answer: CachedAnswer) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (key, answer.model, answer.text, answer.tokens_in, answer.tokens_out, time.time()),
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=self.timeout_s)) as db, db:
            # a lost answer costs one call again; an fsync per answer costs every stage
            db.execute("PRAGMA synchronous = NORMAL")
            yield db
