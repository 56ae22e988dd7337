"""How clip, check and review events change the tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from ledger.checks.models import Check, CheckFailure, Clip
from ledger.errors import IntegrityError
from ledger.log.events import Envelope
from ledger.log.projection import Projections


def _check(session: Session, envelope: Envelope) -> Check:
    row = session.get(Check, envelope.subject_id)
    if row is None:
        raise IntegrityError(f"entry {envelope.index} refers to check {envelope.subject_id}, which does not exist")
    return row


def _submitted(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    values = {**payload, "release_date": date.fromisoformat(payload["release_date"])}
    session.add(Clip(id=envelope.subject_id or "", log_index=envelope.index, **values))
    session.flush()


def _decided(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    review = "pending" if payload["verdict"] == "review" else "none"
    session.add(Check(id=envelope.subject_id or "", log_index=envelope.index, review_state=review, **payload))
    session.flush()


def _failed(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    session.add(CheckFailure(clip_id=envelope.subject_id or "", log_index=envelope.index, **payload))
    session.flush()


def _reviewed(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _check(session, envelope)
    row.review_state = payload["decision"]
    row.review_reason = payload["reason"]
    row.review_reason_code = payload.get("reason_code")
    reviewer = payload.get("reviewer") or {}
    row.reviewer = reviewer.get("name") or envelope.actor
    row.reviewer_role = reviewer.get("role")
    row.review_log_index = envelope.index
    row.reviewed_at = datetime.fromisoformat(envelope.time.replace("Z", "+00:00"))
    session.add(row)
    session.flush()


def _signed(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _check(session, envelope)
    row.signed_sha256 = payload["signed_sha256"]
    row.manifest_sha256 = payload["manifest_sha256"]
    row.manifest_label = payload["manifest_label"]
    binding = payload.get("soft_binding") or {}
    row.soft_binding_alg = binding.get("alg")
    row.soft_binding_value = binding.get("value")
    session.add(row)
    session.flush()


def register(projections: Projections) -> None:
    """Hand the clip, check and review events' handlers and tables to the log's registry."""
    projections.on_each({"clip.submitted": _submitted, "check.decided": _decided, "check.failed": _failed,
                         "check.reviewed": _reviewed, "clip.signed": _signed})
    projections.replays([Clip, Check, CheckFailure])
