"""How fingerprint events change the ``fingerprint_sets`` table (no media libraries needed)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger.errors import IntegrityError
from ledger.fingerprints.models import FingerprintSet
from ledger.log.events import Envelope
from ledger.records.projection import projector


@projector("fingerprints.added")
def _added(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    session.add(FingerprintSet(id=envelope.subject_id or "", log_index=envelope.index, **payload))
    session.flush()


@projector("fingerprints.erased")
def _erased(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = session.get(FingerprintSet, envelope.subject_id)
    if row is None:
        raise IntegrityError(f"entry {envelope.index} erases fingerprint set {envelope.subject_id}, which does not exist")
    row.data, row.erased, row.erasure_reason = None, True, payload["reason"]
    session.add(row)
    session.flush()
