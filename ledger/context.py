"""The running installation: settings, database and log key, opened once per process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlmodel import Session

from ledger.db import Database
from ledger.errors import ConfigurationError
from ledger.log import merkle, store
from ledger.log.events import Event
from ledger.log.signer import LogKey
from ledger.records.projection import project
from ledger.settings import Settings


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


class Clearance:
    """One installation. Every write goes through :meth:`record` so no table changes without its event."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.resolved_database_url)

    @classmethod
    def open(cls, settings: Settings | None = None) -> Clearance:
        return cls(settings or Settings.load())

    @cached_property
    def log_key(self) -> LogKey:
        return LogKey.load(self.settings.keys_dir)

    def check_ready(self) -> None:
        with self.db.reader() as session:
            try:
                store.tree_size(session)
            except Exception as exc:
                if isinstance(exc, ConfigurationError):
                    raise
                raise ConfigurationError(
                    f"no Clearance database at {self.settings.home} ({type(exc).__name__}); run 'clearance init'"
                ) from None
            store.check_layout(session)
        missing = self.db.missing_columns()
        if missing:
            names = ", ".join(f"{c.table.name}.{c.name}" for c in missing)
            raise ConfigurationError(f"this database was created by an earlier version and lacks {names}; "
                                     "run 'clearance init' to add them")

    # ------------------------------------------------------------ writes

    def record(self, session: Session, events: Sequence[Event]) -> list[store.Appended]:
        """Append events and apply them to the tables, in the caller's transaction."""
        appended = store.append(session, events)
        for entry, event in zip(appended, events):
            project(session, entry.envelope, event.payload)
        return appended

    def checkpoint(self) -> str:
        """The latest signed checkpoint note, signing a new one if entries were added since."""
        with self.db.transaction() as session:
            return store.sign_checkpoint(session, self.log_key).note

    def receipt(self, appended: store.Appended) -> Receipt:
        """Sign a checkpoint covering ``appended`` and prove its inclusion."""
        return self._receipt(appended.index, appended.leaf_hash)

    def receipt_for(self, index: int) -> Receipt:
        """The same for an entry known only by its index."""
        with self.db.reader() as session:
            leaf_hash = merkle.leaf_hash(store.get_entry(session, index).leaf)
        return self._receipt(index, leaf_hash)

    def _receipt(self, index: int, leaf_hash: bytes) -> Receipt:
        with self.db.transaction() as session:  # one transaction: the proof reads the tree just signed
            checkpoint = store.sign_checkpoint(session, self.log_key)
            proof = store.inclusion_proof(session, index, checkpoint.size)
        return Receipt(index, leaf_hash, checkpoint.size, proof, checkpoint.note)
