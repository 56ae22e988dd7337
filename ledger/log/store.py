"""Appending to the log and reading it, inside the caller's session.

Every function takes the caller's session, so an append commits or rolls back
together with the table rows its event projects into. Appends write the single
``log_head`` row (size and right frontier) under its lock; that row is the log's
sequencer, which keeps concurrent writers in any number of processes from
forking the tree. Each entry row also keeps the tree nodes that end at its leaf
(:func:`ledger.log.merkle.extend`), so a proof reads O(log n) entry rows.

The hot paths run prebuilt SQL on the DBAPI connection that the caller's session
holds (:mod:`ledger.log.sql` for proofs and checkpoints), so they stay inside its
transaction without SQLAlchemy compiling or wrapping anything per call. psycopg
prepares each of these statements on the server after a few uses.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, insert
from sqlmodel import Session, col, select

from ledger.db import table_of
from ledger.errors import NotFound
from ledger.log import merkle, sql
from ledger.log.events import Envelope, Event, now_text
from ledger.log.signer import LogKey
from ledger.log.sql import StoredCheckpoint, b64
from ledger.log.tables import LogEntry, LogHead

__all__ = ["Appended", "StoredCheckpoint", "append", "b64", "checkpoint_covering",
           "consistency_proof", "get_entry", "inclusion_proof", "inclusion_proofs", "initialise",
           "iter_entries", "latest_checkpoint", "raw", "root_at", "sign_checkpoint", "tree_size"]

_head = table_of(LogHead)


@dataclass(frozen=True)
class Appended:
    index: int
    leaf_hash: bytes
    envelope: Envelope


def initialise(session: Session) -> bool:
    """Create the head row of an empty log; return False when it already exists."""
    if session.connection().execute(select(_head.c.id)).first() is not None:
        return False
    session.connection().execute(insert(_head).values(id=1, size=0, frontier=b""))
    return True


def raw(session: Session) -> sql.LogConnection:
    """The DB-API connection of the session's transaction (begun if need be), for :mod:`ledger.log.sql`."""
    return _raw_of(session.connection())


def _raw_of(conn: Connection) -> sql.LogConnection:
    return sql.LogConnection.of(conn.connection.driver_connection, conn.dialect.name)


@cache
def _pg_write(many: bool, on_head: bool) -> str:
    """One statement that writes the entries and the new head; parameters are in binary (%b).

    ``many``: the entries come as one array per column (``unnest``), else as one row of scalars
    (psycopg dumps arrays in Python, which is most of a single append's client time).
    ``on_head``: take effect only if the head is still the given size and frontier, returning
    1 if it did and 0 if it wrote nothing; otherwise the caller holds the head lock. Data-modifying
    CTEs always run to completion, so one round trip does everything.
    """
    rows = (f"SELECT * FROM unnest({', '.join(f'%b::{t}[]' for t in _PG_TYPES)})" if many
            else f"SELECT {', '.join(f'%b::{t}' for t in _PG_TYPES)}")
    insert = f"INSERT INTO log_entries ({_COLUMNS}) {rows}"
    if not on_head:
        return f"WITH e AS ({insert}) UPDATE log_head SET size = %b, frontier = %b WHERE id = 1"
    return ("WITH h AS (UPDATE log_head SET size = %b, frontier = %b "
            "WHERE id = 1 AND size = %b AND frontier = %b RETURNING 1), "
            f"e AS ({insert} WHERE EXISTS (SELECT 1 FROM h)) SELECT count(*) FROM h")


_COLUMNS = "idx, leaf, payload, event_type, subject_kind, subject_id, hashes"
_PG_TYPES = ("bigint", "bytea", "bytea", "text", "text", "text", "bytea")


@dataclass(frozen=True)
class _Leaves:
    """Events laid out as consecutive leaves on top of a given head: rows, receipts, new head."""

    rows: list[tuple[Any, ...]]
    appended: list[Appended]
    head: tuple[int, bytes]


