"""A small installation with a clip awaiting review, for the evidence, console and browser tests.

The clip and the registered work are real images drawn here (so their thumbnails
are decoded and stored for real); the matcher is given: it reports one grey
perceptual match of the clip against the work, as the media stack does when a
clip resembles a work without being a near copy (the matcher's own calibration
is tested in tests/embeddings).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from embeddings import ChannelState, ChannelStatus, FrameMatch, MatchResult, OwnerSummary
from ledger.checks.request import CheckRequest
from ledger.checks.service import CheckOutcome, check_clip
from ledger.context import Clearance
from ledger.fingerprints.service import register_asset
from ledger.records.kinds import KINDS
from ledger.records.service import create_record

from tests.ledger.disclosing import name_generative_system

REQUEST = CheckRequest(service="gen-svc", project="Tidewater", media=["streaming"], territories=["US"],
                       prompt="a lighthouse at dusk, painterly", requested_by="dana@studio.example")


def drawing(shift: int = 0, tint: tuple[int, int, int] = (0, 0, 0), size: tuple[int, int] = (480, 320)) -> bytes:
    """A JPEG of a lighthouse-ish scene: sky gradient, sea, a tower; ``shift``/``tint`` make a variant."""
    from PIL import Image, ImageDraw

    width, height = size
    sky = np.linspace(40, 200, height, dtype=np.float32)[:, None, None] * np.array([0.6, 0.7, 1.0])
    pixels = np.broadcast_to(sky, (height, width, 3)).copy()
    pixels[int(height * 0.65):] = (20, 60, 110)
    pixels = np.clip(pixels + np.array(tint), 0, 255).astype(np.uint8)
    picture = Image.fromarray(pixels)
    pen = ImageDraw.Draw(picture)
    x = 300 + shift
    pen.rectangle([x, 90, x + 40, int(height * 0.65)], fill=(235, 235, 225))
    pen.polygon([(x - 10, 90), (x + 50, 90), (x + 20, 50)], fill=(170, 30, 30))
    pen.ellipse([60, 40, 120, 100], fill=(250, 220, 120))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90)
    return out.getvalue()


def video(seconds: float = 8.0, fps: int = 5, shift: int = 0, tint: tuple[int, int, int] = (0, 0, 0),
          tone_hz: float | None = None) -> bytes:
    """An H.264 MP4 of the scene panning slowly (each second differs), for players and range requests;
    with ``tone_hz``, an AAC sound track of that tone too."""
    import av
    from PIL import Image

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 192, "yuv420p"
        sound = container.add_stream("aac", rate=16000) if tone_hz else None
        for i in range(int(seconds * fps)):
            frame = Image.open(io.BytesIO(drawing(shift=shift - 4 * i, tint=tint, size=(320, 192))))
            for packet in stream.encode(av.VideoFrame.from_image(frame.convert("RGB"))):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None and tone_hz:
            rate, size = 16000, 1024
            t = np.arange(int(seconds * rate)) / rate
            wave = (0.3 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
            for start in range(0, len(wave), size):
                chunk = av.AudioFrame.from_ndarray(wave[None, start:start + size], format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts = rate, start
                for packet in sound.encode(chunk):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return out.getvalue()


def voice_match(person_id: str, start: float = 1.0, end: float = 3.0, score: float = 0.8) -> MatchResult:
    """A grey voice match: the person's voice heard in the clip from ``start`` to ``end`` seconds."""
    status = ChannelStatus((ChannelState("exact", True, "sha256"), ChannelState("voice", True, "resemblyzer")))
    match = FrameMatch(person_id, "person", "voice", "voice", start, 0.0, 0, score, 0.78, "cosine",
                       {"query_end_s": end})
    owner = OwnerSummary(person_id, "person", 1, 8, 0.125, ["voice"], start, start, None, [[start, end]])
    return MatchResult({"sha256": "", "kind": "video", "duration_s": 8.0, "frames": 8}, status,
                       {"voice_min_similarity": 0.78}, [match], [owner])


def video_match(asset_id: str, times: tuple[float, ...] = (2.0, 3.0, 4.0), offset_s: float = 1.0,
                score: float = 48.0, coverage: str | None = None) -> MatchResult:
    """Grey PDQ matches of the clip's frames at ``times`` against the work ``offset_s`` later; ``coverage``:
    what the perceptual search left out (a compact library past its exhaustive size), if anything."""
    status = ChannelStatus((ChannelState("exact", True, "sha256"), ChannelState("perceptual", True, "pdq",
                                                                                 coverage=coverage),
                            ChannelState("semantic", False, "no CLIP weights at /srv/clearance/models/clip "
                                                            "(setting CLEARANCE_EMBEDDINGS_CLIP_WEIGHTS)")))
    matches = [FrameMatch(asset_id, "asset", "perceptual", "pdq", t, t + offset_s, i, score, 65.0, "hamming_bits",
                          {"variant": "original"}) for i, t in enumerate(times)]
    owner = OwnerSummary(asset_id, "asset", len(times), 40, len(times) / 40, ["pdq"], times[0], times[-1], None)
    return MatchResult({"sha256": "", "kind": "video", "duration_s": 8.0, "frames": 40}, status,
                       {"pdq_max_distance": 65.0}, matches, [owner])


