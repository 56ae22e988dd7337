"""Clips for check and job tests: a real PNG, a matcher that finds nothing (slowly, when asked to), the log's decisions."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from embeddings.matching import MatchResult
from embeddings.status import ChannelState, ChannelStatus
from ledger.checks import service
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from tests.dates import TODAY

REQUEST = CheckRequest.model_validate({"service": "gen-svc", "project": "Tidewater", "media": ["streaming"],
                                       "territories": ["US"], "release_date": TODAY})


def png(seed: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 64), (seed % 256, (seed * 7) % 256, (seed * 13) % 256))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def submit_clip(ctx: Clearance, seed: int = 1) -> str:
    return service.submit(ctx, REQUEST, png(seed), f"clip-{seed}.png", "generator:test")


def nothing_found(delay_s: float = 0.0) -> Callable[[bytes, str], MatchResult]:
    """A matcher with no matches; ``delay_s`` stands for fingerprinting time."""

    def match(_data: bytes, _name: str) -> MatchResult:
        time.sleep(delay_s)
        return MatchResult(query={}, channels=ChannelStatus((ChannelState("exact", True, "sha256"),)),
                           thresholds={}, matches=[], owners=[])

    return match


def decisions_logged(ctx: Clearance) -> list[tuple[str, str]]:
    """Every ``check.decided`` and ``check.failed`` entry in the log as (type, clip id), oldest first."""
    import json

    from sqlmodel import select

    from ledger.log.tables import LogEntry

    with ctx.db.reader() as session:
        rows = session.exec(select(LogEntry.event_type, LogEntry.subject_id, LogEntry.payload)
                            .where(LogEntry.event_type.in_(["check.decided", "check.failed"]))  # type: ignore[attr-defined]
                            .order_by(LogEntry.idx)).all()
    return [(kind, json.loads(payload)["clip_id"] if kind == "check.decided" else subject)
            for kind, subject, payload in rows]
