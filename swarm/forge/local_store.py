"""Opening the local forge's SQLite store: where it lives, its pragmas, migrations, transactions.

The store lives at `<repo>/plan-swarm/forge.sqlite3`; git ignores extra directories in a bare
repository, so clone and fsck never see it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from swarm.errors import SwarmError
from swarm.forge import local_sql as sql

STORE_DIR = "plan-swarm"
STORE_FILE = "forge.sqlite3"
BUSY_TIMEOUT_S = 30.0


def store_path(repo_dir: Path) -> Path:
    return Path(repo_dir) / STORE_DIR / STORE_FILE


def create_store(repo_dir: Path, busy_timeout: float) -> None:
    """Create or migrate the store in an existing directory; safe to run concurrently."""
    if not repo_dir.is_dir():
        raise SwarmError(f"cannot create a forge store in {repo_dir}: no such directory")
    path = store_path(repo_dir)
    path.parent.mkdir(exist_ok=True)
    conn = _connect(path, "rwc", busy_timeout)
    try:
        _stored_version(conn, path)  # refuses a file that is not an SQLite database
        conn.execute(sql.ENABLE_WAL)
        _migrate(conn, path)
    finally:
        conn.close()


def open_store(repo_dir: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection to an existing store, migrated to this version's schema."""
    path = store_path(repo_dir)
    if not path.is_file():
        raise SwarmError(
            f"{repo_dir} is not a plan-swarm repository: there is no forge store at {path}"
        )
    conn = _connect(path, "rw", busy_timeout)
    try:
        if _stored_version(conn, path) == 0:
            raise SwarmError(f"{path} is not a plan-swarm forge store: it has no schema version")
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def transaction(
    conn: sqlite3.Connection, path: Path, mode: Literal["IMMEDIATE", "DEFERRED"]
) -> Iterator[sqlite3.Connection]:
    """IMMEDIATE for every write: the write lock is taken up front, so no read-then-write race
    and no upgrade deadlock; DEFERRED for reads that need one snapshot across queries."""
    try:
        conn.execute(f"BEGIN {mode}")
    except sqlite3.OperationalError as err:
        if err.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
            raise
        waited = conn.execute(sql.GET_BUSY_TIMEOUT_MS).fetchone()[0] / 1000
        raise SwarmError(
            f"the forge store {path} stayed locked by another process for {waited:g} s;"
            " retry, or look for a hung plan-swarm process"
        ) from err
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT may already have rolled back; a second ROLLBACK would raise.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _connect(path: Path, mode: str, busy_timeout: float) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, never the module's implicit ones.
    uri = f"{path.absolute().as_uri()}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
    try:
        for pragma in sql.CONNECTION_PRAGMAS:
            conn.execute(pragma)
    except sqlite3.DatabaseError as err:
        conn.close()
        raise SwarmError(f"{path} is not a plan-swarm forge store: {err}") from err
    return conn


def _stored_version(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version, 0 for an empty database."""
    try:
        if conn.execute(sql.SCHEMA_TABLE_EXISTS).fetchone()[0] == 0:
            return 0
        row = conn.execute(sql.GET_SCHEMA_VERSION).fetchone()
    except sqlite3.DatabaseError as err:
        raise SwarmError(f"{path} is not a plan-swarm forge store: {err}") from err
    return 0 if row is None else int(row[0])


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if _current_version(conn, path) == sql.SCHEMA_VERSION:
        return
    with transaction(conn, path, "IMMEDIATE"):
        # Read again under the write lock: another process may have migrated meanwhile.
        for target in range(_current_version(conn, path) + 1, sql.SCHEMA_VERSION + 1):
            for statement in sql.MIGRATIONS[target]:
                conn.execute(statement)
        conn.execute(sql.SET_SCHEMA_VERSION, (sql.SCHEMA_VERSION,))


def _current_version(conn: sqlite3.Connection, path: Path) -> int:
    version = _stored_version(conn, path)
    if version > sql.SCHEMA_VERSION:
        raise SwarmError(
            f"{path} has forge schema version {version}, newer than this plan-swarm "
            f"understands ({sql.SCHEMA_VERSION}); upgrade plan-swarm"
        )
    return version
