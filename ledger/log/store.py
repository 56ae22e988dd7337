"""Appending to the log and reading proofs from the tree nodes kept on its entries.

Every function takes the caller's session, so an append commits or rolls back
together with the table rows its event projects into. Appends write the single
``log_head`` row (size and right frontier) under its lock; that row is the log's
sequencer, which keeps concurrent writers in any number of processes from
forking the tree. Each entry row also keeps the tree nodes that end at its leaf
(:func:`ledger.log.merkle.extend`), so a proof reads O(log n) entry rows.
"""

from __future__ import annotations

import base64
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from ledger.db import table_of
from ledger.errors import Conflict, ConfigurationError, IntegrityError, NotFound
from ledger.log import merkle
from ledger.log.events import Envelope, Event, now_text
from ledger.log.note import Checkpoint
from ledger.log.signer import LogKey
from ledger.log.tables import LogEntry, LogHead, SignedCheckpoint

_head = table_of(LogHead)
_checkpoints = table_of(SignedCheckpoint)


@dataclass(frozen=True)
class Appended:
    index: int
    leaf_hash: bytes
    envelope: Envelope


def _split_frontier(blob: bytes) -> list[bytes]:
    return [blob[i:i + merkle.HASH_SIZE] for i in range(0, len(blob), merkle.HASH_SIZE)]


def initialise(session: Session) -> bool:
    """Create the head row of an empty log; return False when it already exists."""
    if session.connection().execute(select(_head.c.id)).first() is not None:
        return False
    session.connection().execute(insert(_head).values(id=1, size=0, frontier=b""))
    return True


def check_layout(session: Session) -> None:
    """Refuse a database whose log keeps its tree nodes in a separate ``log_nodes`` table.

    Development builds before the nodes moved onto the entry rows wrote that layout;
    appending to it would fail half-way with a driver error, so say what it is instead.
    """
    try:
        session.connection().exec_driver_sql("SELECT hashes FROM log_entries WHERE idx = 0")
    except DBAPIError:
        raise ConfigurationError(
            "this database was created by a development build whose log kept its tree nodes in a "
            "separate table (log_nodes); this version cannot append to it: run 'clearance init' "
            "with a new CLEARANCE_HOME or database") from None


# ---------------------------------------------------------------- SQL
#
# The hot paths (append, proofs) run prebuilt SQL on the DBAPI connection that the caller's
# session holds, so they stay inside its transaction without SQLAlchemy compiling or wrapping
# anything per call. psycopg prepares each of these statements on the server after a few uses.

_COLUMNS = "idx, leaf, payload, event_type, subject_kind, subject_id, hashes"


@dataclass(frozen=True)
class _Sql:
    lock_head: str
    head_size: str
    insert_entries: str | None          # SQLite: one entry row (executemany)
    update_head: str | None             # SQLite
    write: Callable[[bool, bool], str] | None  # PostgreSQL: entries and head in one statement
    nodes: Callable[[int], str]          # head size and the entries whose indexes are given


def _sqlite_nodes_sql(count: int, _cache: dict[int, str] = {}) -> str:  # noqa: B006  (a cache)
    sql = _cache.get(count)
    if sql is None:
        marks = ",".join("?" * count)
        sql = _cache[count] = ("SELECT h.size, e.idx, e.hashes FROM log_head h LEFT JOIN log_entries e "
                               f"ON e.idx IN ({marks}) WHERE h.id = 1")
    return sql


_PG_NODES = ("SELECT h.size, e.idx, e.hashes FROM log_head h LEFT JOIN log_entries e "
             "ON e.idx = ANY(%s::bigint[]) WHERE h.id = 1")
_PG_TYPES = ("bigint", "bytea", "bytea", "text", "text", "text", "bytea")


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


_SQL = {
    "sqlite": _Sql(
        # SQLite write transactions start with BEGIN IMMEDIATE (ledger.db), which serialises writers.
        lock_head="SELECT size, frontier FROM log_head WHERE id = 1",
        head_size="SELECT size FROM log_head WHERE id = 1",
        insert_entries=f"INSERT INTO log_entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        update_head="UPDATE log_head SET size = ?, frontier = ? WHERE id = 1",
        write=None,
        nodes=_sqlite_nodes_sql,
    ),
    "postgresql": _Sql(
        lock_head="SELECT size, frontier FROM log_head WHERE id = 1 FOR UPDATE",
        head_size="SELECT size FROM log_head WHERE id = 1",
        insert_entries=None,
        update_head=None,
        write=_pg_write,
        nodes=lambda _count: _PG_NODES,
    ),
}


