"""Keeping the FAISS indexes in ``$CLEARANCE_HOME/index`` in step with the records.

The records are the truth; the index is a cache that carries, as its
*revision*, the log index of the last fingerprint event it reflects. After a
commit the writer brings the index forward incrementally when it is exactly one
step behind, and rebuilds it from the records otherwise (a crash between commit
and index update, a torn index file, or another writer in between). A file lock
serialises index writers across processes.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import Session, select

from ledger.db import Database
from ledger.fingerprints.models import IS_FINGERPRINT_EVENT
from ledger.fingerprints.store import decode, stored_sets
from ledger.log.tables import LogEntry

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # FAISS loads only when an index is opened
    from embeddings import EmbeddingsConfig, IndexSet, MediaFingerprints


def records_revision(session: Session, before: int | None = None) -> int:
    """Log index of the last fingerprint event (optionally of those before ``before``); -1 when none."""
    query = select(func.max(LogEntry.idx)).where(IS_FINGERPRINT_EVENT)
    if before is not None:
        query = query.where(LogEntry.idx < before)
    value = session.exec(query).one()
    return -1 if value is None else int(value)


def _revision_of(indexes: IndexSet) -> int:
    try:
        return int(indexes.revision) if indexes.revision is not None else -1
    except ValueError:
        return -2


Owner = tuple[str, str, "MediaFingerprints"]
"""(owner kind ``asset`` or ``person``, owner id, fingerprints)."""


class Indexes:
    """The installation's index set, opened and repaired against the records."""

    def __init__(self, db: Database, directory: Path, config: EmbeddingsConfig) -> None:
        self.db = db
        self.directory = directory
        self.config = config

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def rebuild(self) -> IndexSet:
        with self._locked():
            return self._rebuild_locked()

    def _rebuild_locked(self) -> IndexSet:
        from embeddings import IndexSet

        with self.db.reader() as session:
            revision = records_revision(session)
            rows = [(r.owner_kind, r.owner_id, decode(r.data)) for r in stored_sets(session) if r.data is not None]
        return IndexSet.rebuild(self.directory, assets=[(o, f) for k, o, f in rows if k == "asset"],
                                people=[(o, f) for k, o, f in rows if k == "person"], config=self.config,
                                revision=str(revision))

    def current(self) -> IndexSet:
        """The index, brought up to date with the records if it lags (or is damaged)."""
        from embeddings import IndexCorrupt, IndexSet

        with self.db.reader() as session:
            wanted = records_revision(session)
        try:
            indexes = IndexSet.open(self.directory, self.config)
            if _revision_of(indexes) == wanted:
                return indexes
        except IndexCorrupt:
            pass
        with self._locked():
            return self._rebuild_locked()

    def apply_committed(self, first_index: int, last_index: int, added: list[Owner], removed: list[str]) -> None:
        """After a commit whose fingerprint events span ``first_index..last_index``, update the index.

        The records are committed already, so a full disk here does not fail the write: the index
        stays at its older revision and the next update (or search) finds it lagging and rebuilds it."""
        from ledger.storage_errors import is_disk_full

        try:
            self._apply_committed(first_index, last_index, added, removed)
        except Exception as exc:  # FAISS reports a failed write as RuntimeError, with the OS's message
            if not is_disk_full(exc):
                raise
            logger.warning("no space left to update the fingerprint index; it will be rebuilt when space allows")

    def _apply_committed(self, first_index: int, last_index: int, added: list[Owner], removed: list[str]) -> None:
        from embeddings import IndexCorrupt, IndexSet

        with self._locked():
            with self.db.reader() as session:
                previous = records_revision(session, before=first_index)
            try:
                indexes = IndexSet.open(self.directory, self.config)
            except IndexCorrupt:
                self._rebuild_locked()
                return
            revision = _revision_of(indexes)
            if revision >= last_index:
                return
            if revision != previous:
                self._rebuild_locked()
                return
            for owner in removed:
                indexes.remove(owner)
            for kind, owner, fingerprints in added:
                if kind == "asset":
                    indexes.add_asset(owner, fingerprints)
                else:
                    indexes.add_person(owner, fingerprints)
            indexes.save(str(last_index))
