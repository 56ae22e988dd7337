"""How clip, check and review events change the tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from ledger.checks.models import Check, CheckFailure, Clip
from ledger.errors import IntegrityError
from ledger.log.events import Envelope
from ledger.records.projection import projector


def _check(session: Session, envelope: Envelope) -> Check:
    row = session.get(Check, envelope.subject_id)
    if row is None:
        raise IntegrityError(f"entry {envelope.index} refers to check {envelope.subject_id}, which does not exist")
    return row


@projector("clip.submitted")
def _submitted(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    values = {**payload, "release_date": date.fromisoformat(payload["release_date"])}
    session.add(Clip(id=envelope.subject_id or "", log_index=envelope.index, **values))
    session.flush()


@projector("check.decided")
def _decided(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    review = "pending" if payload["verdict"] == "review" else "none"
    session.add(Check(id=envelope.subject_id or "", log_index=envelope.index, review_state=review, **payload))
    session.flush()


@projector("check.failed")
def _failed(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    session.add(CheckFailure(clip_id=envelope.subject_id or "", log_index=envelope.index, **payload))
    session.flush()


@projector("check.reviewed")
def _reviewed(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _check(session, envelope)
    row.review_state = payload["decision"]
    row.review_reason = payload["reason"]
    row.reviewer = envelope.actor
    row.reviewed_at = datetime.fromisoformat(envelope.time.replace("Z", "+00:00"))
    session.add(row)
    session.flush()


@projector("clip.signed")
def _signed(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _check(session, envelope)
    row.signed_sha256 = payload["signed_sha256"]
    row.manifest_sha256 = payload["manifest_sha256"]
    row.manifest_label = payload["manifest_label"]
    session.add(row)
    session.flush()