def _driver(session: Session) -> tuple[Any, _Sql]:
    """The DBAPI connection of the session's transaction (begun if need be) and the dialect's SQL."""
    return _driver_of(session.connection())


def _driver_of(conn: Connection) -> tuple[Any, _Sql]:
    sql = _SQL.get(conn.dialect.name)
    if sql is None:
        raise ConfigurationError(f"unsupported database dialect {conn.dialect.name!r}")
    return conn.connection.driver_connection, sql


def _read_locked_head(cursor: Any, sql: _Sql) -> tuple[int, list[bytes]]:
    """Size and frontier of the log, with the head row locked until the transaction ends."""
    cursor.execute(sql.lock_head)
    row = cursor.fetchone()
    if row is None:
        raise ConfigurationError("the log is not initialised; run 'clearance init'")
    return int(row[0]), _split_frontier(bytes(row[1]))


def _lock_head(session: Session) -> tuple[int, list[bytes]]:
    driver, sql = _driver(session)
    return _read_locked_head(driver.cursor(), sql)


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
    driver, sql = _driver_of(conn)
    cursor = driver.cursor()
    if sql.write is None:  # SQLite: reading the head costs microseconds
        size, frontier = _read_locked_head(cursor, sql)
        leaves = _lay_out(size, frontier, events)
        cursor.executemany(sql.insert_entries, leaves.rows)
        cursor.execute(sql.update_head, leaves.head)
        return leaves.appended
    many = len(events) > 1
    last = _last_heads.get(conn.engine)
    if last is not None:
        leaves = _lay_out(last[0], _split_frontier(last[1]), events)
        cursor.execute(sql.write(many, True), (*leaves.head, *last, *_pg_entries(leaves.rows, many)))
        if cursor.fetchone()[0]:
            _last_heads[conn.engine] = leaves.head
            return leaves.appended
    size, frontier = _read_locked_head(cursor, sql)
    leaves = _lay_out(size, frontier, events)
    cursor.execute(sql.write(many, False), (*_pg_entries(leaves.rows, many), *leaves.head))
    _last_heads[conn.engine] = leaves.head
    return leaves.appended


def _pg_entries(rows: list[tuple[Any, ...]], many: bool) -> Sequence[Any]:
    """Parameters for the entries of :func:`_pg_write`: one array per column, or the one row."""
    return [list(column) for column in zip(*rows)] if many else rows[0]


# ---------------------------------------------------------------- reading

def tree_size(session: Session) -> int:
    driver, sql = _driver(session)
    cursor = driver.cursor()
    cursor.execute(sql.head_size)
    row = cursor.fetchone()
    if row is None:
        raise ConfigurationError("the log is not initialised; run 'clearance init'")
    return int(row[0])


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


def _head_and_nodes(session: Session, keys: Iterable[merkle.NodeKey]) -> tuple[int, dict[merkle.NodeKey, bytes]]:
    """The log's size and the wanted tree nodes, in one query of the entries that keep them."""
    homes: dict[int, list[tuple[merkle.NodeKey, int]]] = {}
    for key in keys:
        entry, offset = merkle.node_home(key)
        homes.setdefault(entry, []).append((key, offset))
    driver, sql = _driver(session)
    cursor = driver.cursor()
    ids = list(homes)
    cursor.execute(sql.nodes(len(ids)), (ids,) if sql.write is not None else ids)
    rows = cursor.fetchall()
    if not rows:
        raise ConfigurationError("the log is not initialised; run 'clearance init'")
    found: dict[merkle.NodeKey, bytes] = {}
    for _, idx, hashes in rows:
        if idx is None:
            continue
        for key, offset in homes[idx]:
            node = bytes(hashes[offset:offset + merkle.HASH_SIZE])
            if len(node) == merkle.HASH_SIZE:
                found[key] = node
    return int(rows[0][0]), found


def _check_found(wanted: Iterable[merkle.NodeKey], found: dict[merkle.NodeKey, bytes]) -> None:
    missing = set(wanted) - set(found)
    if missing:
        raise IntegrityError(f"tree nodes missing from the store: {sorted(missing)[:5]}")


