"""Classify similarity evidence as *strong* (decide automatically) or *grey* (a person looks).

Every match the embeddings side returns is already within its channel's
calibrated threshold. Evidence well inside it is strong; evidence between the
strong limit and the threshold is grey and sends the clip to review when no
license covers the work. An owner seen by two different methods (say PDQ and
keypoints) is strong whatever the scores, and an identical file is always strong.

The strong limits come from ``benchmarks/results/calibrate.json`` (real media in
../shared/data):

* PDQ distance: same-work median 10, different-work minimum 98 (threshold 65);
  strong at 32 or less.
* keypoint inliers: same-work 5th percentile 59, different-work maximum 16
  (threshold 24); strong at 48 or more.
* face L2 distance: same-person maximum 0.455, different-person minimum 0.66
  (threshold 0.56); strong at 0.46 or less, so the gap between the two
  populations is the grey zone.
* voice cosine (Resemblyzer, 256-d; ``benchmarks/results/calibrate_voice.json``):
  different-speaker windows reach 0.753, same-speaker window median 0.855 (threshold 0.78);
  strong at 0.82 or more (halfway to the same-speaker median), grey below.
* CLIP cosine: not calibrated (no weights here); strong a quarter of the way
  from the threshold to 1.
"""

from __future__ import annotations

from typing import Any

from embeddings import FrameMatch, MatchResult
from ledger.settings import StrengthSettings

__all__ = ["LOWER_IS_CLOSER", "StrengthSettings", "classify", "evidence_is_strong"]

#: Metrics where a lower score is the closer match (the others: higher is closer).
LOWER_IS_CLOSER = frozenset({"hamming_bits", "l2"})


def evidence_is_strong(match: FrameMatch, settings: StrengthSettings) -> bool:
    if match.method == "sha256":
        return True
    if match.method == "pdq":
        return match.score <= settings.pdq_strong_max_distance
    if match.method == "keypoints":
        return match.score >= settings.keypoint_strong_min_inliers
    if match.method == "face":
        return match.score <= settings.face_strong_max_distance
    if match.method == "voice":
        return match.score >= settings.voice_strong_min_similarity
    if match.method == "clip":
        return match.score >= match.threshold + (1 - match.threshold) * settings.clip_strong_fraction
    return False


def _closest(pool: list[FrameMatch]) -> FrameMatch | None:
    """The closest piece of evidence of the pool's first method (scores of different methods do not compare)."""
    if not pool:
        return None
    same = [m for m in pool if m.method == pool[0].method]
    return min(same, key=lambda m: m.score if m.metric in LOWER_IS_CLOSER else -m.score)


SEGMENT_GAP_S = 2.0
"""Matched frames of an owner at most this far apart form one segment (a frame between them may miss)."""


def segments(evidence: list[FrameMatch]) -> list[list[float]]:
    """The stretches of the clip an owner matched: [start, end] seconds, matched frames merged."""
    spans = sorted((m.query_time_s, float(m.detail.get("query_end_s", m.query_time_s))) for m in evidence)
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= SEGMENT_GAP_S:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([round(start, 3), round(end, 3)])
    return [[round(a, 3), round(b, 3)] for a, b in merged]


def classify(result: MatchResult, settings: StrengthSettings) -> list[dict[str, Any]]:
    """One entry per matched owner: subject, channel, best score, strength, timing."""
    owners = []
    for owner in result.owners:
        evidence = [m for m in result.matches if m.owner == owner.owner]
        strong_evidence = [m for m in evidence if evidence_is_strong(m, settings)]
        strong = bool(strong_evidence) or len({m.method for m in evidence} - {"sha256"}) >= 2
        best = _closest(strong_evidence or evidence)
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
            "segments": segments(evidence),
            **({"voice_ranges": owner.voice_ranges} if owner.voice_ranges else {}),
        })
    return owners
