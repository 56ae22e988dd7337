"""Indexes: incremental updates, removal, persistence, rebuild and crash consistency."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings import EmbeddingsConfig, IndexCorrupt, IndexSet, MediaFingerprints
from embeddings.channels.identity import Face
from embeddings.channels.keypoints import Keypoints
from embeddings.fingerprint import FrameFingerprint
from embeddings.index import ChannelIndex
from embeddings.status import ChannelState, ChannelStatus

STATUS = ChannelStatus((ChannelState("perceptual", True, "test"),))


def _asset(seed: int, frames: int = 3) -> MediaFingerprints:
    """Fingerprints with random (but reproducible) PDQ hashes, keypoints and CLIP vectors."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(frames):
        clip = rng.normal(size=16).astype(np.float32)
        out.append(FrameFingerprint(
            time_s=float(i), pdq=rng.integers(0, 256, 32, dtype=np.uint8).tobytes(), pdq_quality=100, phash="0" * 16,
            keypoints=Keypoints(rng.uniform(0, 300, (20, 2)).astype(np.float32), rng.integers(0, 256, (20, 32), dtype=np.uint8)),
            clip=clip / np.linalg.norm(clip)))
    return MediaFingerprints(sha256=f"{seed:064x}", kind="video", width=64, height=64, duration_s=float(frames),
                             fps=1.0, purpose="reference", frames=out, channels=STATUS)


def _person(seed: int) -> MediaFingerprints:
    rng = np.random.default_rng(seed)
    face = Face(box=(0, 0, 10, 10), descriptor=rng.normal(size=128).astype(np.float32) * 0.1, detector_score=1.0)
    return MediaFingerprints(sha256="f" * 64, kind="image", width=64, height=64, duration_s=None, fps=None,
                             purpose="likeness", frames=[FrameFingerprint(time_s=0.0, faces=[face])], channels=STATUS)


def _nearest_owner(indexes: IndexSet, fingerprints: MediaFingerprints, frame: int = 1) -> tuple[str, float, int]:
    channel = indexes.channels["pdq"]
    dist, rows = channel.search(np.frombuffer(fingerprints.frames[frame].pdq, np.uint8)[None, :], 1)
    key = channel.key(int(rows[0, 0]))
    return key.owner, key.time_s, int(dist[0, 0])


def test_add_search_remove_and_reopen(index_dir: Path) -> None:
    indexes = IndexSet(index_dir)
    a, b = _asset(1), _asset(2)
    assert indexes.add_asset("asset-a", a) == {"pdq": 3, "keypoints": 60, "clip": 3}
    indexes.add_asset("asset-b", b)
    assert indexes.add_person("person-x", _person(3)) == 1
    assert _nearest_owner(indexes, b) == ("asset-b", 1.0, 0)
    indexes.save(revision="r1")

    reopened = IndexSet.open(index_dir)
    assert reopened.revision == "r1" and reopened.generation == 1
    assert _nearest_owner(reopened, a) == ("asset-a", 1.0, 0)
    assert reopened.stats()["keypoints"]["vectors"] == 120

    assert reopened.remove("asset-a") == 3 + 60 + 3
    assert reopened.remove("asset-a") == 0
    owner, _, distance = _nearest_owner(reopened, a)
    assert owner == "asset-b" and distance > 0
    reopened.add_asset("asset-c", _asset(4))   # ids keep increasing after a removal
    reopened.save(revision="r2")
    again = IndexSet.open(index_dir)
    assert again.revision == "r2" and again.stats()["pdq"]["owners"] == 2
    assert _nearest_owner(again, _asset(4), 2) == ("asset-c", 2.0, 0)
    assert sorted(p.name for p in index_dir.iterdir() if p.name.endswith(".faiss")) == \
        sorted([f"{c}-2.faiss" for c in ("pdq", "keypoints", "clip")] + ["face-1.faiss", "voice-1.faiss"])  # old generations collected


def test_rebuild_from_stored_records_equals_incremental(index_dir: Path, tmp_path: Path) -> None:
    stored = {f"asset-{i}": _asset(i).to_dict() for i in range(5)}   # what the ledger keeps (JSON)
    people = {"person-1": _person(10).to_dict()}
    rebuilt = IndexSet.rebuild(index_dir, assets=((k, MediaFingerprints.from_dict(json.loads(json.dumps(v))))
                                                  for k, v in stored.items()),
                               people=((k, MediaFingerprints.from_dict(v)) for k, v in people.items()), revision="42")
    incremental = IndexSet(tmp_path / "other")
    for k, v in stored.items():
        incremental.add_asset(k, MediaFingerprints.from_dict(v))
    for name in ("pdq", "keypoints", "clip"):
        assert np.array_equal(rebuilt.channels[name].vectors, incremental.channels[name].vectors)
    assert IndexSet.open(index_dir).revision == "42"
    assert _nearest_owner(IndexSet.open(index_dir), _asset(3)) == ("asset-3", 1.0, 0)


