"""What the check page says in words: names for ids, the law behind a reason, what a score means, where to play.

Kept apart from the routes so the page's wording can be read (and tested) in one place.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import col, select

from ledger.context import Clearance
from ledger.records import models as m
from ledger.settings import StrengthSettings

JURISDICTIONS = {
    "US": "United States (federal law)", "US-CA": "California", "US-NY": "New York", "US-TN": "Tennessee",
    "EU": "European Union", "contract": "the terms of a license (contract)", "house": "this studio's house rule",
}

#: Per method: what the score measures, and whether a lower score is the closer match.
MEASURES: dict[str, tuple[str, bool]] = {
    "pdq": ("PDQ distance (bits of 256 that differ)", True),
    "keypoints": ("keypoints that line up (RANSAC inliers)", False),
    "face": ("face distance (between 128-number face descriptors)", True),
    "voice": ("voice similarity (cosine, 1 is identical)", False),
    "clip": ("semantic similarity (CLIP cosine, 1 is identical)", False),
}

_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][\w.@~+-]+){2,}[/\\]?")


def jurisdiction_words(code: str | None) -> str | None:
    if not code:
        return None
    return JURISDICTIONS.get(code, code)


def strong_limit(method: str | None, threshold: float | None, settings: StrengthSettings) -> float | None:
    """The score at which evidence of ``method`` counts as strong (decided without a person)."""
    limits = {"pdq": settings.pdq_strong_max_distance, "keypoints": settings.keypoint_strong_min_inliers,
              "face": settings.face_strong_max_distance, "voice": settings.voice_strong_min_similarity}
    if method == "clip" and threshold is not None:
        return round(threshold + (1 - threshold) * settings.clip_strong_fraction, 4)
    return limits.get(method or "")


def score_words(method: str | None, score: float, threshold: float | None, settings: StrengthSettings) -> str:
    """A score said against both lines: the match threshold and the strong limit (so grey reads as grey)."""
    if method == "sha256":
        return "the file's bytes are identical to the registered file (always strong)"
    measure, lower = MEASURES.get(method or "", (f"{method} score", False))
    if threshold is None:
        return f"{measure} {score:g}"
    strong = strong_limit(method, threshold, settings)
    need, more = ("or less", "closer") if lower else ("or more", "closer")
    text = f"{measure} {score:g}. A match needs {threshold:g} {need}"
    if strong is None:
        return text + "."
    text += f"; {strong:g} {need} is strong."
    is_strong = score <= strong if lower else score >= strong
    if is_strong:
        return text + f" {score:g} is strong: the machine may decide on it."
    return text + (f" {score:g} is a match but not a strong one (grey): it is between the two lines, "
                   f"so a person decides; nearer {strong:g} would be {more}.")


def channel_words(reason: str) -> str:
    """Why a channel did not run, without the server's file paths (the setting's name says where to look)."""
    return _PATH.sub("the folder the server is configured with", reason)


def names(ctx: Clearance, check: dict[str, Any]) -> dict[str, str]:
    """Titles of the works and names of the people a check's matches and evidence name, by id."""
    assets = {x["subject_id"] for x in check.get("matches") or [] if x.get("subject") == "asset"}
    people = {x["subject_id"] for x in check.get("matches") or [] if x.get("subject") == "person"}
    assets |= {x["owner"] for x in check.get("evidence") or [] if x.get("owner_kind") == "asset"}
    people |= {x["owner"] for x in check.get("evidence") or [] if x.get("owner_kind") == "person"}
    found: dict[str, str] = {}
    with ctx.db.reader() as session:
        if assets:
            found |= {row.id: row.title for row in session.exec(select(m.Asset).where(col(m.Asset.id).in_(assets)))}
        if people:
            found |= {row.id: row.name for row in session.exec(select(m.Party).where(col(m.Party.id).in_(people)))}
    return found


def play_plan(check: dict[str, Any], titles: dict[str, str]) -> list[dict[str, Any]]:
    """Per matched owner: where the clip and the work start playing, the clip's matched segments, the voice ranges."""
    plans = []
    for match in check.get("matches") or []:
        start = match.get("query_time_s")
        segments = match.get("segments") or ([[start, start]] if start is not None else [])
        voice = match.get("voice_ranges") or []
        if match.get("channel") == "voice" and voice:
            segments, start = voice, voice[0][0]
        plans.append({
            "owner": match["subject_id"], "kind": match["subject"], "title": titles.get(match["subject_id"]),
            "channel": match.get("channel"), "voice": match.get("channel") == "voice",
            "clip_start": float(start or 0.0), "work_start": float(match.get("matched_time_s") or 0.0),
            "clip_end": float(segments[-1][1]) if segments else None,
            "segments": [[float(a), float(b)] for a, b in segments],
        })
    return plans


def is_video(media_type: str | None) -> bool:
    return bool(media_type) and str(media_type).startswith(("video/", "audio/"))
