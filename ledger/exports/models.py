"""Tables the export events project into: protocols, Bates counters, privilege designations, productions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from ledger.records.types import UTCDateTime


class ExportProtocol(SQLModel, table=True):
    """A named, saved set of production settings that later productions reuse."""

    __tablename__ = "export_protocols"
    name: str = Field(primary_key=True)
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    saved_by: str
    log_index: int


class BatesCounter(SQLModel, table=True):
    """The next Bates number of a prefix: productions under a prefix continue where the last ended."""

    __tablename__ = "bates_counters"
    prefix: str = Field(primary_key=True)
    next_number: int
    padding: int
    log_index: int


class PrivilegeDesignation(SQLModel, table=True):
    """A record withheld from productions under a privilege (or, with ``fields``, only those fields), and who
    asserted it."""

    __tablename__ = "privilege_designations"
    record_kind: str = Field(primary_key=True)
    record_id: str = Field(primary_key=True)
    privilege: str
    description: str
    asserted_by: str
    asserted_at: datetime = Field(sa_type=UTCDateTime)
    log_index: int
    fields: list[str] = Field(default_factory=list, sa_type=JSON)
    """Empty: the whole record is withheld. Else the fields withheld (ledger/exports/redaction.py)."""


class Production(SQLModel, table=True):
    """One production volume as it left the building: range, checkpoint and manifest hash."""

    __tablename__ = "productions"
    id: str = Field(primary_key=True)
    matter: str | None = Field(default=None, index=True)
    prefix: str = Field(index=True)
    first_number: int
    last_number: int
    checkpoint_size: int
    manifest_sha256: str
    produced_by: str
    produced_at: datetime = Field(sa_type=UTCDateTime)
    log_index: int
