"""Appending to the log and reading proofs from the stored tree nodes.

Every function takes the caller's session, so an append commits or rolls back
together with the table rows its event projects into. Appends lock the single
``log_head`` row; that row is the log's sequencer, which keeps concurrent
writers in any number of processes from forking the tree.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from ledger.errors import Conflict, ConfigurationError, IntegrityError, NotFound
from ledger.log import merkle
from ledger.log.events import Envelope, Event
from ledger.log.note import Checkpoint
from ledger.log.signer import LogKey
from ledger.log.tables import LogEntry, LogHead, SignedCheckpoint

_head = LogHead.__table__
_checkpoints = SignedCheckpoint.__table__


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
    """Refuse a database whose log keeps tree nodes in the pre-0.2 ``log_nodes`` table.

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
    insert_entries: str
    update_head: str
    write_all: str | None              # PostgreSQL: entries and head in one statement
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

_SQL = {
    "sqlite": _Sql(
        # SQLite write transactions start with BEGIN IMMEDIATE (ledger.db), which serialises writers.
        lock_head="SELECT size, frontier FROM log_head WHERE id = 1",
        head_size="SELECT size FROM log_head WHERE id = 1",
        insert_entries=f"INSERT INTO log_entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        update_head="UPDATE log_head SET size = ?, frontier = ? WHERE id = 1",
        write_all=None,
        nodes=_sqlite_nodes_sql,
    ),
    "postgresql": _Sql(
        lock_head="SELECT size, frontier FROM log_head WHERE id = 1 FOR UPDATE",
        head_size="SELECT size FROM log_head WHERE id = 1",
        insert_entries=f"INSERT INTO log_entries ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        update_head="UPDATE log_head SET size = %s, frontier = %s WHERE id = 1",
        # Data-modifying CTEs always run to completion, so this one round trip writes both.
        # Parameters go in binary (%b): arrays of bytes and text need no escaping that way.
        write_all=f"WITH e AS (INSERT INTO log_entries ({_COLUMNS}) "
                  "SELECT * FROM unnest(%b::bigint[], %b::bytea[], %b::bytea[], %b::text[], %b::text[], "
                  "%b::text[], %b::bytea[])) "
                  "UPDATE log_head SET size = %b, frontier = %b WHERE id = 1",
        nodes=lambda _count: _PG_NODES,
    ),
}


def _driver(session: Session) -> tuple[Any, _Sql]:
    """The DBAPI connection of the session's transaction (begun if need be) and the dialect's SQL."""
    conn = session.connection()
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


def append(session: Session, events: Sequence[Event]) -> list[Appended]:
    """Append events as consecutive leaves inside the caller's transaction: one row per event."""
    if not events:
        return []
    driver, sql = _driver(session)
    cursor = driver.cursor()
    size, frontier = _read_locked_head(cursor, sql)
    rows: list[tuple[Any, ...]] = []
    appended: list[Appended] = []
    leaf_hash, extend, for_event = merkle.leaf_hash, merkle.extend, Envelope.for_event
    for event in events:
        payload = event.payload_bytes()
        envelope = for_event(size, event, payload)
        leaf = envelope.leaf_bytes()
        hashed = leaf_hash(leaf)
        appended.append(Appended(size, hashed, envelope))
        rows.append((size, leaf, payload, event.type, event.subject_kind, event.subject_id,
                     extend(frontier, size, hashed)))
        size += 1
    head_row = (size, b"".join(frontier))
    if sql.write_all is not None:
        cursor.execute(sql.write_all, (*map(list, zip(*rows)), *head_row))
    else:
        cursor.executemany(sql.insert_entries, rows)
        cursor.execute(sql.update_head, head_row)
    return appended


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
        query = select(LogEntry).where(LogEntry.idx >= position).order_by(LogEntry.idx).limit(batch)
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
    cursor.execute(sql.nodes(len(ids)), (ids,) if sql.write_all is not None else ids)
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
    query = select(SignedCheckpoint).order_by(SignedCheckpoint.size.desc()).limit(1)  # type: ignore[union-attr]
    return session.exec(query).first()


def checkpoint_covering(session: Session, index: int) -> SignedCheckpoint | None:
    """The smallest signed checkpoint that includes entry ``index``."""
    query = select(SignedCheckpoint).where(SignedCheckpoint.size > index).order_by(SignedCheckpoint.size).limit(1)
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
    row = {"size": size, "root": root, "note": note, "signed_at": datetime.now(UTC)}
    session.connection().execute(insert(_checkpoints).values(**row))
    return SignedCheckpoint(**row)


def b64(hashes: Sequence[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]
