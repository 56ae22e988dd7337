"""How fingerprint events change the ``fingerprint_sets`` table (no media libraries needed)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger.errors import IntegrityError
from ledger.fingerprints.models import FingerprintSet
from ledger.log.events import Envelope
from ledger.log.projection import Projections


def _added(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    session.add(FingerprintSet(id=envelope.subject_id or "", log_index=envelope.index, **payload))
    session.flush()


def _erased(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = session.get(FingerprintSet, envelope.subject_id)
    if row is None:
        raise IntegrityError(f"entry {envelope.index} erases fingerprint set {envelope.subject_id}, which does not exist")
    row.data, row.erased, row.erasure_reason = None, True, payload["reason"]
    session.add(row)
    session.flush()


def register(projections: Projections) -> None:
    """Hand the fingerprint events' handlers and table to the log's registry.

    The table's ``data`` column (face templates among them) is only hashed into the log,
    so the replay audit checks it against ``data_sha256`` instead of replaying it.
    """
    projections.on_each({"fingerprints.added": _added, "fingerprints.erased": _erased})
    projections.replays([FingerprintSet], derived={FingerprintSet.__tablename__: "data"})
