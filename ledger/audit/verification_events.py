"""``log.verified``: a full verification's result, as a table (ledger.audit.verifications writes it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, Session, SQLModel

from ledger.log.events import Envelope
from ledger.log.projection import Projections
from ledger.records.types import UTCDateTime


class LogVerification(SQLModel, table=True):
    """One full verification: who ran it, the tree size it covered, and its findings (the first 50)."""

    __tablename__ = "log_verifications"
    log_index: int = Field(primary_key=True)
    verified_at: datetime = Field(sa_type=UTCDateTime)
    by: str
    ok: bool
    size: int
    checkpoints: int
    rows_compared: int
    seconds: float
    findings: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


def _verified(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    at = datetime.fromisoformat(envelope.time.replace("Z", "+00:00"))
    session.add(LogVerification(log_index=envelope.index, verified_at=at, **payload))
    session.flush()


def register(projections: Projections) -> None:
    projections.on_each({"log.verified": _verified})
    projections.replays([LogVerification])
