"""Evidence kept with a check: thumbnails of the matched frames, stored by hash, only hashes in the log."""

from __future__ import annotations

import json

from ledger.checks import evidence
from ledger.checks.service import check_clip
from ledger.context import Clearance
from ledger.log import store
from ledger.media_store import read_stored
from tests.ledger.review_studio import REQUEST, add_work, clip_in_review, drawing, grey_match

from embeddings import FrameMatch, MatchResult, OwnerSummary


def test_a_grey_match_keeps_both_frames_as_small_jpegs_referenced_by_hash(ctx: Clearance) -> None:
    asset = add_work(ctx)
    outcome = clip_in_review(ctx, asset["id"])
    [item] = outcome.check["evidence"]
    assert (item["owner"], item["channel"], item["method"]) == (asset["id"], "perceptual", "pdq")
    assert (item["score"], item["threshold"], item["query_time_s"], item["matched_time_s"]) == (48.0, 65.0, 0.0, 0.0)
    for side in (item["query"], item["matched"]):
        data = read_stored(ctx.settings, side["sha256"])
        assert data[:3] == b"\xff\xd8\xff" and len(data) < 30_000  # a JPEG of a few KB
        assert side["width"] > 0 and side["height"] > 0
    assert item["query"]["sha256"] != item["matched"]["sha256"]  # the clip's frame and the work's frame
    with ctx.db.reader() as session:
        entry = store.get_entry(session, outcome.check["log_index"])
    payload = json.loads(entry.payload)
    assert payload["evidence"] == outcome.check["evidence"]
    assert len(entry.payload) < 20_000  # hashes and numbers only; no pixels in the log


def test_face_boxes_are_kept_and_likeness_photos_are_not(ctx: Clearance) -> None:
    face = FrameMatch("pty_person", "person", "identity", "face", 0.0, 0.0, 0, 0.5, 0.56, "l2",
                      {"box": [10, 20, 110, 140]})
    result = MatchResult({}, grey_match("x").channels, {}, [face],
                         [OwnerSummary("pty_person", "person", 1, 1, 1.0, ["face"], 0.0, 0.0, None)])
    [item] = evidence.capture(ctx, drawing(), "clip.jpg", result)
    assert item["query_box"] == [10, 20, 110, 140] and item["query"]["sha256"]
    assert item["matched"]["sha256"] is None and "not kept" in item["matched"]["unavailable"]


def test_undecodable_media_is_reported_on_the_evidence_and_the_verdict_stands(ctx: Clearance) -> None:
    asset = add_work(ctx)
    outcome = check_clip(ctx, REQUEST, b"not media at all", "clip.jpg", "test",
                         matcher=lambda _d, _n: grey_match(asset["id"]))
    assert outcome.verdict == "review"
    [item] = outcome.check["evidence"]
    assert item["query"]["sha256"] is None and "cannot be decoded" in item["query"]["unavailable"]
    assert item["matched"]["sha256"]


def test_selection_keeps_the_closest_frames_of_each_owner() -> None:
    def pdq(owner: str, t: float, score: float) -> FrameMatch:
        return FrameMatch(owner, "asset", "perceptual", "pdq", t, t, 0, score, 65, "hamming_bits")

    matches = [pdq("a", t, 60 - t) for t in range(6)] + [pdq("b", 0.0, 50)]
    owners = [OwnerSummary(o, "asset", 1, 6, 1.0, ["pdq"], 0, 5, None) for o in ("b", "a")]
    chosen = evidence.select_matches(MatchResult({}, grey_match("x").channels, {}, matches, owners), per_owner=2)
    assert [(m.owner, m.query_time_s) for m in chosen] == [("b", 0.0), ("a", 5.0), ("a", 4.0)]


def test_the_clip_is_decoded_once_for_fingerprinting_and_evidence(ctx: Clearance, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The real matcher hands its decoded frames to the evidence: one decode of the clip per check."""
    import embeddings.fingerprint
    import embeddings.sampling

    asset = add_work(ctx)
    clip = drawing(tint=(8, 4, -4))                       # a near-identical copy: matched, with evidence
    decoded: list[str] = []
    real = embeddings.sampling.load_sampled

    def counting(data, config=None, **options):  # type: ignore[no-untyped-def]
        decoded.append(options.get("name"))
        return real(data, config, **options)

    monkeypatch.setattr(embeddings.fingerprint, "load_sampled", counting)
    monkeypatch.setattr(embeddings.sampling, "load_sampled", counting)
    outcome = check_clip(ctx, REQUEST, clip, "copy.jpg", "test")
    items = outcome.check["evidence"]
    assert items and items[0]["owner"] == asset["id"] and items[0]["query"]["sha256"]
    assert decoded.count("copy.jpg") == 1                  # the asset's own file is decoded for its side
    assert read_stored(ctx.settings, items[0]["query"]["sha256"])[:3] == b"\xff\xd8\xff"
