"""Where the log keeps what witnesses (and the timestamp authority) said about its checkpoints.

Plain SQL on the log's DB-API connection (:class:`ledger.log.sql.LogConnection`), so both the
service and ``clearance log checkpoint``'s driver-only path use it. The tables sit beside
``log_checkpoints``; they are created by ``clearance init`` and, for databases made before
witnesses existed, by the first write that needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.log.sql import LogConnection

DDL = (
    "CREATE TABLE IF NOT EXISTS log_cosignatures (checkpoint_size BIGINT NOT NULL, witness TEXT NOT NULL, "
    "line TEXT NOT NULL, cosigned_at BIGINT NOT NULL, PRIMARY KEY (checkpoint_size, witness, line))",
    "CREATE TABLE IF NOT EXISTS log_witness_status (witness TEXT PRIMARY KEY, checkpoint_size BIGINT NOT NULL, "
    "error TEXT, attempted_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS log_timestamps (checkpoint_size BIGINT PRIMARY KEY, token TEXT NOT NULL, "
    "tsa TEXT NOT NULL, created_at TEXT NOT NULL)",
)
TABLES = ("log_cosignatures", "log_witness_status", "log_timestamps")
TSA_STATUS = "tsa"
"""The name under which attempts to get a timestamp are recorded in ``log_witness_status``."""


def _q(conn: LogConnection, statement: str) -> str:
    return statement if conn.is_sqlite else statement.replace("?", "%s")


def _rows(conn: LogConnection, statement: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    cursor.execute(_q(conn, statement), parameters)
    return list(cursor.fetchall())


def ensure_tables(conn: LogConnection) -> None:
    """Create the tables when missing (in a write transaction)."""
    if tables_exist(conn):
        return
    cursor = conn.cursor()
    for statement in DDL:
        cursor.execute(statement)


def tables_exist(conn: LogConnection) -> bool:
    if conn.is_sqlite:
        found = _rows(conn, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)", TABLES)
    else:
        found = _rows(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                            "AND tablename IN (?, ?, ?)", TABLES)
    return int(found[0][0]) == len(TABLES)


def cosignatures(conn: LogConnection, size: int) -> dict[str, list[str]]:
    """The cosignature lines stored for the checkpoint of ``size``, by witness key name."""
    if not tables_exist(conn):
        return {}
    found: dict[str, list[str]] = {}
    for witness, line in _rows(conn, "SELECT witness, line FROM log_cosignatures WHERE checkpoint_size = ? "
                                     "ORDER BY witness, line", (size,)):
        found.setdefault(str(witness), []).append(str(line))
    return found


def last_cosigned_size(conn: LogConnection, witness: str) -> int:
    if not tables_exist(conn):
        return 0
    row = _rows(conn, "SELECT max(checkpoint_size) FROM log_cosignatures WHERE witness = ?", (witness,))
    return int(row[0][0] or 0)


def save_cosignatures(conn: LogConnection, size: int, witness: str, lines: Sequence[str], timestamp: int) -> None:
    if cosignatures(conn, size).get(witness):
        return  # one answer per witness and checkpoint: two cosigners racing both got one
    cursor = conn.cursor()
    for line in lines:
        cursor.execute(_q(conn, "INSERT INTO log_cosignatures (checkpoint_size, witness, line, cosigned_at) "
                                    "VALUES (?, ?, ?, ?)"), (size, witness, line, timestamp))


def record_attempt(conn: LogConnection, witness: str, size: int, error: str | None) -> None:
    """The outcome of the latest attempt to get ``witness``'s cosignature (or the timestamp) of ``size``."""
    conn.cursor().execute(_q(conn, "INSERT INTO log_witness_status (witness, checkpoint_size, error, attempted_at) "
                                   "VALUES (?, ?, ?, ?) ON CONFLICT (witness) DO UPDATE SET "
                                   "checkpoint_size = excluded.checkpoint_size, error = excluded.error, "
                                   "attempted_at = excluded.attempted_at"),
                          (witness, size, error, datetime.now(UTC).isoformat(timespec="seconds")))


@dataclass(frozen=True)
class Attempt:
    witness: str
    checkpoint_size: int
    error: str | None
    attempted_at: str


def attempts(conn: LogConnection) -> dict[str, Attempt]:
    if not tables_exist(conn):
        return {}
    return {str(r[0]): Attempt(str(r[0]), int(r[1]), None if r[2] is None else str(r[2]), str(r[3]))
            for r in _rows(conn, "SELECT witness, checkpoint_size, error, attempted_at FROM log_witness_status")}


def save_timestamp(conn: LogConnection, size: int, token: bytes, tsa: str) -> None:
    import base64

    conn.cursor().execute(_q(conn, "INSERT INTO log_timestamps (checkpoint_size, token, tsa, created_at) "
                                   "VALUES (?, ?, ?, ?) ON CONFLICT (checkpoint_size) DO NOTHING"),
                          (size, base64.b64encode(token).decode(), tsa, datetime.now(UTC).isoformat(timespec="seconds")))


def timestamp_token(conn: LogConnection, size: int) -> bytes | None:
    import base64

    if not tables_exist(conn):
        return None
    rows = _rows(conn, "SELECT token FROM log_timestamps WHERE checkpoint_size = ?", (size,))
    return base64.b64decode(rows[0][0]) if rows else None


def first_cosigned_from(conn: LogConnection, size: int) -> dict[str, tuple[int, list[str]]]:
    """For each witness, the smallest checkpoint of ``size`` or more it cosigned, with its lines."""
    if not tables_exist(conn):
        return {}
    found: dict[str, tuple[int, list[str]]] = {}
    for witness, at, line in _rows(conn, "SELECT c.witness, c.checkpoint_size, c.line FROM log_cosignatures c "
                                         "WHERE c.checkpoint_size = (SELECT min(checkpoint_size) FROM "
                                         "log_cosignatures d WHERE d.witness = c.witness AND d.checkpoint_size >= ?)",
                                   (size,)):
        found.setdefault(str(witness), (int(at), []))[1].append(str(line))
    return found


def checkpoint_note(conn: LogConnection, size: int) -> str | None:
    rows = _rows(conn, "SELECT note FROM log_checkpoints WHERE size = ?", (size,))
    return str(rows[0][0]) if rows else None
