"""What a person reviewing a check looks at: thumbnails of each matched frame beside the frame it matched.

For the strongest pieces of evidence of each matched owner, the clip's frame at
the match's query time and the registered asset's frame at the matched time are
decoded again (with the installation's media settings, so the sampled times are
the ones the fingerprints were taken at), shrunk to small JPEGs and stored
content-addressed in the media store. ``check.decided`` carries only their
SHA-256 with the times, channel, method, score, threshold and face box; the
pixels never enter the log. Enrolled likeness photos are not kept (only their
face templates are), so a face match shows the clip's frame with the face box.

Capturing evidence never changes a verdict: a frame that cannot be decoded again
is reported with the reason in place of its thumbnail.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ledger.checks.strength import LOWER_IS_CLOSER
from ledger.context import Clearance
from ledger.errors import NotFound
from ledger.media_store import SHA256_HEX, read_stored, store_bytes, stored_name
from ledger.records import models as m

if TYPE_CHECKING:
    import numpy as np

    from embeddings import DecodedMedia, FrameMatch, MatchResult

log = logging.getLogger(__name__)

THUMBNAIL_MAX_SIDE = 320
"""Longest side of a thumbnail in pixels: enough to compare, a few KB as JPEG."""
JPEG_QUALITY = 72
PER_OWNER = 3
"""Pieces of evidence kept per matched owner (the closest ones, one per query frame)."""
TOTAL = 12


def _closeness(match: FrameMatch) -> float:
    return match.score if match.metric in LOWER_IS_CLOSER else -match.score


def select_matches(result: MatchResult, per_owner: int = PER_OWNER, total: int = TOTAL) -> list[FrameMatch]:
    """The closest evidence of each owner (strongest owners first), one per query frame and method."""
    by_owner: dict[str, list[FrameMatch]] = defaultdict(list)
    for match in result.matches:
        by_owner[match.owner].append(match)
    chosen: list[FrameMatch] = []
    order = [o.owner for o in result.owners] + [o for o in by_owner if o not in {s.owner for s in result.owners}]
    for owner in order:
        seen: set[float] = set()
        ranked = sorted(by_owner.get(owner, []), key=lambda x: (x.method == "sha256", _closeness(x)))
        for match in ranked:
            if match.query_time_s in seen:
                continue
            seen.add(match.query_time_s)
            chosen.append(match)
            if len(seen) >= per_owner:
                break
    return chosen[:total]


def thumbnail(image: np.ndarray, max_side: int = THUMBNAIL_MAX_SIDE) -> bytes:
    """A small JPEG of an RGB frame."""
    from PIL import Image

    picture = Image.fromarray(image).convert("RGB")
    picture.thumbnail((max_side, max_side))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _nearest(media: DecodedMedia, time_s: float) -> Any:
    return min(media.frames, key=lambda frame: abs(frame.time_s - time_s))


class _Decoder:
    """Decodes each file once per check, remembering failures as reasons (safe from several threads).

    The clip's frames are the ones fingerprinting decoded; a registered file's frame is the one shown
    at the matched time (the time its fingerprints were taken at), found by seeking.
    """

    def __init__(self, ctx: Clearance) -> None:
        self.ctx = ctx
        self.decoded: dict[str, DecodedMedia | str] = {}
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def media(self, key: str, data: bytes | None, name: str, time_s: float | None = None) -> DecodedMedia | str:
        """The check's clip (``key`` "clip", already decoded by fingerprinting), or a registered file's
        frame at ``time_s``, found by seeking (a title may be hours long)."""
        from embeddings import EmbeddingsError
        from embeddings.sampling import frame_at, load_sampled

        whole = key == "clip"
        if not whole:
            key = f"{key}@{time_s or 0.0}"
        with self._guard:
            lock = self._locks[key]
        with lock:   # one decode per frame, however many threads want it
            if key not in self.decoded:
                if data is None:
                    self.decoded[key] = "the registered file is not in the media store"
                else:
                    config = self.ctx.embeddings_config
                    try:
                        self.decoded[key] = (load_sampled(data, config, name=name, max_side=config.frame_max_side)
                                             if whole else frame_at(data, time_s or 0.0, config, name=name))
                    except EmbeddingsError as error:
                        self.decoded[key] = f"cannot be decoded again: {error}"
            return self.decoded[key]

    def image(self, key: str, data: bytes | None, name: str, time_s: float | None) -> np.ndarray | None:
        """The decoded frame nearest ``time_s`` (None when the file cannot be decoded again)."""
        media = self.media(key, data, name, time_s)
        return None if isinstance(media, str) else _nearest(media, time_s or 0.0).image

    def frame(self, key: str, data: bytes | None, name: str, time_s: float | None) -> dict[str, Any]:
        media = self.media(key, data, name, time_s)
        if isinstance(media, str):
            return {"sha256": None, "unavailable": media}
        frame = _nearest(media, time_s or 0.0)
        stored = store_bytes(self.ctx.settings, thumbnail(frame.image), "evidence.jpg")
        width, height = frame.size
        return {"sha256": stored.sha256, "time_s": frame.time_s, "width": width, "height": height}


def _asset_source(ctx: Clearance, asset_id: str) -> tuple[bytes | None, str, str | None]:
    with ctx.db.reader() as session:
        asset = session.get(m.Asset, asset_id)
    if asset is None or not asset.sha256:
        return None, asset_id, None
    try:
        data = read_stored(ctx.settings, asset.sha256)
    except Exception:  # noqa: BLE001 - a missing file is reported on the evidence, not raised
        data = None
    return data, stored_name(asset.sha256, data) if data is not None else asset_id, asset.sha256


def capture(ctx: Clearance, clip_data: bytes, clip_name: str, result: MatchResult, *,
            decoded: DecodedMedia | None = None) -> list[dict[str, Any]]:
    """Thumbnails of the matched frames, stored; returns the evidence entries for ``check.decided``.

    ``decoded``: the clip's pictures as the check's fingerprinting decoded them (same
    settings, same frames); without it the clip is decoded again.
    """
    chosen = select_matches(result)
    if not chosen:
        return []
    decoder = _Decoder(ctx)
    if decoded is not None:
        decoder.decoded["clip"] = decoded

    def piece(match: FrameMatch) -> dict[str, Any]:
        item: dict[str, Any] = {
            "owner": match.owner, "owner_kind": match.owner_kind, "channel": match.channel, "method": match.method,
            "score": float(match.score), "threshold": float(match.threshold), "metric": match.metric,
            "query_time_s": match.query_time_s, "matched_time_s": match.matched_time_s,
            "query": decoder.frame("clip", clip_data, clip_name, match.query_time_s)}
        box = match.detail.get("box") if isinstance(match.detail, dict) else None
        if box is not None:
            item["query_box"] = [int(v) for v in box]
        if match.owner_kind == "asset":
            data, name, sha = _asset_source(ctx, match.owner)
            item["matched"] = decoder.frame(f"asset:{sha}", data, name, match.matched_time_s)
            if match.method == "keypoints":
                item.update(_keypoint_regions(ctx, decoder, match, (f"asset:{sha}", data, name)))
        else:
            item["matched"] = {"sha256": None, "unavailable": "enrolled likeness photos are not kept, "
                                                              "only their face templates"}
        return item

    # pieces side by side (decoding, shrinking, JPEG and ORB release the GIL); order is kept
    with ThreadPoolExecutor(max(1, ctx.embeddings_config.fingerprint_threads), thread_name_prefix="evidence") as pool:
        evidence = list(pool.map(piece, chosen))
    log.info("kept %d pieces of evidence", len(evidence))
    return evidence


def _keypoint_regions(ctx: Clearance, decoder: _Decoder, match: FrameMatch,
                      work: tuple[str, bytes | None, str]) -> dict[str, Any]:
    """``query_region`` / ``matched_region``: boxes around the keypoints a keypoint match rests on, in each frame."""
    from embeddings.channels.keypoints import matched_regions

    query = decoder.image("clip", None, "", match.query_time_s)
    reference = decoder.image(work[0], work[1], work[2], match.matched_time_s)
    if query is None or reference is None:
        return {}
    cfg = ctx.embeddings_config
    found = matched_regions(query, reference, max_side=cfg.analysis_max_side, count=cfg.keypoints_per_query_frame,
                            mirrored=bool(match.detail.get("mirrored")),
                            max_distance=cfg.keypoint_max_descriptor_distance)
    if found is None:
        return {}
    query_box, matched_box, kept = found
    return {"query_region": list(query_box), "matched_region": list(matched_box), "region_points": kept}


def image(ctx: Clearance, check: dict[str, Any], sha256: str) -> bytes:
    """A thumbnail of ``check``'s evidence; only hashes its evidence names (the media store holds other files)."""
    named = {side.get("sha256") for item in check.get("evidence") or [] for side in (item["query"], item["matched"])}
    if not SHA256_HEX.fullmatch(sha256) or sha256 not in named:
        raise NotFound(f"check {check['id']} keeps no evidence image {sha256[:64]!r}")
    return read_stored(ctx.settings, sha256)
