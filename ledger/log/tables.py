"""Tables that hold the log itself: entries, tree nodes, the head and checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid; PostgreSQL needs 64 bits.
_BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class LogEntry(SQLModel, table=True):
    """One leaf of the log. ``leaf`` is exactly the bytes that are hashed.

    ``hashes`` holds the tree nodes that end at this leaf (``merkle.extend``): its
    leaf hash, then the hash of each perfect subtree it completes. Keeping them on
    the entry row means an append writes one row, and a proof reads O(log n) rows.
    """

    __tablename__ = "log_entries"

    idx: int = Field(sa_column=Column(_BigIntKey, primary_key=True, autoincrement=False))
    leaf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    payload: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    event_type: str  # indexed only for fingerprint events (ledger.fingerprints.models)
    subject_kind: str | None = Field(default=None)
    subject_id: str | None = Field(default=None)  # no index: no query looks entries up by subject
    hashes: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogHead(SQLModel, table=True):
    """The single row every append locks: tree size and right frontier (hashes, left to right)."""

    __tablename__ = "log_head"

    id: int = Field(default=1, primary_key=True)
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    frontier: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))


class SignedCheckpoint(SQLModel, table=True):
    __tablename__ = "log_checkpoints"

    size: int = Field(sa_column=Column(_BigIntKey, primary_key=True, autoincrement=False))
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    signed_at: datetime
LOG_TABLES: list[type[SQLModel]] = [LogEntry, LogHead, SignedCheckpoint]
"""The tables of the log itself (created by ``init``; checked, not replayed, by the audit)."""
