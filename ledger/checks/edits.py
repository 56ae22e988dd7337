"""Edits of generated clips: which logged, signed clip a submitted clip was made from.

A request may name its parent (``parent_clip_id``). Otherwise, when the clip carries a C2PA
manifest whose active manifest has a ``parentOf`` ingredient, and that ingredient's manifest is
the one Clearance signed into an earlier clip (``Check.manifest_label``), that clip is the parent.
Either way the clip is checked in full; the parent only adds the link to its check.
"""

from __future__ import annotations

import io

from sqlmodel import Session, col, select

from ledger.checks.models import Check


def parent_in_manifest(session: Session, data: bytes) -> str | None:
    """The id of the logged signed clip named as ``parentOf`` in the clip's own manifest, if any."""
    from ledger.provenance.jumbf import extract_manifest_store
    from ledger.provenance.media import sniff_media_type
    from ledger.provenance.verify import verify_bytes

    media_type = sniff_media_type(data[:32])
    if media_type is None or extract_manifest_store(io.BytesIO(data), media_type) is None:
        return None
    manifest = verify_bytes(data, trust=None).active_manifest
    labels = [i.active_manifest for i in (manifest.ingredients if manifest else ())
              if i.relationship == "parentOf" and i.active_manifest]
    if not labels:
        return None
    query = select(Check.clip_id).where(col(Check.manifest_label).in_(labels)).order_by(col(Check.log_index).desc())
    return session.exec(query).first()
