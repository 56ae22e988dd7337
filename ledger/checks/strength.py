"""Classify similarity evidence as *strong* (decide automatically) or *grey* (a person looks).

Every match the embeddings side returns is within its channel's calibrated
threshold. Evidence deep inside the threshold is strong; evidence in the outer
``grey_band`` of the threshold's range is grey. An owner seen by two different
methods (say PDQ and keypoints) is strong whatever the scores, and an exact
file hash is always strong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embeddings import FrameMatch, MatchResult


@dataclass(frozen=True)
class StrengthSettings:
    grey_band: float = 0.25
    """Share of a threshold's range, nearest the threshold, that counts as grey."""
    face_grey_band: float = 0.1
    """For faces, the grey band in L2 units below the threshold."""


def evidence_is_strong(match: FrameMatch, settings: StrengthSettings) -> bool:
    if match.method == "sha256":
        return True
    if match.method == "face":
        return match.score <= match.threshold - settings.face_grey_band
    lower_is_closer = match.metric in ("hamming_bits", "l2")
    if lower_is_closer:
        return match.score <= match.threshold * (1 - settings.grey_band)
    if match.metric == "cosine":
        return match.score >= match.threshold + (1 - match.threshold) * settings.grey_band
    return match.score >= match.threshold * (1 + settings.grey_band)


def classify(result: MatchResult, settings: StrengthSettings) -> list[dict[str, Any]]:
    """One entry per matched owner: subject, channel, best score, strength, timing."""
    owners = []
    for owner in result.owners:
        evidence = [m for m in result.matches if m.owner == owner.owner]
        strong = any(evidence_is_strong(m, settings) for m in evidence) or len({m.method for m in evidence} - {"sha256"}) >= 2
        best = next((m for m in evidence if evidence_is_strong(m, settings)), evidence[0]) if evidence else None
        owners.append({
            "subject": owner.owner_kind, "subject_id": owner.owner,
            "channel": best.channel if best else "perceptual", "method": best.method if best else None,
            "score": float(best.score) if best else 0.0, "threshold": float(best.threshold) if best else None,
            "metric": best.metric if best else None, "strength": "strong" if strong else "grey",
            "share": owner.share, "frames_matched": owner.frames_matched, "query_frames": owner.query_frames,
            "methods": owner.methods,
            "query_time_s": best.query_time_s if best else None,
            "matched_time_s": best.matched_time_s if best else None,
            "alignment": None if owner.alignment is None else vars(owner.alignment),
        })
    return owners
