"""Strong or grey: every limit on both sides, each channel, the per-owner summary, and the [strength] settings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from embeddings import Alignment, FrameMatch
from embeddings.config import FACE_MAX_DISTANCE, KEYPOINT_MIN_INLIERS, PDQ_MAX_DISTANCE
from ledger.checks.strength import StrengthSettings, classify, evidence_is_strong
from ledger.errors import ConfigurationError
from ledger.settings import Settings
from tests.ledger.checks.fakes import METHODS, evidence, result_of

DEFAULTS = StrengthSettings()

# ---------------------------------------------------------------- the documented limits, on both sides

def test_default_limits_are_the_documented_calibration() -> None:
    assert evidence_is_strong(evidence("pdq", 32), DEFAULTS)
    assert not evidence_is_strong(evidence("pdq", 33), DEFAULTS)
    assert evidence_is_strong(evidence("keypoints", 48), DEFAULTS)
    assert not evidence_is_strong(evidence("keypoints", 47), DEFAULTS)
    assert evidence_is_strong(evidence("face", 0.46), DEFAULTS)
    assert not evidence_is_strong(evidence("face", 0.461), DEFAULTS)


def test_default_strong_limits_lie_inside_the_match_thresholds() -> None:
    """Otherwise every match would be strong and nothing would ever go to a person."""
    assert 0 <= DEFAULTS.pdq_strong_max_distance < PDQ_MAX_DISTANCE
    assert DEFAULTS.keypoint_strong_min_inliers > KEYPOINT_MIN_INLIERS
    assert 0 <= DEFAULTS.face_strong_max_distance < FACE_MAX_DISTANCE
    assert 0 < DEFAULTS.clip_strong_fraction < 1
    # each channel's threshold itself (the weakest evidence that still matches) is grey
    for method, (_, _, threshold) in METHODS.items():
        if method != "sha256":
            assert not evidence_is_strong(evidence(method, threshold), DEFAULTS), method


@pytest.mark.parametrize("method, limit_field, limit, closer, farther", [
    ("pdq", "pdq_strong_max_distance", 10, 9.5, 10.5),
    ("pdq", "pdq_strong_max_distance", 0, 0, 1),
    ("keypoints", "keypoint_strong_min_inliers", 30, 30.5, 29.5),
    ("face", "face_strong_max_distance", 0.5, 0.4999, 0.5001),
])
def test_each_limit_is_inclusive_and_set_by_its_own_setting(method: str, limit_field: str, limit: float,
                                                             closer: float, farther: float) -> None:
    settings = StrengthSettings(**{limit_field: limit})
    assert evidence_is_strong(evidence(method, limit), settings)
    assert evidence_is_strong(evidence(method, closer), settings)
    assert not evidence_is_strong(evidence(method, farther), settings)
    # the other limits do not move this one
    loose_elsewhere = StrengthSettings(pdq_strong_max_distance=256, keypoint_strong_min_inliers=0,
                                       face_strong_max_distance=10, clip_strong_fraction=0
                                       ).model_copy(update={limit_field: limit})
    assert evidence_is_strong(evidence(method, limit), loose_elsewhere)
    assert not evidence_is_strong(evidence(method, farther), loose_elsewhere)


def test_pdq_and_face_limits_do_not_depend_on_the_match_threshold() -> None:
    assert evidence_is_strong(evidence("pdq", 20, threshold=25), DEFAULTS)
    assert not evidence_is_strong(evidence("pdq", 40, threshold=90), DEFAULTS)
    assert not evidence_is_strong(evidence("face", 0.5, threshold=0.9), DEFAULTS)


@pytest.mark.parametrize("threshold, fraction, limit", [(0.75, 0.25, 0.8125), (0.5, 0.5, 0.75), (0.75, 0.0, 0.75)])
def test_clip_is_strong_a_fraction_of_the_way_from_its_threshold_to_one(threshold: float, fraction: float,
                                                                        limit: float) -> None:
    settings = StrengthSettings(clip_strong_fraction=fraction)
    assert evidence_is_strong(evidence("clip", limit, threshold=threshold), settings)
    assert evidence_is_strong(evidence("clip", 1.0, threshold=threshold), settings)
    assert not evidence_is_strong(evidence("clip", limit - 0.001, threshold=threshold), settings)


def test_clip_at_fraction_one_needs_a_perfect_cosine() -> None:
    settings = StrengthSettings(clip_strong_fraction=1.0)
    assert evidence_is_strong(evidence("clip", 1.0, threshold=0.75), settings)
    assert not evidence_is_strong(evidence("clip", 0.999, threshold=0.75), settings)


def test_identical_bytes_are_always_strong_and_unknown_methods_never() -> None:
    strict = StrengthSettings(pdq_strong_max_distance=0, keypoint_strong_min_inliers=10_000,
                              face_strong_max_distance=0, clip_strong_fraction=1)
    assert evidence_is_strong(evidence("sha256", 1.0), strict)
    assert evidence_is_strong(evidence("sha256", 0.0), DEFAULTS)
    unknown = FrameMatch("asset-1", "asset", "perceptual", "wavelet", 0.0, 0.0, 0, 0.0, 10.0, "bits")
    assert not evidence_is_strong(unknown, DEFAULTS)


# ---------------------------------------------------------------- one entry per owner

def test_an_owner_entry_carries_its_evidence_and_the_owners_summary() -> None:
    align = Alignment(rate=1.0, offset_s=2.0, pairs=3, inliers=3)
    result = result_of(evidence("pdq", 50, t=1.0, matched_t=3.0), evidence("pdq", 50, t=2.0, matched_t=4.0),
                       query_frames=4, alignment=align)
    [entry] = classify(result, DEFAULTS)
    assert entry == {
        "subject": "asset", "subject_id": "asset-1", "channel": "perceptual", "method": "pdq", "score": 50.0,
        "threshold": float(PDQ_MAX_DISTANCE), "metric": "hamming_bits", "strength": "grey", "share": 0.5,
        "frames_matched": 2, "query_frames": 4, "methods": ["pdq"], "query_time_s": 1.0, "matched_time_s": 3.0,
        "alignment": {"rate": 1.0, "offset_s": 2.0, "pairs": 3, "inliers": 3}, "segments": [[1.0, 2.0]]}
    assert isinstance(entry["score"], float) and isinstance(entry["threshold"], float)


def test_one_strong_frame_makes_the_owner_strong_and_is_the_evidence_shown() -> None:
    result = result_of(evidence("pdq", 60, t=0.0), evidence("pdq", 12, t=5.0, matched_t=7.0),
                       evidence("pdq", 55, t=6.0))
    [entry] = classify(result, DEFAULTS)
    assert entry["strength"] == "strong"
    assert (entry["score"], entry["query_time_s"], entry["matched_time_s"]) == (12.0, 5.0, 7.0)


def test_grey_evidence_from_one_method_only_stays_grey() -> None:
    result = result_of(*(evidence("keypoints", 30, t=float(t)) for t in range(8)))
    assert [e["strength"] for e in classify(result, DEFAULTS)] == ["grey"]


def test_two_different_methods_make_an_owner_strong_whatever_the_scores() -> None:
    result = result_of(evidence("pdq", 60, t=0.0), evidence("keypoints", 25, t=3.0))
    [entry] = classify(result, DEFAULTS)
    assert entry["strength"] == "strong"
    assert all(not evidence_is_strong(m, DEFAULTS) for m in result.matches)


def test_an_identical_file_is_strong_and_reported_on_the_exact_channel() -> None:
    [entry] = classify(result_of(evidence("sha256", 1.0)), DEFAULTS)
    assert (entry["strength"], entry["channel"], entry["method"]) == ("strong", "exact", "sha256")


def test_a_persons_face_is_an_identity_entry() -> None:
    grey, strong = (classify(result_of(evidence("face", score, owner="person-2")), DEFAULTS)[0] for score in (0.5, 0.3))
    assert (grey["subject"], grey["subject_id"], grey["channel"], grey["metric"]) == ("person", "person-2",
                                                                                     "identity", "l2")
    assert (grey["strength"], strong["strength"]) == ("grey", "strong")


def test_each_owner_is_judged_on_its_own_evidence_in_the_results_order() -> None:
    result = result_of(evidence("pdq", 5, owner="asset-a"), evidence("pdq", 60, owner="asset-b"),
                       evidence("keypoints", 25, owner="asset-c"), evidence("pdq", 60, owner="asset-c", t=1.0),
                       evidence("face", 0.55, owner="person-d"))
    entries = classify(result, DEFAULTS)
    assert [(e["subject_id"], e["strength"]) for e in entries] == [
        ("asset-a", "strong"), ("asset-b", "grey"), ("asset-c", "strong"), ("person-d", "grey")]
    assert classify(result_of(), DEFAULTS) == []


def test_the_settings_decide_the_strength() -> None:
    result = result_of(evidence("pdq", 40))
    assert classify(result, DEFAULTS)[0]["strength"] == "grey"
    assert classify(result, StrengthSettings(pdq_strong_max_distance=40))[0]["strength"] == "strong"


# ---------------------------------------------------------------- the evidence shown is the closest one

def test_a_grey_owner_shows_its_closest_evidence_not_its_earliest() -> None:
    far_first = result_of(evidence("pdq", 60, t=0.0), evidence("pdq", 41, t=4.0, matched_t=9.0),
                          evidence("pdq", 50, t=8.0))
    [entry] = classify(far_first, DEFAULTS)
    assert entry["strength"] == "grey"
    assert (entry["score"], entry["query_time_s"], entry["matched_time_s"]) == (41.0, 4.0, 9.0)
    more_inliers_later = result_of(evidence("keypoints", 26, t=0.0), evidence("keypoints", 44, t=2.0))
    assert classify(more_inliers_later, DEFAULTS)[0]["score"] == 44.0


def test_a_strong_owner_shows_its_closest_strong_evidence() -> None:
    result = result_of(evidence("face", 0.45, owner="person-1", t=0.0), evidence("face", 0.21, owner="person-1", t=3.0),
                       evidence("face", 0.52, owner="person-1", t=4.0))
    [entry] = classify(result, DEFAULTS)
    assert (entry["strength"], entry["score"], entry["query_time_s"]) == ("strong", 0.21, 3.0)


# ---------------------------------------------------------------- the [strength] settings

def test_a_limit_that_is_not_a_number_is_refused_when_settings_load(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.toml").write_text('[strength]\npdq_strong_max_distance = "close"\n')
    with pytest.raises(ConfigurationError) as raised:
        Settings.load(environ={"CLEARANCE_HOME": str(home)})
    assert [p.field for p in raised.value.problems] == ["[strength] pdq_strong_max_distance"]


@pytest.mark.parametrize("name, value", [
    ("pdq_strong_max_distance", -1), ("keypoint_strong_min_inliers", -0.5), ("face_strong_max_distance", -0.1),
    ("face_strong_max_distance", math.nan), ("pdq_strong_max_distance", math.inf),
    ("clip_strong_fraction", 1.5), ("clip_strong_fraction", -0.25), ("clip_strong_fraction", math.nan),
])
def test_a_limit_out_of_its_range_is_refused_with_its_name(name: str, value: float, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.load(environ={"CLEARANCE_HOME": str(tmp_path)}, strength={name: value})
    assert [p.field for p in raised.value.problems] == [f"[strength] {name}"]
    assert "Traceback" not in raised.value.diagnostics()


def test_the_edges_of_each_range_are_accepted() -> None:
    StrengthSettings(pdq_strong_max_distance=0, keypoint_strong_min_inliers=0, face_strong_max_distance=0,
                     clip_strong_fraction=0)
    StrengthSettings(clip_strong_fraction=1)


def test_a_misspelt_limit_stops_the_settings_from_loading_naming_it(tmp_path: Path) -> None:
    """Typed settings: a bad [strength] table stops every command at start, before any check is submitted."""
    with pytest.raises(ConfigurationError) as raised:
        Settings.load(environ={"CLEARANCE_HOME": str(tmp_path / "home")}, strength={"pdq_strong_max": 20})
    assert [p.field for p in raised.value.problems] == ["[strength] pdq_strong_max"]
    assert "Traceback" not in raised.value.diagnostics()


def test_segments_merge_matched_frames_close_together_and_keep_gaps_apart() -> None:
    result = result_of(evidence("pdq", 50, t=1.0), evidence("pdq", 50, t=2.0), evidence("pdq", 50, t=3.5),
                       evidence("pdq", 50, t=9.0), query_frames=12)
    [entry] = classify(result, DEFAULTS)
    assert entry["segments"] == [[1.0, 3.5], [9.0, 9.0]]
