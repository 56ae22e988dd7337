"""The log's tree, proofs and checkpoints in plain SQL on a DB-API connection (sqlite3 or psycopg).

Nothing here imports SQLAlchemy. :mod:`ledger.log.store` hands these functions the driver
connection under a session, so they run inside the session's transaction without SQLAlchemy
compiling or wrapping anything per call; :mod:`ledger.log.direct` opens the driver itself,
so a command that only signs a checkpoint starts without loading the ORM.

Appends serialise on the single ``log_head`` row (see :mod:`ledger.log.store`). Signing a
checkpoint does not lock that row: signers queue on a lock of their own (a transaction-level
advisory lock on PostgreSQL; SQLite admits one writer anyway), read the committed head and
sign it, so appends never wait for a signature, and each signature covers every entry
committed before it. Receipts are proved in batches (:func:`sign_proving`): from the latest
checkpoint when it already covers their entries, else from one new signature for them all.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.errors import ConfigurationError, Conflict, IntegrityError, NotFound
from ledger.log import merkle
from ledger.log.note import Checkpoint
from ledger.log.signer import LogKey

_NOT_INITIALISED = "the log is not initialised; run 'clearance init'"
_COLUMNS = "idx, leaf, payload, event_type, subject_kind, subject_id, hashes"
_CHECKPOINT_COLUMNS = "size, root, note, signed_at"
# The key of the PostgreSQL advisory lock that signers of checkpoints take ("clearance log signer").
SIGNER_LOCK_KEY = 0x636C_6F67_7369_676E


@dataclass(frozen=True)
class DialectSql:
    """The statements of one database dialect."""

    name: str
    lock_head: str
    head: str
    insert_entries: str | None          # SQLite: one entry row (executemany)
    update_head: str | None             # SQLite
    nodes: Callable[[int], str]          # head size and the entries whose indexes are given
    latest_checkpoint: str
    covering_checkpoint: str
    insert_checkpoint: str
    lock_signer: str | None             # None: the transaction already excludes other writers
    probe_layout: str


def _sqlite_nodes_sql(count: int, _cache: dict[int, str] = {}) -> str:  # noqa: B006  (a cache)
    sql = _cache.get(count)
    if sql is None:
        marks = ",".join("?" * count)
        sql = _cache[count] = ("SELECT h.size, e.idx, e.hashes FROM log_head h LEFT JOIN log_entries e "
                               f"ON e.idx IN ({marks}) WHERE h.id = 1")
    return sql


_PG_NODES = ("SELECT h.size, e.idx, e.hashes FROM log_head h LEFT JOIN log_entries e "
             "ON e.idx = ANY(%s::bigint[]) WHERE h.id = 1")
_LATEST = f"SELECT {_CHECKPOINT_COLUMNS} FROM log_checkpoints ORDER BY size DESC LIMIT 1"
_PROBE_LAYOUT = "SELECT hashes FROM log_entries WHERE idx = 0"

DIALECTS = {
    "sqlite": DialectSql(
        name="sqlite",
        # SQLite write transactions start with BEGIN IMMEDIATE (ledger.db), which serialises writers.
        lock_head="SELECT size, frontier FROM log_head WHERE id = 1",
        head="SELECT size, frontier FROM log_head WHERE id = 1",
        insert_entries=f"INSERT INTO log_entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        update_head="UPDATE log_head SET size = ?, frontier = ? WHERE id = 1",
        nodes=_sqlite_nodes_sql,
        latest_checkpoint=_LATEST,
        covering_checkpoint=f"SELECT {_CHECKPOINT_COLUMNS} FROM log_checkpoints WHERE size > ? ORDER BY size LIMIT 1",
        insert_checkpoint=f"INSERT INTO log_checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?)",
        lock_signer=None,
        probe_layout=_PROBE_LAYOUT,
    ),
    "postgresql": DialectSql(
        name="postgresql",
        lock_head="SELECT size, frontier FROM log_head WHERE id = 1 FOR UPDATE",
        head="SELECT size, frontier FROM log_head WHERE id = 1",
        insert_entries=None,
        update_head=None,
        nodes=lambda _count: _PG_NODES,
        latest_checkpoint=_LATEST,
        covering_checkpoint=f"SELECT {_CHECKPOINT_COLUMNS} FROM log_checkpoints WHERE size > %s "
                            "ORDER BY size LIMIT 1",
        insert_checkpoint=f"INSERT INTO log_checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (%s, %s, %s, %s)",
        lock_signer=f"SELECT pg_advisory_xact_lock({SIGNER_LOCK_KEY})",
        probe_layout=_PROBE_LAYOUT,
    ),
}


@dataclass(frozen=True)
class LogConnection:
    """A DB-API connection inside a transaction its owner began and will end, with its dialect's SQL."""

    driver: Any
    sql: DialectSql

    @classmethod
    def of(cls, driver: Any, dialect: str) -> LogConnection:
        sql = DIALECTS.get(dialect)
        if sql is None:
            raise ConfigurationError(f"unsupported database dialect {dialect!r}")
        return cls(driver, sql)

    @property
    def is_sqlite(self) -> bool:
        return self.sql.name == "sqlite"

    def cursor(self) -> Any:
        return self.driver.cursor()

    def one(self, statement: str, parameters: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        cursor = self.driver.cursor()
        cursor.execute(statement, parameters)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row


# ---------------------------------------------------------------- the head

def split_frontier(blob: bytes) -> list[bytes]:
    return [blob[i:i + merkle.HASH_SIZE] for i in range(0, len(blob), merkle.HASH_SIZE)]


def read_locked_head(cursor: Any, sql: DialectSql) -> tuple[int, list[bytes]]:
    """Size and frontier of the log, with the head row locked until the transaction ends (appends only)."""
    cursor.execute(sql.lock_head)
    return _head_of(cursor.fetchone())


def head(conn: LogConnection) -> tuple[int, list[bytes]]:
    """Size and frontier of the log as last committed, without locking it."""
    return _head_of(conn.one(conn.sql.head))


def _head_of(row: tuple[Any, ...] | None) -> tuple[int, list[bytes]]:
    if row is None:
        raise ConfigurationError(_NOT_INITIALISED)
    return int(row[0]), split_frontier(bytes(row[1]))


def tree_size(conn: LogConnection) -> int:
    return head(conn)[0]


def check_layout(conn: LogConnection) -> None:
    """Refuse a database whose log keeps its tree nodes in a separate ``log_nodes`` table.

    Development builds before the nodes moved onto the entry rows wrote that layout;
    appending to it would fail half-way with a driver error, so say what it is instead.
    """
    try:
        conn.one(conn.sql.probe_layout)
    except Exception as exc:
        if isinstance(exc, ConfigurationError) or not _is_driver_error(exc):
            raise
        raise ConfigurationError(
            "this database was created by a development build whose log kept its tree nodes in a "
            "separate table (log_nodes); this version cannot append to it: run 'clearance init' "
            "with a new CLEARANCE_HOME or database") from None


def _is_driver_error(exc: Exception) -> bool:
    """A DB-API ``Error`` of either driver (each module defines its own class of that name)."""
    return any(cls.__name__ == "Error" and cls.__module__.split(".")[0] in ("sqlite3", "psycopg")
               for cls in type(exc).__mro__)


# ---------------------------------------------------------------- tree nodes and proofs

def _head_and_nodes(conn: LogConnection, keys: Iterable[merkle.NodeKey]) -> tuple[int, dict[merkle.NodeKey, bytes]]:
    """The log's size and the wanted tree nodes, in one query of the entries that keep them."""
    homes: dict[int, list[tuple[merkle.NodeKey, int]]] = {}
    for key in keys:
        entry, offset = merkle.node_home(key)
        homes.setdefault(entry, []).append((key, offset))
    cursor = conn.cursor()
    ids = list(homes)
    cursor.execute(conn.sql.nodes(len(ids)), ids if conn.is_sqlite else (ids,))
    rows = cursor.fetchall()
    if not rows:
        raise ConfigurationError(_NOT_INITIALISED)
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


def _range_hashes(ranges: list[tuple[int, int]], nodes: dict[merkle.NodeKey, bytes]) -> list[bytes]:
    return [merkle.range_hash(start, end, nodes.__getitem__) for start, end in ranges]


def _proof_hashes(conn: LogConnection, ranges: list[tuple[int, int]], size: int) -> list[bytes]:
    """Hashes for ``ranges`` of a tree of ``size``, raising NotFound when the log is smaller."""
    keys = merkle.nodes_for(ranges)
    log_size, found = _head_and_nodes(conn, keys)
    if size > log_size:
        raise NotFound(f"tree size {size} is larger than the log")
    _check_found(keys, found)
    return _range_hashes(ranges, found)


def root_at(conn: LogConnection, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return _proof_hashes(conn, [(0, size)], size)[0]


def inclusion_proof(conn: LogConnection, index: int, size: int) -> list[bytes]:
    """O(log n) node reads and the log's size, in one query."""
    if not 0 <= index < size:
        if size > tree_size(conn):
            raise NotFound(f"tree size {size} is larger than the log")
        raise NotFound(f"entry {index} is not in a tree of size {size}")
    return _proof_hashes(conn, merkle.inclusion_ranges(index, size), size)


def inclusion_proofs(conn: LogConnection, indexes: Sequence[int], size: int) -> dict[int, list[bytes]]:
    """Inclusion proofs of many entries in a tree of ``size``, reading the nodes they share in one query."""
    if not indexes:
        return {}
    for index in indexes:
        if not 0 <= index < size:
            raise NotFound(f"entry {index} is not in a tree of size {size}")
    ranges = {index: merkle.inclusion_ranges(index, size) for index in indexes}
    keys = merkle.nodes_for([r for wanted in ranges.values() for r in wanted])
    log_size, found = _head_and_nodes(conn, keys)
    if size > log_size:
        raise NotFound(f"tree size {size} is larger than the log")
    _check_found(keys, found)
    return {index: _range_hashes(wanted, found) for index, wanted in ranges.items()}


def consistency_proof(conn: LogConnection, size1: int, size2: int) -> list[bytes]:
    if size1 == size2 or not 0 < size1 < size2:
        if size2 > tree_size(conn):
            raise NotFound(f"tree size {size2} is larger than the log")
        if size1 == size2:
            return []
        raise Conflict(f"no consistency proof from size {size1} to size {size2}")
    return _proof_hashes(conn, merkle.consistency_ranges(size1, size2), size2)


# ---------------------------------------------------------------- checkpoints

@dataclass(frozen=True)
class StoredCheckpoint:
    """One row of ``log_checkpoints``: a signed tree head."""

    size: int
    root: bytes
    note: str
    signed_at: datetime


def _checkpoint_of(row: tuple[Any, ...] | None) -> StoredCheckpoint | None:
    if row is None:
        return None
    size, root, note, signed_at = row
    if isinstance(signed_at, str):  # SQLite keeps the text SQLAlchemy's DateTime writes
        signed_at = datetime.fromisoformat(signed_at)
    return StoredCheckpoint(int(size), bytes(root), str(note), signed_at)


def latest_checkpoint(conn: LogConnection) -> StoredCheckpoint | None:
    return _checkpoint_of(conn.one(conn.sql.latest_checkpoint))


def checkpoint_covering(conn: LogConnection, index: int) -> StoredCheckpoint | None:
    """The smallest signed checkpoint that includes entry ``index``."""
    return _checkpoint_of(conn.one(conn.sql.covering_checkpoint, (index,)))


def sign_checkpoint(conn: LogConnection, key: LogKey) -> StoredCheckpoint:
    """Sign the committed tree head, unless the latest checkpoint already covers it.

    Signers take turns (:data:`DialectSql.lock_signer`), so checkpoint sizes only grow. Before
    signing, the new root is proved consistent with the last signed checkpoint from the stored
    nodes, so the log can never sign two checkpoints that contradict each other.
    """
    return _sign(conn, key, ())[0]


def sign_proving(conn: LogConnection, key: LogKey, indexes: Sequence[int]) -> tuple[StoredCheckpoint, dict[int, list[bytes]]]:
    """A checkpoint that includes every entry of ``indexes`` (the latest one if it does, else a new
    one, signed as :func:`sign_checkpoint` signs), and each entry's inclusion proof in it. Signing
    reads the nodes of the proofs in the same query as those it checks before signing."""
    return _sign(conn, key, indexes)


def _sign(conn: LogConnection, key: LogKey,
          indexes: Sequence[int]) -> tuple[StoredCheckpoint, dict[int, list[bytes]]]:
    if conn.sql.lock_signer is not None:
        conn.one(conn.sql.lock_signer)
    previous = latest_checkpoint(conn)
    if previous is not None and indexes and previous.size > max(indexes):
        return previous, inclusion_proofs(conn, indexes, previous.size)
    size, frontier = head(conn)
    root = merkle.frontier_root(frontier)
    if previous is not None:
        if previous.size == size:
            if previous.root != root:
                raise IntegrityError(f"the tree head at size {size} differs from its signed checkpoint")
            return previous, inclusion_proofs(conn, indexes, size)
        if previous.size > size:
            raise IntegrityError(f"a checkpoint exists for size {previous.size}, beyond the log's {size}")
    for index in indexes:
        if not 0 <= index < size:
            raise NotFound(f"entry {index} is not in a tree of size {size}")
    # The consistency proof from the last checkpoint, the root recomputed from the stored nodes and
    # the inclusion proofs wanted, read in one query.
    since = previous.size if previous is not None and previous.size > 0 else 0
    consistency = merkle.consistency_ranges(since, size) if since else []
    proving = {index: merkle.inclusion_ranges(index, size) for index in indexes}
    ranges = [*consistency, *([(0, size)] if size else []), *(r for wanted in proving.values() for r in wanted)]
    hashes = _proof_hashes(conn, ranges, size) if ranges else []
    stored_root = hashes[len(consistency)] if size else merkle.EMPTY_ROOT
    if previous is not None and since:
        try:
            merkle.verify_consistency(since, size, previous.root, root, hashes[:len(consistency)])
        except merkle.ProofError as exc:
            raise IntegrityError(f"refusing to sign: size {size} is not consistent with the checkpoint "
                                 f"at size {since} ({exc})") from exc
    if stored_root != root:
        raise IntegrityError(f"refusing to sign: stored tree nodes disagree with the head at size {size}")
    note = key.sign(Checkpoint(key.origin, size, root).body())
    signed = StoredCheckpoint(size=size, root=root, note=note, signed_at=datetime.now(UTC))
    conn.cursor().execute(conn.sql.insert_checkpoint, (size, root, note, _timestamp(conn, signed.signed_at)))
    proofs: dict[int, list[bytes]] = {}
    at = len(consistency) + 1
    for index, wanted in proving.items():
        proofs[index], at = hashes[at:at + len(wanted)], at + len(wanted)
    return signed, proofs


def _timestamp(conn: LogConnection, moment: datetime) -> Any:
    """``signed_at`` as the column keeps it: SQLite stores the text SQLAlchemy's DateTime reads back."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if conn.is_sqlite else moment


def b64(hashes: Sequence[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]
