"""How ``review.assigned``, ``review.noted``, ``review.filter_saved`` and ``review.filter_deleted`` change the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from ledger.errors import IntegrityError
from ledger.log.events import Envelope
from ledger.log.projection import Projections
from ledger.worklist.models import ReviewAssignment, ReviewNote, SavedFilter


def _time(envelope: Envelope) -> datetime:
    return datetime.fromisoformat(envelope.time.replace("Z", "+00:00"))


def _assigned(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    check_id = envelope.subject_id or ""
    row = session.get(ReviewAssignment, check_id) or ReviewAssignment(
        check_id=check_id, assigned_by=envelope.actor, assigned_at=_time(envelope), log_index=envelope.index)
    row.assignee_key_id = payload.get("assignee_key_id")
    row.assignee_name = payload.get("assignee_name")
    row.assigned_by, row.assigned_at, row.log_index = envelope.actor, _time(envelope), envelope.index
    session.add(row)
    session.flush()


def _noted(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    session.add(ReviewNote(id=payload["note_id"], check_id=envelope.subject_id or "", author=payload["author"],
                           author_role=payload["author_role"], text=payload["text"], written_at=_time(envelope),
                           log_index=envelope.index))
    session.flush()


def _filter_saved(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    filter_id = envelope.subject_id or ""
    row = session.get(SavedFilter, filter_id) or SavedFilter(
        id=filter_id, owner_key_id=payload["owner_key_id"], name=payload["name"], saved_at=_time(envelope),
        log_index=envelope.index)
    row.name, row.criteria = payload["name"], payload["criteria"]
    row.saved_at, row.log_index = _time(envelope), envelope.index
    session.add(row)
    session.flush()


def _filter_deleted(session: Session, envelope: Envelope, _payload: dict[str, Any]) -> None:
    row = session.get(SavedFilter, envelope.subject_id)
    if row is None:
        raise IntegrityError(f"entry {envelope.index} deletes filter {envelope.subject_id}, which does not exist")
    session.delete(row)
    session.flush()


def register(projections: Projections) -> None:
    """Hand the review queue's events and tables to the log's registry."""
    projections.on_each({"review.assigned": _assigned, "review.noted": _noted,
                         "review.filter_saved": _filter_saved, "review.filter_deleted": _filter_deleted})
    projections.replays([ReviewAssignment, ReviewNote, SavedFilter])
