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
