"""Similarity results made by hand: what a fake matcher returns instead of fingerprinting media."""

from __future__ import annotations

from embeddings import Alignment, ChannelState, ChannelStatus, FrameMatch, MatchResult, OwnerSummary
from embeddings.config import CLIP_MIN_COSINE, FACE_MAX_DISTANCE, KEYPOINT_MIN_INLIERS, PDQ_MAX_DISTANCE

#: method -> (channel, metric, the embeddings threshold a match of that method is already within)
METHODS = {"sha256": ("exact", "identical_bytes", 1.0), "pdq": ("perceptual", "hamming_bits", PDQ_MAX_DISTANCE),
           "keypoints": ("perceptual", "inliers", KEYPOINT_MIN_INLIERS), "face": ("identity", "l2", FACE_MAX_DISTANCE),
           "clip": ("semantic", "cosine", CLIP_MIN_COSINE)}


def evidence(method: str, score: float, *, owner: str = "asset-1", t: float = 0.0, threshold: float | None = None,
             matched_t: float | None = None) -> FrameMatch:
    channel, metric, default_threshold = METHODS[method]
    kind = "person" if method == "face" else "asset"
    return FrameMatch(owner, kind, channel, method, t, t if matched_t is None else matched_t, 0, score,
                      default_threshold if threshold is None else threshold, metric)


def result_of(*matches: FrameMatch, query_frames: int = 10, alignment: Alignment | None = None) -> MatchResult:
    """A match result with one owner summary per owner, in the order owners first appear."""
    owners: list[OwnerSummary] = []
    for owner in dict.fromkeys(m.owner for m in matches):
        mine = [m for m in matches if m.owner == owner]
        times = sorted({m.query_time_s for m in mine})
        owners.append(OwnerSummary(owner, mine[0].owner_kind, len(times), query_frames,
                                   round(len(times) / query_frames, 4), sorted({m.method for m in mine}),
                                   times[0], times[-1], alignment))
    channels = ChannelStatus(tuple(ChannelState(name, True, "ok") for name in ("exact", "perceptual", "identity")))
    return MatchResult({"sha256": "00" * 32, "kind": "video", "duration_s": 10.0, "frames": query_frames},
                       channels, {}, list(matches), owners)


def matcher_returning(result: MatchResult):  # type: ignore[no-untyped-def]
    """A matcher (``ledger.checks.service.Matcher``) that answers every clip with ``result``."""
    def match(data: bytes, filename: str) -> MatchResult:
        return result
    return match