def _fetch_nodes(session: Session, keys: Iterable[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    keys = set(keys)
    if not keys:
        return {}
    _, found = _head_and_nodes(session, keys)
    _check_found(keys, found)
    return found


def _range_hashes(ranges: list[tuple[int, int]], nodes: dict[merkle.NodeKey, bytes]) -> list[bytes]:
    return [merkle.range_hash(start, end, nodes.__getitem__) for start, end in ranges]


def _hashes_for(session: Session, ranges: list[tuple[int, int]]) -> list[bytes]:
    return _range_hashes(ranges, _fetch_nodes(session, merkle.nodes_for(ranges)))


def _proof_hashes(session: Session, ranges: list[tuple[int, int]], size: int) -> list[bytes]:
    """Hashes for ``ranges`` of a tree of ``size``, raising NotFound when the log is smaller."""
    keys = merkle.nodes_for(ranges)
    head, found = _head_and_nodes(session, keys)
    if size > head:
        raise NotFound(f"tree size {size} is larger than the log")
    _check_found(keys, found)
    return _range_hashes(ranges, found)


def root_at(session: Session, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return _hashes_for(session, [(0, size)])[0]


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """O(log n) node reads and the log's size, in one query."""
    if not 0 <= index < size:
        if size > tree_size(session):
            raise NotFound(f"tree size {size} is larger than the log")
        raise NotFound(f"entry {index} is not in a tree of size {size}")
    return _proof_hashes(session, merkle.inclusion_ranges(index, size), size)


def inclusion_proofs(session: Session, indexes: Sequence[int], size: int) -> dict[int, list[bytes]]:
    """Inclusion proofs of many entries in a tree of ``size``, reading the nodes they share in one query."""
    if not indexes:
        return {}
    for index in indexes:
        if not 0 <= index < size:
            raise NotFound(f"entry {index} is not in a tree of size {size}")
    ranges = {index: merkle.inclusion_ranges(index, size) for index in indexes}
    keys = merkle.nodes_for([r for wanted in ranges.values() for r in wanted])
    head, found = _head_and_nodes(session, keys)
    if size > head:
        raise NotFound(f"tree size {size} is larger than the log")
    _check_found(keys, found)
    return {index: _range_hashes(wanted, found) for index, wanted in ranges.items()}


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    if size1 == size2 or not 0 < size1 < size2:
        if size2 > tree_size(session):
            raise NotFound(f"tree size {size2} is larger than the log")
        if size1 == size2:
            return []
        raise Conflict(f"no consistency proof from size {size1} to size {size2}")
    return _proof_hashes(session, merkle.consistency_ranges(size1, size2), size2)


# ---------------------------------------------------------------- checkpoints

def latest_checkpoint(session: Session) -> SignedCheckpoint | None:
    query = select(SignedCheckpoint).order_by(col(SignedCheckpoint.size).desc()).limit(1)
    return session.exec(query).first()


def checkpoint_covering(session: Session, index: int) -> SignedCheckpoint | None:
    """The smallest signed checkpoint that includes entry ``index``."""
    query = select(SignedCheckpoint).where(SignedCheckpoint.size > index).order_by(col(SignedCheckpoint.size)).limit(1)
    return session.exec(query).first()


def sign_checkpoint(session: Session, key: LogKey) -> SignedCheckpoint:
    """Sign the current tree head, unless the latest checkpoint already covers it.

    Runs under the head lock. Before signing, the new root is proved consistent
    with the last signed checkpoint from the stored nodes, so the log can never
    sign two checkpoints that contradict each other.
    """
    size, frontier = _lock_head(session)
    root = merkle.frontier_root(frontier)
    previous = latest_checkpoint(session)
    if previous is not None:
        if previous.size == size:
            if previous.root != root:
                raise IntegrityError(f"the tree head at size {size} differs from its signed checkpoint")
            return previous
        if previous.size > size:
            raise IntegrityError(f"a checkpoint exists for size {previous.size}, beyond the log's {size}")
        if previous.size > 0:
            proof = consistency_proof(session, previous.size, size)
            try:
                merkle.verify_consistency(previous.size, size, previous.root, root, proof)
            except merkle.ProofError as exc:
                raise IntegrityError(f"refusing to sign: size {size} is not consistent with the checkpoint "
                                     f"at size {previous.size} ({exc})") from exc
    if root_at(session, size) != root:
        raise IntegrityError(f"refusing to sign: stored tree nodes disagree with the head at size {size}")
    note = key.sign(Checkpoint(key.origin, size, root).body())
    signed = SignedCheckpoint(size=size, root=root, note=note, signed_at=datetime.now(UTC))
    session.connection().execute(insert(_checkpoints).values(size=size, root=root, note=note,
                                                             signed_at=signed.signed_at))
    return signed


def b64(hashes: Sequence[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]
