"""The table of stored fingerprint sets (one per registered file), and the index on the log
that finds the last fingerprint event (the revision the FAISS index must reflect)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from ledger.db import table_of
from ledger.log.tables import LogEntry

FINGERPRINT_EVENTS = ("fingerprints.added", "fingerprints.erased")
# Written out as literals, once, for both the partial index and its query: a database uses a
# partial index only when it can see that the query's condition implies the index's, which it
# cannot for bound parameters. The index holds only fingerprint events, so other appends skip it
# (an index over every entry's type was a large share of a batched append's time).
IS_FINGERPRINT_EVENT = text(f"event_type IN ({', '.join(repr(name) for name in FINGERPRINT_EVENTS)})")
Index("ix_log_entries_fingerprint_events", table_of(LogEntry).c.idx,
      sqlite_where=IS_FINGERPRINT_EVENT, postgresql_where=IS_FINGERPRINT_EVENT)


class FingerprintSet(SQLModel, table=True):
    """Fingerprints of one file for one owner (an asset, or a person's likeness reference).

    ``data`` is zlib-compressed JSON from ``MediaFingerprints.to_dict``. It is
    not in the log: the ``fingerprints.added`` event commits to ``data_sha256``
    (of the compressed bytes), and ``log verify`` checks the two agree. For a
    person the data are face templates, personal data that ``erase`` removes.
    """

    __tablename__ = "fingerprint_sets"
    id: str = Field(primary_key=True)
    owner_kind: str = Field(index=True)
    owner_id: str = Field(index=True)
    media_sha256: str = Field(index=True)
    purpose: str
    frames: int
    faces: int
    channels_ran: list[str] = Field(default_factory=list, sa_type=JSON)
    data_sha256: str
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    log_index: int
    erased: bool = False
    erasure_reason: str | None = None


REPLAY_EXCLUDED_COLUMNS = {"fingerprint_sets": {"data"}}
