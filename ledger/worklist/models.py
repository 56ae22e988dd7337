"""Who is working on which check, the notes left on checks, and each reviewer's saved queue filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from ledger.records.types import UTCDateTime


class ReviewAssignment(SQLModel, table=True):
    """The reviewer a check awaiting review is assigned to (one row per check ever assigned)."""

    __tablename__ = "review_assignments"
    check_id: str = Field(primary_key=True)
    assignee_key_id: str | None = Field(default=None, index=True)
    """The reviewer's API key id; None once the check is released back to the queue."""
    assignee_name: str | None = None
    """The key's label when assigned (how the reviewer is named on decisions)."""
    assigned_by: str
    """The actor (``key:<id>``) who assigned it: the assignee when taken from the queue."""
    assigned_at: datetime = Field(sa_type=UTCDateTime)
    log_index: int


class ReviewNote(SQLModel, table=True):
    """A note or comment on a check, kept in the log with its author."""

    __tablename__ = "review_notes"
    id: str = Field(primary_key=True)
    check_id: str = Field(index=True)
    author: str
    """The author key's label (or id)."""
    author_role: str
    text: str = Field(sa_type=Text)
    written_at: datetime = Field(sa_type=UTCDateTime)
    log_index: int


class SavedFilter(SQLModel, table=True):
    """A named queue filter of one reviewer (their API key), offered to them at every sign-in."""

    __tablename__ = "review_saved_filters"
    id: str = Field(primary_key=True)
    owner_key_id: str = Field(index=True)
    name: str
    criteria: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    saved_at: datetime = Field(sa_type=UTCDateTime)
    log_index: int