def _lay_out(size: int, frontier: list[bytes], events: Sequence[Event]) -> _Leaves:
    frontier = list(frontier)
    time = now_text()  # one transaction, one time for its events
    rows: list[tuple[Any, ...]] = []
    appended: list[Appended] = []
    leaf_hash, extend, for_event = merkle.leaf_hash, merkle.extend, Envelope.for_event
    for event in events:
        payload = event.payload_bytes()
        envelope = for_event(size, event, payload, time)
        leaf = envelope.leaf_bytes()
        hashed = leaf_hash(leaf)
        appended.append(Appended(size, hashed, envelope))
        rows.append((size, leaf, payload, event.type, event.subject_kind, event.subject_id,
                     extend(frontier, size, hashed)))
        size += 1
    return _Leaves(rows, appended, (size, b"".join(frontier)))


# PostgreSQL: the head this process last wrote, per engine. An append first writes on top of it
# with a statement that takes effect only if the head is still exactly that size and frontier
# (which fixes the whole tree), saving the round trip that reads and locks the head whenever no
# other process wrote in between. Otherwise nothing was written, and it reads the head as usual.
_last_heads: weakref.WeakKeyDictionary[Engine, tuple[int, bytes]] = weakref.WeakKeyDictionary()


def append(session: Session, events: Sequence[Event]) -> list[Appended]:
    """Append events as consecutive leaves inside the caller's transaction: one row per event."""
    if not events:
        return []
    conn = session.connection()
    log = _raw_of(conn)
    cursor = log.cursor()
    if log.is_sqlite:  # reading the head costs microseconds
        size, frontier = sql.read_locked_head(cursor, log.sql)
        leaves = _lay_out(size, frontier, events)
        cursor.executemany(log.sql.insert_entries, leaves.rows)
        cursor.execute(log.sql.update_head, leaves.head)
        return leaves.appended
    many = len(events) > 1
    last = _last_heads.get(conn.engine)
    if last is not None:
        leaves = _lay_out(last[0], sql.split_frontier(last[1]), events)
        cursor.execute(_pg_write(many, True), (*leaves.head, *last, *_pg_entries(leaves.rows, many)))
        if cursor.fetchone()[0]:
            _last_heads[conn.engine] = leaves.head
            return leaves.appended
    size, frontier = sql.read_locked_head(cursor, log.sql)
    leaves = _lay_out(size, frontier, events)
    cursor.execute(_pg_write(many, False), (*_pg_entries(leaves.rows, many), *leaves.head))
    _last_heads[conn.engine] = leaves.head
    return leaves.appended


def _pg_entries(rows: list[tuple[Any, ...]], many: bool) -> Sequence[Any]:
    """Parameters for the entries of :func:`_pg_write`: one array per column, or the one row."""
    return [list(column) for column in zip(*rows)] if many else rows[0]


# ---------------------------------------------------------------- reading

def tree_size(session: Session) -> int:
    return sql.tree_size(raw(session))


def get_entry(session: Session, index: int) -> LogEntry:
    entry = session.get(LogEntry, index)
    if entry is None:
        raise NotFound(f"log entry {index} does not exist", extra={"index": index})
    return entry


def iter_entries(session: Session, start: int = 0, stop: int | None = None,
                 batch: int = 5000) -> Iterable[LogEntry]:
    """Entries in index order, read in batches so memory stays flat."""
    position = start
    while stop is None or position < stop:
        query = select(LogEntry).where(LogEntry.idx >= position).order_by(col(LogEntry.idx)).limit(batch)
        if stop is not None:
            query = query.where(LogEntry.idx < stop)
        rows = session.exec(query).all()
        if not rows:
            return
        yield from rows
        position = rows[-1].idx + 1


def root_at(session: Session, size: int) -> bytes:
    return sql.root_at(raw(session), size)


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    return sql.inclusion_proof(raw(session), index, size)


def inclusion_proofs(session: Session, indexes: Sequence[int], size: int) -> dict[int, list[bytes]]:
    return sql.inclusion_proofs(raw(session), indexes, size)


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    return sql.consistency_proof(raw(session), size1, size2)


# ---------------------------------------------------------------- checkpoints

def latest_checkpoint(session: Session) -> StoredCheckpoint | None:
    return sql.latest_checkpoint(raw(session))


def checkpoint_covering(session: Session, index: int) -> StoredCheckpoint | None:
    """The smallest signed checkpoint that includes entry ``index``."""
    return sql.checkpoint_covering(raw(session), index)


def sign_checkpoint(session: Session, key: LogKey) -> StoredCheckpoint:
    """:func:`ledger.log.sql.sign_checkpoint` in the session's (write) transaction."""
    return sql.sign_checkpoint(raw(session), key)
