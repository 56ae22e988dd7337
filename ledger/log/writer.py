"""Writing to the log: append events with their projections, sign checkpoints, hand out receipts.

:class:`LogWriter` is the log's I/O shell over :mod:`ledger.log.store`: it owns the
database handle, the signing key (loaded on first use) and the projection registry
that features filled in. Every write in the ledger goes through :meth:`LogWriter.record`
so that no table changes without its event.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

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
        self._signing = threading.Lock()

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
            return store.sign_checkpoint(session, self.key).note

    def receipt(self, appended: store.Appended) -> Receipt:
        """Sign a checkpoint covering ``appended`` and prove its inclusion."""
        return self._receipt(appended.index, appended.leaf_hash)

    def receipt_for(self, index: int) -> Receipt:
        """The same for an entry known only by its index."""
        with self.db.reader() as session:
            leaf_hash = merkle.leaf_hash(store.get_entry(session, index).leaf)
        return self._receipt(index, leaf_hash)

    def _receipt(self, index: int, leaf_hash: bytes) -> Receipt:
        """Prove ``index`` in the latest checkpoint when it already covers the entry, else sign the head.

        One thread of a process signs at a time; the others wait for it and then usually find their
        entries covered by what it signed, so a burst of writes shares a few signatures instead of
        signing one each (signing also proves the new head consistent with the last, which costs
        more than the signature)."""
        receipt = self._covered(index, leaf_hash)
        if receipt is not None:
            return receipt
        with self._signing:
            receipt = self._covered(index, leaf_hash)
            if receipt is not None:
                return receipt
            with self.db.transaction() as session:  # one transaction: the proof reads the tree just signed
                log = store.raw(session)
                checkpoint = sql.sign_checkpoint(log, self.key, covering=index)
                proof = sql.inclusion_proof(log, index, checkpoint.size)
        return Receipt(index, leaf_hash, checkpoint.size, proof, checkpoint.note)

    def _covered(self, index: int, leaf_hash: bytes) -> Receipt | None:
        """A receipt from the latest signed checkpoint, if that includes entry ``index``."""
        with self.db.driver_reader() as (driver, dialect):  # a checkpoint and the entries it covers never change
            log = sql.LogConnection.of(driver, dialect)
            latest = sql.latest_checkpoint(log)
            if latest is None or latest.size <= index:
                return None
            return Receipt(index, leaf_hash, latest.size, sql.inclusion_proof(log, index, latest.size), latest.note)
