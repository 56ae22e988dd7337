"""The compact index tier: PDQ codes in memory, keypoints on disk per asset, exact removal."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from embeddings import ConfigError, EmbeddingsConfig, Fingerprinter, IndexCorrupt, IndexSet, match
from embeddings.compact import CHUNK_MAGIC, FrameCodeIndex, KeypointStore
from embeddings.media import media_from_image_array
from embeddings.status import ChannelStatus
from embeddings.transforms import crop_area, flip_h, text_overlay

from .conftest import TEST_CONFIG, image_of

COMPACT = TEST_CONFIG.with_(index_tier="compact", identity_enabled=False)

pytestmark = pytest.mark.corpus


def _photos(shared_data: Path) -> list[Path]:
    return sorted(p for p in (shared_data / "near-duplicates" / "ukbench").glob("*.jpg") if "_resize" not in p.name)


@pytest.fixture(scope="module")
def compact_fingerprinter() -> Fingerprinter:
    return Fingerprinter(COMPACT)


def _register(fingerprinter: Fingerprinter, directory: Path, photos: list[Path], config: EmbeddingsConfig) -> IndexSet:
    indexes = IndexSet(directory, config)
    for path in photos:
        indexes.add_asset(path.stem, fingerprinter.fingerprint_file(path, purpose="reference"))
    return indexes


def _owners(fingerprinter: Fingerprinter, indexes: IndexSet, image: np.ndarray) -> set[str]:
    query = fingerprinter.fingerprint(media_from_image_array(image), purpose="query")
    return {o.owner for o in match(query, indexes).owners}


def test_small_world_keeps_every_copy_with_keypoints_on_disk(compact_fingerprinter: Fingerprinter,
                                                              shared_data: Path, tmp_path: Path) -> None:
    photos = _photos(shared_data)
    indexes = _register(compact_fingerprinter, tmp_path / "ix", photos, COMPACT)
    assert indexes.channels["keypoints"].vectors.shape[0] == 0          # nothing resident
    stats = indexes.stats()
    assert stats["keypoints"]["frames"] == len(photos) and stats["keypoints"]["owners"] == len(photos)
    assert 0 < stats["keypoints"]["bytes_on_disk"] <= 4096 * len(photos)     # the 4 KB a frame
    memory = indexes.channels["pdq"].memory_bytes()
    assert (memory["pdq_codes"] + memory["faiss_ids"] + memory["keys"]) / len(photos) <= 100
    original = photos[3]
    image = image_of(original)
    for name, copy in {"crop": crop_area(0.5, anchor=(0.0, 1.0))(image), "caption": text_overlay()(image),
                       "flip": flip_h(image)}.items():
        assert _owners(compact_fingerprinter, indexes, copy) == {original.stem}, name
    small = match(compact_fingerprinter.fingerprint(media_from_image_array(image), purpose="query"), indexes)
    assert small.channels.limits == {} and "limits" not in small.to_dict()["channels"]   # every frame verified
    indexes.save(revision="r1")
    reopened = IndexSet.open(tmp_path / "ix", COMPACT)
    assert _owners(compact_fingerprinter, reopened, crop_area(0.5)(image)) == {original.stem}
    with pytest.raises(IndexCorrupt, match="tier"):
        IndexSet.open(tmp_path / "ix", TEST_CONFIG)
    (tmp_path / "ix" / "keypoints" / "0123-0.npz").write_bytes(b"PK")   # a file of the 17 KB-a-frame format
    with pytest.raises(IndexCorrupt, match="older format"):
        IndexSet.open(tmp_path / "ix", COMPACT)


def test_removal_by_owner_is_exact(compact_fingerprinter: Fingerprinter, shared_data: Path, tmp_path: Path) -> None:
    photos = _photos(shared_data)[:4]
    indexes = _register(compact_fingerprinter, tmp_path / "ix", photos, COMPACT)
    gone = photos[1]
    assert indexes.keypoint_store is not None and indexes.keypoint_store.chunk_paths(gone.stem)
    removed = indexes.remove(gone.stem)
    assert removed > 1
    assert indexes.keypoint_store.chunk_paths(gone.stem) == []
    image = image_of(gone)
    assert _owners(compact_fingerprinter, indexes, image) == set()
    assert _owners(compact_fingerprinter, indexes, crop_area(0.5)(image)) == set()
    indexes.save(revision="r2")
    assert _owners(compact_fingerprinter, IndexSet.open(tmp_path / "ix", COMPACT), image) == set()


def test_large_world_verifies_the_pdq_candidates_from_disk(compact_fingerprinter: Fingerprinter,
                                                           shared_data: Path, tmp_path: Path) -> None:
    """Past the exhaustive size only PDQ candidates are verified: a captioned copy still is, by keypoints."""
    config = COMPACT.with_(keypoints_exhaustive_max_frames=0)
    photos = _photos(shared_data)
    indexes = _register(compact_fingerprinter, tmp_path / "ix", photos, config)
    original = photos[5]
    query = compact_fingerprinter.fingerprint(media_from_image_array(text_overlay()(image_of(original))), purpose="query")
    result = match(query, indexes, config)
    assert {o.owner for o in result.owners} == {original.stem}
    assert "keypoints" in result.owners[0].methods
    # the result says what it did not search: the verdict's "no match" covers the candidates only
    left_out = result.channels.limits["perceptual"]
    assert re.search(r"ORB keypoints verified on \d+ stored frames of 1 candidate assets only", left_out), left_out
    assert "off-centre crop" in left_out and "keypoints_exhaustive_max_frames = 0" in left_out
    assert set(result.channels.limits) == {"perceptual"}
    shown = result.to_dict()["channels"]
    assert shown["limits"] == result.channels.limits
    assert ChannelStatus.from_dict(shown).limits == result.channels.limits   # kept in stored results


def test_centred_reframings_are_verified_past_the_exhaustive_size(compact_fingerprinter: Fingerprinter,
                                                                   shared_data: Path, tmp_path: Path) -> None:
    """A crop's full-frame PDQ is as far from its source as another picture's; the central square of
    a centred reframing is not: a half-area centre crop and a 9:16 cut are verified and found, with
    nothing else matched, where only candidates are verified."""
    config = COMPACT.with_(keypoints_exhaustive_max_frames=0)
    photos = _photos(shared_data)[:6]
    indexes = _register(compact_fingerprinter, tmp_path / "ix", photos, config)
    channel = indexes.channels["pdq"]
    assert isinstance(channel, FrameCodeIndex) and channel.centre_count() == len(channel) == len(photos)
    for photo in photos[:3]:
        image = image_of(photo)
        height, width = image.shape[:2]
        vertical = np.ascontiguousarray(image[:, (width - height * 9 // 16) // 2:][:, :height * 9 // 16])
        for name, copy in (("centre crop", crop_area(0.5)(image)), ("9:16", vertical)):
            assert _owners(compact_fingerprinter, indexes, copy) == {photo.stem}, (photo.name, name)


def test_centre_codes_leave_with_their_owner_and_survive_a_reload(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    codes, centre = (rng.integers(0, 256, (3_000, 32), dtype=np.uint8) for _ in range(2))
    index = FrameCodeIndex(flat_max=1_000, nprobe=64)
    index.add("a", codes[:2_000], np.arange(2_000), np.arange(2_000), aux=centre[:2_000])
    index.add("b", codes[2_000:], np.ones(1_000), np.arange(1_000), aux=centre[2_000:])
    index.add("old", codes[:5], np.zeros(5), np.arange(5))   # recorded before centre codes: none
    assert index.centre_is_ivf and index.centre_count() == 3_000 and len(index) == 3_005
    dist, rows = index.search_centre(centre[[7, 2_500]], 1)
    assert dist[:, 0].tolist() == [0, 0] and [index.owner_of(r) for r in rows[:, 0]] == ["a", "b"]
    assert index.remove_owner("b") == 1_000 and index.centre_count() == 2_000
    _, rows = index.search_centre(centre[[2_500]], 5)
    assert all(r < 0 or index.owner_of(r) == "a" for r in rows[0])
    again = FrameCodeIndex.from_files("pdq", 1_000, *index.to_files())
    assert again.centre_count() == 2_000 and again.key(int(again.search_centre(centre[[9]], 1)[1][0, 0])).ref == 9
    memory = again.memory_bytes()
    assert memory["centre_codes"] == 2_000 * 32 and memory["keys"] == len(again) * 18


def test_an_index_written_before_centre_codes_still_opens(tmp_path: Path) -> None:
    """The layout before centre codes (no centre index, two meta values, 32-bit frame numbers) loads as
    an index without centre codes."""
    import io

    index = FrameCodeIndex(flat_max=1_000)
    index.add("a", np.random.default_rng(1).integers(0, 256, (10, 32), dtype=np.uint8), np.arange(10), np.arange(10))
    faiss_bytes, npz_bytes = index.to_files()
    data = dict(np.load(io.BytesIO(npz_bytes)))
    data["meta"], data["refs"] = data["meta"][:2], data["refs"].astype(np.int32)
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    old = FrameCodeIndex.from_files("pdq", 1_000, faiss_bytes, buffer.getvalue())
    assert len(old) == 10 and old.centre_count() == 0 and old.refs.dtype == np.uint16
    assert old.search_centre(np.zeros((1, 32), np.uint8), 1)[1][0, 0] == -1


def test_the_compact_tier_numbers_at_most_65536_frames_an_asset(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_frames_per_asset"):
        IndexSet(tmp_path / "ix", EmbeddingsConfig(index_tier="compact", max_frames_per_asset=70_000))
    with pytest.raises(ValueError, match="frame numbers"):
        FrameCodeIndex(flat_max=10).add("a", np.zeros((1, 32), np.uint8), np.zeros(1), np.array([70_000]))


def test_frame_codes_switch_to_ivf_and_remove_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, (3_000, 32), dtype=np.uint8)
    index = FrameCodeIndex(flat_max=1_000, nprobe=64)
    index.add("a", codes[:2_000], np.arange(2_000), np.arange(2_000))
    index.add("b", codes[2_000:], np.ones(1_000), np.arange(1_000))
    assert index.index_type.startswith("ivf")
    dist, rows = index.search(codes[[5, 2_500]], 1)
    assert dist[:, 0].tolist() == [0, 0] and [index.owner_of(r) for r in rows[:, 0]] == ["a", "b"]
    assert index.remove_owner("b") == 1_000 and index.remove_owner("b") == 0
    _, rows = index.search(codes[[2_500]], 5)
    assert all(r < 0 or index.owner_of(r) == "a" for r in rows[0])
    again = FrameCodeIndex.from_files("pdq", 1_000, *index.to_files())
    assert len(again) == 2_000 and again.key(int(again.search(codes[[7]], 1)[1][0, 0])).time_s == 7.0


def test_the_ivf_searches_as_many_lists_as_the_setting_says(compact_fingerprinter: Fingerprinter, tmp_path: Path) -> None:
    """``pdq_ivf_nprobe`` reaches the IVF a large library's PDQ codes live in, built and reloaded; a match
    result says its PDQ search was approximate."""
    config = EmbeddingsConfig(index_tier="compact", pdq_flat_index_max_vectors=1_000, pdq_ivf_nprobe=9)
    indexes = IndexSet(tmp_path / "ix", config)
    channel = indexes.channels["pdq"]
    assert isinstance(channel, FrameCodeIndex)
    codes = np.random.default_rng(5).integers(0, 256, (2_000, 32), dtype=np.uint8)
    channel.add("a", codes, np.arange(2_000), np.arange(2_000))
    assert channel.index_type.startswith("ivf") and channel.index is not None and channel.index.nprobe == 9
    indexes.save()
    reopened = IndexSet.open(tmp_path / "ix", config.with_(pdq_ivf_nprobe=17))
    again = reopened.channels["pdq"]
    assert isinstance(again, FrameCodeIndex) and again.index is not None and again.index.nprobe == 17
    picture = np.random.default_rng(6).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    query = compact_fingerprinter.fingerprint(media_from_image_array(picture), purpose="query")
    left_out = match(query, reopened).channels.limits["perceptual"]
    assert re.search(r"pdq searched approximately: an IVF index of 2,000 vectors, 17 of \d+ lists", left_out), left_out


def test_unknown_tier_is_refused() -> None:
    from embeddings.errors import ConfigError

    with pytest.raises(ConfigError, match="index_tier"):
        IndexSet("/nonexistent", EmbeddingsConfig(index_tier="cloud"))


def test_searches_run_on_one_thread_and_restore_the_setting() -> None:
    import faiss

    from embeddings.compact import one_search_thread

    before = faiss.omp_get_max_threads()
    with one_search_thread():
        assert faiss.omp_get_max_threads() == 1
    assert faiss.omp_get_max_threads() == before


def test_stored_keypoints_are_the_strongest_spread_prefix_with_quantised_positions(
        compact_fingerprinter: Fingerprinter, shared_data: Path, tmp_path: Path) -> None:
    """What a frame keeps on disk: its first keypoints (strongest, over the grid), leading descriptor bits."""
    record = compact_fingerprinter.fingerprint_file(_photos(shared_data)[0], purpose="reference")
    full = record.frames[0].keypoints
    assert full is not None and len(full) > 230
    store = KeypointStore(tmp_path / "kp", per_frame=230, descriptor_bits=96)
    assert store.put("asset-1", record) == 230
    (path,) = store.chunk_paths("asset-1")
    assert path.read_bytes().startswith(CHUNK_MAGIC) and path.stat().st_size <= 4096
    loaded = KeypointStore(tmp_path / "kp").load("asset-1")
    assert loaded is not None and loaded.owner == "asset-1"
    assert np.array_equal(loaded.descriptors, full.descriptors[:230, :12])
    assert np.abs(loaded.xy - full.xy[:230]).max() <= 1 / 32          # uint16 on a 1/16 px grid
    assert set(loaded.frame_of.tolist()) == {0} and loaded.times.tolist() == [record.frames[0].time_s] * 230
    assert KeypointStore(tmp_path / "kp").frame_counts() == {"asset-1": 1}


def test_damaged_or_old_keypoint_files_say_rebuild(tmp_path: Path) -> None:
    store = KeypointStore(tmp_path / "kp")
    store.directory.mkdir(parents=True)
    (store.directory / f"{store._stem('a')}-0.kps").write_bytes(CHUNK_MAGIC + b"not zlib")
    with pytest.raises(IndexCorrupt, match="rebuild"):
        store.load("a")
    old = KeypointStore(tmp_path / "old")
    old.directory.mkdir(parents=True)
    (old.directory / "abc-0.npz").write_bytes(b"PK")
    with pytest.raises(IndexCorrupt, match="older format"):
        old.frame_counts()