def grey_match(asset_id: str, score: float = 48.0) -> MatchResult:
    status = ChannelStatus((ChannelState("exact", True, "sha256"), ChannelState("perceptual", True, "pdq"),
                            ChannelState("identity", False, "not needed here")))
    match = FrameMatch(asset_id, "asset", "perceptual", "pdq", 0.0, 0.0, 0, score, 65.0, "hamming_bits",
                       {"variant": "original"})
    owner = OwnerSummary(asset_id, "asset", 1, 1, 1.0, ["pdq"], 0.0, 0.0, None)
    return MatchResult({"sha256": "", "kind": "image", "duration_s": None, "frames": 1}, status,
                       {"pdq_max_distance": 65.0}, [match], [owner])


@dataclass
class ReviewStudio:
    ctx: Clearance
    asset: dict[str, Any]
    outcome: CheckOutcome

    @property
    def check_id(self) -> str:
        return self.outcome.check["id"]


def add_work(ctx: Clearance, title: str = "Lighthouse at Dusk (2019)") -> dict[str, Any]:
    """A registered reference work with its file, fingerprinted for real."""
    owner = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Harbour Pictures"}, "test").record
    return register_asset(ctx, {"role": "reference_work", "acquisition_method": "licensed", "title": title,
                                "rights_holder_id": owner["id"]}, drawing(), "lighthouse.jpg", "test").written.record


def clip_in_review(ctx: Clearance, asset_id: str, name: str = "lighthouse-variant.jpg") -> CheckOutcome:
    outcome = check_clip(ctx, REQUEST, drawing(shift=-30, tint=(25, 10, -10)), name, "key:generator",
                         matcher=lambda _data, _name: grey_match(asset_id))
    assert outcome.verdict == "review", outcome.check["reasons"]
    return outcome


def review_studio(ctx: Clearance) -> ReviewStudio:
    name_generative_system(ctx, REQUEST.service)  # an approved clip is signed, with its AI disclosure
    asset = add_work(ctx)
    return ReviewStudio(ctx, asset, clip_in_review(ctx, asset["id"]))


def semantic_match(asset_id: str) -> MatchResult:
    """A grey semantic (CLIP) match: the clip shows what the work shows, without copying its pixels."""
    status = ChannelStatus((ChannelState("exact", True, "sha256"), ChannelState("perceptual", True, "pdq"),
                            ChannelState("semantic", True, "clip")))
    match = FrameMatch(asset_id, "asset", "semantic", "clip", 0.0, 0.0, 0, 0.8, 0.75, "cosine", {})
    owner = OwnerSummary(asset_id, "asset", 1, 1, 1.0, ["clip"], 0.0, 0.0, None)
    return MatchResult({"sha256": "", "kind": "image", "duration_s": None, "frames": 1}, status,
                       {"clip_min_similarity": 0.75}, [match], [owner])


@dataclass(frozen=True)
class Flagged:
    """One more clip in review for the team queue: who sent it, for which project and release, how it matched."""

    name: str
    service: str
    project: str
    release_date: str
    channel: str = "perceptual"
    prompt: str = REQUEST.prompt


MORE_FLAGGED = (
    Flagged("harbour-teaser.jpg", "storyboard-svc", "Harbour Lights", "2031-03-01", "semantic",
            "a harbour at night, teaser"),
    Flagged("tidewater-pan.jpg", "gen-svc", "Tidewater", "2030-06-15"),
    Flagged("harbour-poster.jpg", "storyboard-svc", "Harbour Lights", "2030-01-10"),
)
"""The demo world's one flagged clip plus these: two services, projects and channels, one prompt that names
no work (so one policy fewer), three release dates."""


def team_queue(studio: ReviewStudio) -> list[CheckOutcome]:
    """More clips awaiting review beside the studio's (after it in the log, so older first is the studio's)."""
    outcomes = []
    for shift, item in enumerate(MORE_FLAGGED, start=1):
        request = REQUEST.model_copy(update={"service": item.service, "project": item.project,
                                             "release_date": date.fromisoformat(item.release_date),
                                             "prompt": item.prompt})
        matcher = semantic_match if item.channel == "semantic" else grey_match
        outcome = check_clip(studio.ctx, request, drawing(shift=-30 - 7 * shift, tint=(25, 10 + shift, -10)),
                             item.name, "key:generator",
                             matcher=lambda _data, _name, m=matcher: m(studio.asset["id"]))  # type: ignore[misc]
        assert outcome.verdict == "review", (item, outcome.check["reasons"])
        outcomes.append(outcome)
    return outcomes
