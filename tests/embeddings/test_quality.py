"""The issue's quality criteria on real media in ../shared/data (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings import Fingerprinter, IndexSet, match

pytestmark = pytest.mark.corpus


def _ukbench(shared_data: Path) -> list[Path]:
    return sorted(p for p in (shared_data / "near-duplicates" / "ukbench").glob("*.jpg") if "_resize" not in p.name)


@pytest.fixture(scope="module")
def image_indexes(visual_fingerprinter: Fingerprinter, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> IndexSet:
    """The ten UKBench originals and the bridge original, registered as assets."""
    indexes = IndexSet(tmp_path_factory.mktemp("images"), visual_fingerprinter.config)
    for path in _ukbench(shared_data) + [shared_data / "near-duplicates" / "bridge" / "aaa-orig.jpg"]:
        indexes.add_asset(path.stem, visual_fingerprinter.fingerprint_file(path, purpose="reference"))
    return indexes


def _owners(fingerprinter: Fingerprinter, indexes: IndexSet, path: Path) -> set[str]:
    return {o.owner for o in match(fingerprinter.fingerprint_file(path, purpose="query"), indexes).owners}


def test_every_bridge_modification_matches_the_original_only(visual_fingerprinter: Fingerprinter,
                                                             image_indexes: IndexSet, shared_data: Path) -> None:
    mods = sorted((shared_data / "near-duplicates" / "bridge").glob("*.jpg"))
    assert len(mods) >= 8
    for path in mods:
        assert _owners(visual_fingerprinter, image_indexes, path) == {"aaa-orig"}, path.name


def test_ukbench_copies_match_their_originals(visual_fingerprinter: Fingerprinter, image_indexes: IndexSet,
                                              shared_data: Path) -> None:
    folder = shared_data / "near-duplicates" / "ukbench"
    assert _owners(visual_fingerprinter, image_indexes, folder / "ukbench00120_resize.jpg") == {"ukbench00120"}
    assert _owners(visual_fingerprinter, image_indexes, folder / "ukbench09380.webp") == {"ukbench09380"}


def test_distinct_ukbench_photos_do_not_match_each_other(visual_fingerprinter: Fingerprinter,
                                                          image_indexes: IndexSet, shared_data: Path) -> None:
    """With all ten registered, each photo finds itself and nothing else (so no pair matches either way)."""
    photos = _ukbench(shared_data)
    assert len(photos) == 10
    for photo in photos:
        assert _owners(visual_fingerprinter, image_indexes, photo) == {photo.stem}, photo.name


@pytest.fixture(scope="module")
def chair_indexes(visual_fingerprinter: Fingerprinter, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> IndexSet:
    indexes = IndexSet(tmp_path_factory.mktemp("video"), visual_fingerprinter.config)
    indexes.add_asset("chair", visual_fingerprinter.fingerprint_file(
        shared_data / "video" / "chair-orig-22-sd-bar.mp4", purpose="reference"))
    return indexes


@pytest.mark.parametrize("name", ["chair-22-sd-sepia-bar.mp4", "chair-19-sd-bar.mp4"])
def test_chair_variants_match_with_aligned_timestamps(visual_fingerprinter: Fingerprinter, chair_indexes: IndexSet,
                                                       shared_data: Path, name: str) -> None:
    result = match(visual_fingerprinter.fingerprint_file(shared_data / "video" / name, purpose="query"), chair_indexes)
    summary = result.owner("chair")
    assert summary is not None and [o.owner for o in result.owners] == ["chair"]
    assert summary.share >= 0.8
    alignment = summary.alignment
    assert alignment is not None and alignment.inliers >= 0.8 * summary.frames_matched
    assert alignment.rate == pytest.approx(1.0, abs=0.05)
    # every matched frame sits on the fitted line: the timestamps agree, not just the pictures
    for m in result.matches:
        expected = alignment.rate * m.query_time_s + alignment.offset_s
        assert abs(m.matched_time_s - expected) <= 1.5, m
    if "sepia" in name:
        assert alignment.offset_s == pytest.approx(0.0, abs=0.5)   # same cut, re-graded


@pytest.mark.parametrize("name", ["pattern-hd-no-bar.mp4", "pattern-sd-grey-bar.mp4"])
def test_pattern_videos_do_not_match_the_chair(visual_fingerprinter: Fingerprinter, chair_indexes: IndexSet,
                                               shared_data: Path, name: str) -> None:
    result = match(visual_fingerprinter.fingerprint_file(shared_data / "video" / name, purpose="query"), chair_indexes)
    assert result.matches == [] and result.owners == []


@pytest.fixture(scope="module")
def people(fingerprinter: Fingerprinter, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> IndexSet:
    indexes = IndexSet(tmp_path_factory.mktemp("people"), fingerprinter.config)
    for person, photo in (("obama", "obama_1.jpg"), ("biden", "biden_1.jpg")):
        added = indexes.add_person(person, fingerprinter.fingerprint_file(shared_data / "faces" / photo, purpose="likeness"))
        assert added == 1
    return indexes


@pytest.mark.parametrize("photo,expected", [("obama_2.jpg", {"obama"}), ("obama_480p.jpg", {"obama"}),
                                            ("biden_2.jpg", {"biden"}), ("two_people.jpg", {"obama", "biden"})])
def test_enrolled_people_are_recognised(fingerprinter: Fingerprinter, people: IndexSet, shared_data: Path,
                                        photo: str, expected: set[str]) -> None:
    result = match(fingerprinter.fingerprint_file(shared_data / "faces" / photo, purpose="query"), people)
    assert {o.owner for o in result.owners} == expected
    assert all(o.owner_kind == "person" and o.methods == ["face"] for o in result.owners)
    if photo == "two_people.jpg":
        boxes = {m.owner: m.detail["box"] for m in result.matches}
        assert boxes["obama"] != boxes["biden"]   # two different faces, one per person


def test_hamilton_clip_faces_have_timestamps_and_match_nobody(fingerprinter: Fingerprinter, people: IndexSet,
                                                              shared_data: Path) -> None:
    query = fingerprinter.fingerprint_file(shared_data / "video" / "short_hamilton_clip.mp4", purpose="query")
    with_faces = [f.time_s for f in query.frames if f.faces]
    assert len(with_faces) >= 3 and len(set(with_faces)) == len(with_faces)
    assert max(with_faces) > 2.0
    result = match(query, people)
    assert result.owners == [] and "identity" in result.channels.ran


def test_bridge_modifications_still_match_through_ivf_indexes(visual_fingerprinter: Fingerprinter, shared_data: Path,
                                                              tmp_path: Path) -> None:
    """The approximate (IVF) keypoint and PDQ indexes used at scale keep finding real copies."""
    config = visual_fingerprinter.config.with_(keypoints_flat_index_max_vectors=1_000, pdq_flat_index_max_vectors=5)
    indexes = IndexSet(tmp_path, config)
    for path in _ukbench(shared_data) + [shared_data / "near-duplicates" / "bridge" / "aaa-orig.jpg"]:
        indexes.add_asset(path.stem, visual_fingerprinter.fingerprint_file(path, purpose="reference"))
    assert indexes.stats()["keypoints"]["index_type"].startswith("ivf")
    assert indexes.stats()["pdq"]["index_type"].startswith("ivf")
    for path in sorted((shared_data / "near-duplicates" / "bridge").glob("*.jpg")):
        result = match(visual_fingerprinter.fingerprint_file(path, purpose="query"), indexes, config)
        assert {o.owner for o in result.owners} == {"aaa-orig"}, path.name