def test_crash_before_manifest_switch_keeps_the_old_generation(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    indexes = IndexSet(index_dir)
    indexes.add_asset("asset-a", _asset(1))
    indexes.save(revision="r1")
    indexes.add_asset("asset-b", _asset(2))
    import embeddings.index as index_module
    real_write = index_module._write_atomic

    def crash_on_manifest(path: Path, blob: bytes) -> None:
        if path.name == "manifest.json":
            raise OSError("simulated power cut")
        real_write(path, blob)

    monkeypatch.setattr(index_module, "_write_atomic", crash_on_manifest)
    with pytest.raises(OSError):
        indexes.save(revision="r2")
    monkeypatch.undo()
    survivor = IndexSet.open(index_dir)
    assert survivor.revision == "r1"            # the caller sees it is behind "r2" and rebuilds
    assert survivor.stats()["pdq"]["owners"] == 1
    survivor.add_asset("asset-b", _asset(2))
    survivor.save(revision="r2")                # the orphaned files of the failed save are collected
    assert IndexSet.open(index_dir).stats()["pdq"]["owners"] == 2


def test_torn_or_missing_file_is_detected(index_dir: Path) -> None:
    indexes = IndexSet(index_dir)
    indexes.add_asset("asset-a", _asset(1))
    indexes.save(revision="r1")
    data_file = index_dir / "pdq-1.npz"
    data_file.write_bytes(data_file.read_bytes()[:-10])
    with pytest.raises(IndexCorrupt, match="checksum"):
        IndexSet.open(index_dir)
    data_file.unlink()
    with pytest.raises(IndexCorrupt, match="missing"):
        IndexSet.open(index_dir)
    (index_dir / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="rebuild"):
        IndexSet.open(index_dir)
    IndexSet.rebuild(index_dir, assets=[("asset-a", _asset(1))], revision="r1")
    assert IndexSet.open(index_dir).stats()["pdq"]["vectors"] == 3


def test_large_channels_switch_to_ivf_and_still_find_and_remove(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    channel = ChannelIndex("pdq", "hamming", flat_max=2_000)
    hashes = rng.integers(0, 256, (5_000, 32), dtype=np.uint8)
    channel.add("bulk", hashes[:4_000], np.zeros(4_000), np.arange(4_000))
    channel.add("late", hashes[4_000:], np.ones(1_000), np.arange(1_000))
    assert channel.index_type.startswith("ivf")
    dist, rows = channel.search(hashes[[10, 4_500]], 1)
    assert dist[:, 0].tolist() == [0, 0] and [channel.owner_of(r) for r in rows[:, 0]] == ["bulk", "late"]
    assert channel.remove_owner("late") == 1_000
    _, rows = channel.search(hashes[[4_500]], 1)
    assert rows[0, 0] == -1 or channel.owner_of(rows[0, 0]) == "bulk"
    faces = ChannelIndex("face", "l2", flat_max=500)
    vectors = rng.normal(size=(1_000, 128)).astype(np.float32)
    faces.add("p", vectors, np.zeros(1_000), np.arange(1_000))
    dist, rows = faces.search(vectors[[3]], 1)
    assert faces.index_type.startswith("ivf") and rows[0, 0] == 3 and dist[0, 0] == pytest.approx(0, abs=1e-3)


def test_mismatched_vector_width_is_refused() -> None:
    channel = ChannelIndex("clip", "ip", flat_max=100)
    channel.add("a", np.ones((1, 8), np.float32), [0.0], [0])
    with pytest.raises(ValueError, match="width"):
        channel.add("b", np.ones((1, 16), np.float32), [0.0], [0])


def test_config_thresholds_reach_the_index(index_dir: Path) -> None:
    fingerprints = _asset(1)
    fingerprints.frames[0].pdq_quality = 10
    indexes = IndexSet(index_dir, EmbeddingsConfig(pdq_min_quality=50))
    assert indexes.add_asset("a", fingerprints)["pdq"] == 2   # the flat frame is not indexed


def test_ivf_channels_survive_save_and_open(index_dir: Path) -> None:
    config = EmbeddingsConfig(flat_index_max_vectors=500, pdq_flat_index_max_vectors=50, keypoints_flat_index_max_vectors=500)
    indexes = IndexSet(index_dir, config)
    for i in range(30):
        indexes.add_asset(f"asset-{i}", _asset(i, frames=4))   # 30 x 4 x 20 = 2 400 keypoint vectors
    assert indexes.stats()["keypoints"]["index_type"].startswith("ivf")
    assert indexes.stats()["pdq"]["index_type"].startswith("ivf")
    indexes.save(revision="r")
    reopened = IndexSet.open(index_dir, config)
    assert reopened.channels["pdq"].index.nprobe == 64 and reopened.channels["keypoints"].index.nprobe == 32
    assert _nearest_owner(reopened, _asset(17, frames=4)) == ("asset-17", 1.0, 0)
    assert reopened.remove("asset-17") == 4 + 80 + 4
