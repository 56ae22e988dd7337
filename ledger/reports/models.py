"""The audits that were run: one row per ``audit.recorded`` event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from ledger.records.types import UTCDateTime


class DatasetAudit(SQLModel, table=True):
    """A dataset audit as logged: what was asked, at which checkpoint, what it found, and its CSV's hash."""

    __tablename__ = "dataset_audits"
    id: str = Field(primary_key=True)
    log_index: int
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    actor: str
    dataset_version_id: str = Field(index=True)
    model_id: str | None = None
    territories: list[str] = Field(default_factory=list, sa_type=JSON)
    use_date: str
    policy_set_hash: str
    checkpoint_size: int
    checkpoint: str = Field(sa_type=Text)
    totals: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    csv_sha256: str
    project: str | None = None
    knowledge_size: int | None = None   # audited "at checkpoint": what the log's first N entries knew
    knowledge_root: str | None = None   # the Merkle root of those N entries (hex)
