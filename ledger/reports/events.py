"""How ``audit.recorded`` changes the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from ledger.log.events import Envelope
from ledger.log.projection import Projections
from ledger.reports.models import DatasetAudit


def _recorded(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    session.add(DatasetAudit(id=envelope.subject_id or "", log_index=envelope.index, actor=envelope.actor,
                             recorded_at=datetime.fromisoformat(envelope.time.replace("Z", "+00:00")), **payload))
    session.flush()


def register(projections: Projections) -> None:
    """Hand the audit event's handler and table to the log's registry."""
    projections.on_each({"audit.recorded": _recorded})
    projections.replays([DatasetAudit])
