"""Writing to the log: append events with their projections, sign checkpoints, hand out receipts.

:class:`LogWriter` is the log's I/O shell over :mod:`ledger.log.store`: it owns the
database handle, the signing key (loaded on first use) and the projection registry
that features filled in. Every write in the ledger goes through :meth:`LogWriter.record`
so that no table changes without its event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ledger.batching import Line
from ledger.db import Database
from ledger.log import merkle, sql, store
from ledger.log.events import Event
from ledger.log.projection import Projections
from ledger.log.signer import LogKey


@dataclass(frozen=True)
class Receipt:
    """Where a write landed in the log, with the proof that it is there."""

    index: int
    leaf_hash: bytes
    tree_size: int
    inclusion_proof: list[bytes]
    checkpoint: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "leaf_hash": store.b64([self.leaf_hash])[0], "tree_size": self.tree_size,
                "inclusion_proof": store.b64(self.inclusion_proof), "checkpoint": self.checkpoint}


class LogWriter:
    """The log of one installation: appends, checkpoints and receipts."""

    def __init__(self, db: Database, keys_dir: Path, projections: Projections) -> None:
        self.db = db
        self.projections = projections
        self._keys_dir = keys_dir
        self._key: LogKey | None = None
        self._receipts: Line[tuple[int, bytes], Receipt] = Line(self._prove)
        self.on_signed: Callable[[], None] | None = None
        """Called after a transaction that may have signed a new checkpoint commits (witnesses, timestamps)."""

    @property
    def key(self) -> LogKey:
        """The log's signing key, read from the keys directory on first use."""
        if self._key is None:
            self._key = LogKey.load(self._keys_dir)
        return self._key

    def use_key(self, key: LogKey) -> None:
        """Adopt a key just created or loaded by ``clearance init``."""
        self._key = key

    def record(self, session: Session, events: Sequence[Event]) -> list[store.Appended]:
        """Append events and apply them to the tables, in the caller's transaction."""
        appended = store.append(session, events)
        for entry, event in zip(appended, events, strict=True):
            self.projections.apply(session, entry.envelope, event.payload)
        return appended

    def checkpoint(self) -> str:
        """The latest signed checkpoint note, signing a new one if entries were added since."""
        with self.db.transaction() as session:
            note = store.sign_checkpoint(session, self.key).note
        self._signed()
        return note

    def receipt(self, appended: store.Appended) -> Receipt:
        """A signed checkpoint covering ``appended`` and the proof of its inclusion."""
        return self._receipt(appended.index, appended.leaf_hash)

    def receipt_for(self, index: int) -> Receipt:
        """The same for an entry known only by its index."""
        with self.db.reader() as session:
            leaf_hash = merkle.leaf_hash(store.get_entry(session, index).leaf)
        return self._receipt(index, leaf_hash)

    def _receipt(self, index: int, leaf_hash: bytes) -> Receipt:
        """Wait in line for a receipt; the thread at the front proves everyone waiting (:mod:`ledger.batching`).

        It proves them all in the latest checkpoint when that covers them, else signs one checkpoint
        for them all, and reads their proofs in one query either way. So a burst of writes shares a
        few signatures and reads instead of paying for them one write at a time (signing also proves
        the new head consistent with the last, which costs more than the signature)."""
        return self._receipts.submit((index, leaf_hash))

    def _prove(self, entries: Sequence[tuple[int, bytes]]) -> list[Receipt]:
        checkpoint, proofs = self._covering([index for index, _ in entries])
        return [Receipt(index, leaf_hash, checkpoint.size, proofs[index], checkpoint.note)
                for index, leaf_hash in entries]

    def _covering(self, indexes: list[int]) -> tuple[store.StoredCheckpoint, dict[int, list[bytes]]]:
        """A checkpoint that includes every entry of ``indexes`` and their proofs: the latest one
        when it covers them (read outside any transaction: a checkpoint and the entries it covers
        never change), else a new one signed in one transaction with the proofs."""
        with self.db.driver_reader() as (driver, dialect):
            log = sql.LogConnection.of(driver, dialect)
            latest = sql.latest_checkpoint(log)
            if latest is not None and latest.size > max(indexes):
                return latest, sql.inclusion_proofs(log, indexes, latest.size)
        with self.db.transaction() as session:
            signed = sql.sign_proving(store.raw(session), self.key, indexes)
        self._signed()
        return signed

    def _signed(self) -> None:
        if self.on_signed is not None:
            self.on_signed()
