"""Appending to the log and reading proofs from the stored tree nodes.

Every function takes the caller's session, so an append commits or rolls back
together with the table rows its event projects into. Appends lock the single
``log_head`` row; that row is the log's sequencer, which keeps concurrent
writers in any number of processes from forking the tree.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, update
from sqlmodel import Session, select

from ledger.errors import Conflict, ConfigurationError, IntegrityError, NotFound
from ledger.log import merkle
from ledger.log.events import Envelope, Event
from ledger.log.note import Checkpoint
from ledger.log.signer import LogKey
from ledger.log.tables import LogEntry, LogHead, LogNode, SignedCheckpoint, node_id

_entries = LogEntry.__table__
_nodes = LogNode.__table__
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


def _lock_head(session: Session) -> tuple[int, list[bytes]]:
    row = session.connection().execute(
        select(_head.c.size, _head.c.frontier).where(_head.c.id == 1).with_for_update()).first()
    if row is None:
        raise ConfigurationError("the log is not initialised; run 'clearance init'")
    return int(row.size), _split_frontier(row.frontier)


def append(session: Session, events: Sequence[Event]) -> list[Appended]:
    """Append events as consecutive leaves inside the caller's transaction."""
    if not events:
        return []
    size, frontier = _lock_head(session)
    entry_rows, node_rows, appended = [], [], []
    for event in events:
        payload = event.payload_bytes()
        envelope = Envelope.for_event(size, event, payload)
        leaf = envelope.leaf_bytes()
        leaf_hash = merkle.leaf_hash(leaf)
        frontier, new_nodes = merkle.append_leaf(frontier, size, leaf_hash)
        node_rows.extend({"id": node_id(level, index), "hash": h} for (level, index), h in new_nodes)
        entry_rows.append({"idx": size, "leaf": leaf, "payload": payload, "event_type": event.type,
                           "subject_kind": event.subject_kind, "subject_id": event.subject_id})
        appended.append(Appended(size, leaf_hash, envelope))
        size += 1
    conn = session.connection()
    conn.execute(insert(_entries), entry_rows)
    conn.execute(insert(_nodes), node_rows)
    conn.execute(update(_head).where(_head.c.id == 1).values(size=size, frontier=b"".join(frontier)))
    return appended


# ---------------------------------------------------------------- reading

def tree_size(session: Session) -> int:
    row = session.connection().execute(select(_head.c.size).where(_head.c.id == 1)).first()
    if row is None:
        raise ConfigurationError("the log is not initialised; run 'clearance init'")
    return int(row.size)


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


def _fetch_nodes(session: Session, keys: Iterable[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    wanted = {node_id(level, index): (level, index) for level, index in keys}
    if not wanted:
        return {}
    rows = session.connection().execute(select(_nodes.c.id, _nodes.c.hash).where(_nodes.c.id.in_(list(wanted))))
    found = {wanted[row.id]: row.hash for row in rows}
    missing = set(wanted.values()) - set(found)
    if missing:
        raise IntegrityError(f"tree nodes missing from the store: {sorted(missing)[:5]}")
    return found


def _hashes_for(session: Session, ranges: list[tuple[int, int]]) -> list[bytes]:
    nodes = _fetch_nodes(session, merkle.nodes_for(ranges))
    return [merkle.range_hash(start, end, nodes.__getitem__) for start, end in ranges]


def root_at(session: Session, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return _hashes_for(session, [(0, size)])[0]


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """O(log n) node reads, in one query."""
    if size > tree_size(session):
        raise NotFound(f"tree size {size} is larger than the log")
    if not 0 <= index < size:
        raise NotFound(f"entry {index} is not in a tree of size {size}")
    return _hashes_for(session, merkle.inclusion_ranges(index, size))


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    if size2 > tree_size(session):
        raise NotFound(f"tree size {size2} is larger than the log")
    if size1 == size2:
        return []
    if not 0 < size1 < size2:
        raise Conflict(f"no consistency proof from size {size1} to size {size2}")
    return _hashes_for(session, merkle.consistency_ranges(size1, size2))


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
