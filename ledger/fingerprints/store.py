"""Fingerprint sets as records: encoding, events and their projection."""

from __future__ import annotations

import hashlib
import json
import uuid
import zlib

from sqlmodel import Session, col, select

from embeddings import FingerprintFormatError, MediaFingerprints
from ledger.errors import IntegrityError
from ledger.log.events import Event
from ledger.fingerprints.models import FingerprintSet

OwnerKind = str  # "asset" | "person"


def encode(fingerprints: MediaFingerprints) -> bytes:
    return zlib.compress(json.dumps(fingerprints.to_dict(), separators=(",", ":"), sort_keys=True).encode(), 6)


def decode(data: bytes) -> MediaFingerprints:
    try:
        return MediaFingerprints.from_dict(json.loads(zlib.decompress(data)))
    except (zlib.error, ValueError, FingerprintFormatError) as exc:
        raise IntegrityError(f"stored fingerprints cannot be read ({exc}); run 'clearance index rebuild' "
                             "after re-registering the file") from exc


def added_event(owner_kind: OwnerKind, owner_id: str, fingerprints: MediaFingerprints, data: bytes,
                actor: str) -> Event:
    faces = len(fingerprints.face_templates())
    payload = {"owner_kind": owner_kind, "owner_id": owner_id, "media_sha256": fingerprints.sha256,
               "purpose": fingerprints.purpose, "frames": len(fingerprints.frames), "faces": faces,
               "channels_ran": fingerprints.channels.ran, "data_sha256": hashlib.sha256(data).hexdigest()}
    return Event("fingerprints.added", payload, "fingerprint_set", f"fps_{uuid.uuid4().hex[:20]}", actor)


def attach_data(session: Session, set_id: str, data: bytes) -> None:
    """Put the fingerprint bytes beside the row the event projected (same transaction)."""
    row = session.get(FingerprintSet, set_id)
    assert row is not None
    row.data = data
    session.add(row)


def stored_sets(session: Session, owner_kind: OwnerKind | None = None) -> list[FingerprintSet]:
    query = select(FingerprintSet).where(FingerprintSet.erased == False)  # noqa: E712
    if owner_kind:
        query = query.where(FingerprintSet.owner_kind == owner_kind)
    return list(session.exec(query.order_by(col(FingerprintSet.log_index))).all())
