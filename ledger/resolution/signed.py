"""The clips this ledger signed: manifest ids, soft bindings, and the manifest stores as signed."""

from __future__ import annotations

import io
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ledger.checks.models import Check, Clip
from ledger.context import Clearance
from ledger.errors import NotFound, ProvenanceError
from ledger.media_store import path_for


@dataclass(frozen=True)
class SignedManifest:
    manifest_id: str
    check_id: str
    clip_id: str
    clip_sha256: str
    signed_sha256: str
    soft_binding_alg: str | None
    soft_binding_value: str | None


def signed_manifests(session: Session) -> list[SignedManifest]:
    """Every signed clip's active manifest, oldest first."""
    query = select(Check, Clip).where(col(Check.signed_sha256).is_not(None), col(Check.manifest_label).is_not(None),
                                      Check.clip_id == Clip.id).order_by(col(Check.log_index))
    return [SignedManifest(manifest_id=check.manifest_label or "", check_id=check.id, clip_id=clip.id,
                           clip_sha256=clip.sha256, signed_sha256=check.signed_sha256 or "",
                           soft_binding_alg=check.soft_binding_alg, soft_binding_value=check.soft_binding_value)
            for check, clip in session.exec(query).all()]


def find_manifest(ctx: Clearance, manifest_id: str) -> SignedManifest:
    with ctx.db.reader() as session:
        found = next((s for s in signed_manifests(session) if s.manifest_id == manifest_id), None)
    if found is None:
        raise NotFound(f"no manifest signed by this ledger has the id {manifest_id!r}")
    return found


def manifest_store(ctx: Clearance, manifest_id: str, *, active_only: bool = False) -> bytes:
    """The C2PA manifest store as it was signed into the clip (or a store of only its active manifest)."""
    from ledger.provenance.jumbf import active_manifest_store, extract_manifest_store
    from ledger.provenance.media import media_type_of

    signed = find_manifest(ctx, manifest_id)
    path = path_for(ctx.settings, signed.signed_sha256)
    if not path.is_file():
        raise ProvenanceError(f"the signed clip of manifest {manifest_id} is missing from the media store")
    store = extract_manifest_store(io.BytesIO(path.read_bytes()), media_type_of(path))
    if store is None:
        raise ProvenanceError(f"the signed clip of manifest {manifest_id} holds no manifest store")
    if active_only:
        active = active_manifest_store(store)
        if active is None:
            raise ProvenanceError(f"the manifest store of {manifest_id} has no active manifest")
        return active
    return store
