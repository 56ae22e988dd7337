"""Resolve media to signed manifests with the check's own matcher, over an index of the signed clips.

The check searches registered works; here the same fingerprints (every channel) and the same thresholds
(``[embeddings]``) search an index whose owners are the signed clips, kept in ``$CLEARANCE_HOME/sbr-index``
and rebuilt when the set of signed clips changes. Each signed clip's fingerprints are computed once and
kept beside it. Scores: 100 only when the query's bytes are the released clip or the signed file; else
``99 * share`` rounded, where share is the fraction of the query's frames matched, never 100.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from embeddings import IndexCorrupt, IndexSet, MediaFingerprints
from embeddings import match as search
from ledger.context import Clearance
from ledger.fingerprints.compute import fingerprint
from ledger.media_store import path_for
from ledger.resolution.matches import Match
from ledger.resolution.signed import SignedManifest, signed_manifests

_building = threading.Lock()


def _directory(ctx: Clearance) -> Path:
    return ctx.settings.home / "sbr-index"


def _fingerprints(ctx: Clearance, signed: SignedManifest) -> MediaFingerprints | None:
    cache = _directory(ctx) / "fingerprints" / f"{signed.signed_sha256}.json"
    if cache.is_file():
        return MediaFingerprints.from_dict(json.loads(cache.read_text("utf-8")))
    path = path_for(ctx.settings, signed.signed_sha256)
    if not path.is_file():
        return None
    fps = fingerprint(ctx, path, path.name, "reference")   # a signed title: streamed from the store
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(fps.to_dict()), "utf-8")
    tmp.replace(cache)
    return fps


def _revision(signed: list[SignedManifest]) -> str:
    return hashlib.sha256("\n".join(s.check_id for s in signed).encode()).hexdigest()


def signed_index(ctx: Clearance, signed: list[SignedManifest]) -> IndexSet:
    """The index of the signed clips, brought up to date with the ledger's signed clips."""
    wanted = _revision(signed)
    directory = _directory(ctx)
    with _building:
        try:
            indexes = IndexSet.open(directory, ctx.embeddings_config)
            if indexes.revision == wanted:
                return indexes
        except IndexCorrupt:
            pass
        owners = [(s.check_id, fps) for s in signed if (fps := _fingerprints(ctx, s)) is not None]
        return IndexSet.rebuild(directory, assets=owners, config=ctx.embeddings_config, revision=wanted)


def resolve_by_content(ctx: Clearance, data: bytes, name: str, max_results: int) -> list[Match]:
    with ctx.db.reader() as session:
        signed = signed_manifests(session)
    if not signed:
        return []
    sha256 = hashlib.sha256(data).hexdigest()
    by_check = {s.check_id: s for s in signed}
    identical = [s for s in signed if sha256 in (s.clip_sha256, s.signed_sha256)]
    found = {s.check_id: Match(manifest_id=s.manifest_id, check_id=s.check_id, clip_id=s.clip_id,
                               similarity_score=100, by="content", evidence="the same bytes as the released clip")
             for s in identical}
    query = fingerprint(ctx, data, name, "query")
    result = search(query, signed_index(ctx, signed), ctx.embeddings_config,
                    exact_owners=[s.check_id for s in identical])
    for owner in result.owners:
        hit = by_check.get(owner.owner)
        if hit is None or hit.check_id in found:
            continue
        methods = ", ".join(owner.methods)
        found[hit.check_id] = Match(
            manifest_id=hit.manifest_id, check_id=hit.check_id, clip_id=hit.clip_id,
            similarity_score=min(99, round(99 * owner.share)), by="content",
            evidence=f"{owner.frames_matched} of {owner.query_frames} frames matched ({methods})")
    ranked = sorted(found.values(), key=lambda m: -m.similarity_score)
    return ranked[:max_results]
