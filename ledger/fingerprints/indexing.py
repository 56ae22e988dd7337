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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from embeddings import IndexCorrupt, IndexSet
from ledger.context import Clearance
from ledger.fingerprints.models import IS_FINGERPRINT_EVENT
from ledger.fingerprints.store import decode, stored_sets
from ledger.log.tables import LogEntry



def index_dir(ctx: Clearance) -> Path:
    return ctx.settings.home / "index"


def records_revision(session: Session, before: int | None = None) -> int:
    """Log index of the last fingerprint event (optionally of those before ``before``); -1 when none."""
    query = select(func.max(LogEntry.idx)).where(IS_FINGERPRINT_EVENT)
    if before is not None:
        query = query.where(LogEntry.idx < before)
    value = session.exec(query).one()
    return -1 if value is None else int(value)


@contextmanager
def _locked(ctx: Clearance) -> Iterator[None]:
    directory = index_dir(ctx)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _revision_of(indexes: IndexSet) -> int:
    try:
        return int(indexes.revision) if indexes.revision is not None else -1
    except ValueError:
        return -2


def rebuild(ctx: Clearance) -> IndexSet:
    from ledger.fingerprints.service import embeddings_config

    with _locked(ctx):
        return _rebuild_locked(ctx, embeddings_config(ctx))


def _rebuild_locked(ctx: Clearance, config: object) -> IndexSet:
    with ctx.db.reader() as session:
        revision = records_revision(session)
        rows = [(r.owner_kind, r.owner_id, decode(r.data)) for r in stored_sets(session) if r.data is not None]
    return IndexSet.rebuild(index_dir(ctx), assets=[(o, f) for k, o, f in rows if k == "asset"],
                            people=[(o, f) for k, o, f in rows if k == "person"], config=config,  # type: ignore[arg-type]
                            revision=str(revision))


def current(ctx: Clearance) -> IndexSet:
    """The index, brought up to date with the records if it lags (or is damaged)."""
    from ledger.fingerprints.service import embeddings_config

    config = embeddings_config(ctx)
    with ctx.db.reader() as session:
        wanted = records_revision(session)
    try:
        indexes = IndexSet.open(index_dir(ctx), config)
        if _revision_of(indexes) == wanted:
            return indexes
    except IndexCorrupt:
        pass
    with _locked(ctx):
        return _rebuild_locked(ctx, config)


def apply_committed(ctx: Clearance, first_index: int, last_index: int,
                    added: list[tuple[str, str, object]], removed: list[str]) -> None:
    """After a commit whose fingerprint events span ``first_index..last_index``, update the index."""
    from ledger.fingerprints.service import embeddings_config

    config = embeddings_config(ctx)
    with _locked(ctx):
        with ctx.db.reader() as session:
            previous = records_revision(session, before=first_index)
        try:
            indexes = IndexSet.open(index_dir(ctx), config)
        except IndexCorrupt:
            _rebuild_locked(ctx, config)
            return
        revision = _revision_of(indexes)
        if revision >= last_index:
            return
        if revision != previous:
            _rebuild_locked(ctx, config)
            return
        for owner in removed:
            indexes.remove(owner)
        for kind, owner, fingerprints in added:
            if kind == "asset":
                indexes.add_asset(owner, fingerprints)  # type: ignore[arg-type]
            else:
                indexes.add_person(owner, fingerprints)  # type: ignore[arg-type]
        indexes.save(str(last_index))
