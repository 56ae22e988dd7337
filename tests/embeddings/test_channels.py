"""Channels in isolation: PDQ variants, border trimming, keypoints, faces, CLIP plumbing, status."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings import (ConfigError, EmbeddingsConfig, EmbeddingsError, Fingerprinter, MediaFingerprints,
                        ModelUnavailable, config_fields)
from embeddings.config import setting_name
from embeddings.channels.identity import face_models_dir
from embeddings.channels.keypoints import query_keypoints, reference_keypoints, verify_homography
from embeddings.channels.perceptual import centre_code, centre_hypotheses, hamming, perceptual_hashes, phash, trim_borders
from embeddings.channels.semantic import build_untrained_clip_for_plumbing_tests, load_clip
from embeddings.media import media_from_image_array
from embeddings import transforms as T

from .conftest import image_of


def test_package_knows_nothing_of_the_ledger() -> None:
    import re
    import subprocess

    import embeddings

    code = ("import sys, embeddings, embeddings.matching, embeddings.index, embeddings.transforms; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ledger', 'policies')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    imports = re.compile(r"^\s*(from|import)\s+(ledger|policies)\b", re.M)
    assert not [p for p in Path(embeddings.__file__).parent.rglob("*.py") if imports.search(p.read_text())]


def test_pdq_dihedral_variants_cover_flips_and_rotations(shared_data: Path) -> None:
    image = image_of(shared_data / "near-duplicates" / "bridge" / "aaa-orig.jpg")
    reference = perceptual_hashes(image).pdq
    for transform in (T.flip_h, T.flip_v, T.rot90, T.rot180, T.rot270):
        query = perceptual_hashes(transform(image), dihedral=True)
        assert hamming(query.pdq, reference) > 64                       # the upright hash alone misses
        assert min(hamming(v, reference) for v in query.pdq_dihedral) <= 16


def _vertical(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    width = h * 9 // 16
    return np.ascontiguousarray(image[:, (w - width) // 2:(w - width) // 2 + width])


def test_a_centred_reframing_hashes_its_sources_central_square(shared_data: Path) -> None:
    """One of a query's central squares is the registered one, scaled: for centred crops, a 9:16 cut
    (also pillarboxed back to 4:3) and a zoom, not for another photograph or a corner crop."""
    photos = sorted(p for p in (shared_data / "near-duplicates" / "ukbench").glob("*.jpg") if "_resize" not in p.name)
    images = [image_of(p) for p in photos[:6]]
    stored = [centre_code(image) for image in images]
    pillarbox = T.letterbox(4 / 3, colour=(0, 0, 0))
    for k, image in enumerate(images):
        for name, transform in (("centre", T.crop_area(0.5)), ("9:16", _vertical), ("zoom", T.crop(0.7)),
                                ("9:16 boxed", lambda i: pillarbox(_vertical(i)))):
            hypotheses = centre_hypotheses(transform(image))
            assert min(hamming(h, stored[k]) for h in hypotheses) <= 40, (photos[k].name, name)
            others = [c for j, c in enumerate(stored) if j != k]
            assert min(hamming(h, c) for h in hypotheses for c in others) > 64, (photos[k].name, name)
        corner = centre_hypotheses(T.crop_area(0.5, anchor=(0.0, 1.0))(image))
        assert min(hamming(h, stored[k]) for h in corner) > 64   # the square is cut: not found this way


def test_phash_is_imagehashs_phash(shared_data: Path) -> None:
    import imagehash
    from PIL import Image

    files = sorted((shared_data / "near-duplicates").rglob("*.jpg")) + sorted((shared_data / "faces").glob("*.jpg"))
    assert len(files) >= 20
    for path in files:
        image = image_of(path)
        assert phash(image) == str(imagehash.phash(Image.fromarray(image))), path.name


def test_letterbox_bars_are_trimmed(shared_data: Path) -> None:
    image = image_of(shared_data / "near-duplicates" / "ukbench" / "ukbench09040.jpg")
    boxed = T.letterbox(2.4, colour=(40, 40, 40))(image)
    inner, _box = trim_borders(boxed)
    assert abs(inner.shape[0] - image.shape[0]) <= 2 and abs(inner.shape[1] - image.shape[1]) <= 2
    assert hamming(perceptual_hashes(boxed).pdq, perceptual_hashes(image).pdq) <= 16


def test_keypoint_verification_accepts_a_crop_and_refuses_another_photo(shared_data: Path) -> None:
    folder = shared_data / "near-duplicates" / "ukbench"
    image, other = image_of(folder / "ukbench09060.jpg"), image_of(folder / "ukbench09348.jpg")
    ref = reference_keypoints(image, max_side=640, count=500)
    import faiss

    index = faiss.IndexBinaryFlat(256)
    index.add(ref.descriptors)

    def inliers(query_image: np.ndarray) -> int:
        upright, _ = query_keypoints(query_image, max_side=640, count=600)
        dist, ids = index.search(upright.descriptors, 1)
        keep = dist[:, 0] <= 64
        return verify_homography(upright.xy[keep], ref.xy[ids[keep, 0]])

    assert inliers(T.crop_area(0.5, anchor=(1.0, 0.0))(image)) >= 24
    assert inliers(other) < 24


def test_face_models_are_found_without_importing_the_package() -> None:
    folder = face_models_dir()
    assert (folder / "dlib_face_recognition_resnet_model_v1.dat").is_file()
    assert "face_recognition_models" not in sys.modules


def test_missing_clip_weights_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable) as caught:
        load_clip(EmbeddingsConfig(clip_checkpoint=tmp_path / "nope.pt"))
    assert caught.value.setting == "CLEARANCE_CLIP_CHECKPOINT" and str(tmp_path / "nope.pt") in caught.value.diagnostics()
    with pytest.raises(ModelUnavailable) as uncached:
        load_clip(EmbeddingsConfig(clip_pretrained="laion2b_s34b_b79k", clip_cache_dir=tmp_path))
    assert uncached.value.setting == "CLEARANCE_CLIP_PRETRAINED"


def test_status_reports_unavailable_semantic_channel_with_reason(tmp_path: Path) -> None:
    status = Fingerprinter(EmbeddingsConfig(clip_checkpoint=tmp_path / "w.pt", identity_enabled=False,
                                            voice_enabled=False)).status
    assert status.ran == ["exact", "perceptual"]
    assert f"no CLIP weights at {tmp_path / 'w.pt'}" in status.unavailable["semantic"]
    assert "CLEARANCE_IDENTITY_ENABLED" in status.unavailable["identity"]
    assert any(line.startswith("semantic: unavailable") for line in status.lines())


def test_untrained_clip_plumbing_only_is_labelled_and_not_used_as_evidence(shared_data: Path, tmp_path: Path) -> None:
    from embeddings import IndexSet, match

    clip = build_untrained_clip_for_plumbing_tests()
    fingerprinter = Fingerprinter(EmbeddingsConfig(identity_enabled=False, keypoints_enabled=False), clip=clip)
    assert fingerprinter.status.get("semantic").pretrained is False
    image = image_of(shared_data / "near-duplicates" / "ukbench" / "ukbench09040.jpg")
    reference = fingerprinter.fingerprint(media_from_image_array(image), purpose="reference")
    assert reference.frames[0].clip.shape == (32,)
    assert np.linalg.norm(reference.frames[0].clip) == pytest.approx(1.0, abs=1e-4)
    indexes = IndexSet(tmp_path)
    indexes.add_asset("a", reference)
    query = fingerprinter.fingerprint(media_from_image_array(image), purpose="query")
    plain = match(query, indexes)
    assert "clip" not in {m.method for m in plain.matches}
    assert "untrained" in plain.channels.unavailable["semantic"]
    plumbing = match(query, indexes, allow_untrained_clip=True)
    clip_matches = [m for m in plumbing.matches if m.method == "clip"]
    assert clip_matches and all(m.detail["untrained"] for m in clip_matches)


def test_fingerprints_round_trip_through_json(fingerprinter: Fingerprinter, shared_data: Path) -> None:
    record = fingerprinter.fingerprint_file(shared_data / "faces" / "two_people.jpg", purpose="query")
    back = MediaFingerprints.from_dict(json.loads(json.dumps(record.to_dict())))
    assert back.sha256 == record.sha256 and len(back.frames[0].faces) == 2
    assert np.array_equal(back.frames[0].faces[1].descriptor, record.frames[0].faces[1].descriptor)
    assert np.array_equal(back.frames[0].keypoints.descriptors, record.frames[0].keypoints.descriptors)
    assert back.channels.ran == record.channels.ran
    reference = fingerprinter.fingerprint_file(shared_data / "faces" / "two_people.jpg", purpose="reference")
    assert reference.frames[0].pdq_centre is not None
    again = MediaFingerprints.from_dict(json.loads(json.dumps(reference.to_dict())))
    assert again.frames[0].pdq_centre == reference.frames[0].pdq_centre


def test_config_from_mapping_converts_text_to_each_fields_type(tmp_path: Path) -> None:
    config = EmbeddingsConfig.from_mapping({"clip_checkpoint": str(tmp_path / "w.pt"),
                                            "semantic_enabled": "no", "max_pixels": "1000",
                                            "face_max_distance": "0.5", "clip_pretrained": ""})
    assert config.clip_checkpoint == tmp_path / "w.pt" and config.semantic_enabled is False
    assert config.max_pixels == 1000 and config.face_max_distance == 0.5 and config.clip_pretrained is None
    typed = EmbeddingsConfig.from_mapping({"identity_enabled": False, "decode_timeout_s": 30, "clip_threads": 4})
    assert typed.identity_enabled is False and typed.decode_timeout_s == 30.0 and typed.clip_threads == 4
    assert EmbeddingsConfig.from_mapping({}) == EmbeddingsConfig()
    with pytest.raises(ValueError, match="identity_enabled"):
        EmbeddingsConfig.from_mapping({"identity_enabled": "maybe"})


@pytest.mark.parametrize(("values", "field", "expected"), [
    ({"identity_enabled": "maybe"}, "identity_enabled", "a boolean"),
    ({"max_pixels": "lots"}, "max_pixels", "an integer"),
    ({"max_pixels": "2.5"}, "max_pixels", "an integer"),
    ({"max_bytes": True}, "max_bytes", "an integer"),
    ({"clip_threads": "0"}, "clip_threads", "at least 1"),
    ({"face_max_distance": "-0.1"}, "face_max_distance", "at least 0"),
    ({"decode_timeout_s": "inf"}, "decode_timeout_s", "a number"),
    ({"clip_model": 3}, "clip_model", "non-empty text"),
    ({"clip_model": ""}, "clip_model", "non-empty text"),
    ({"clip_checkpoint": 7}, "clip_checkpoint", "a file path"),
])
def test_config_from_mapping_names_the_field_and_what_it_expects(values: dict, field: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        EmbeddingsConfig.from_mapping(values)
    assert isinstance(caught.value, EmbeddingsError)
    assert caught.value.field == field and not caught.value.unknown
    assert expected in caught.value.expected and f"{field}: expected" in caught.value.diagnostics()
    assert repr(values[field]) in caught.value.diagnostics()


def test_config_from_mapping_refuses_an_unknown_field_and_suggests_the_close_one() -> None:
    with pytest.raises(ConfigError) as caught:
        EmbeddingsConfig.from_mapping({"clip_thread": "2"})
    assert caught.value.field == "clip_thread" and caught.value.unknown
    assert "unknown setting 'clip_thread'" in caught.value.diagnostics() and "'clip_threads'" in caught.value.expected


def test_config_fields_list_every_field_with_its_type() -> None:
    specs = {spec.name: spec for spec in config_fields()}
    assert list(specs) == [f.name for f in dataclasses.fields(EmbeddingsConfig)]
    assert (specs["semantic_enabled"].kind, specs["semantic_enabled"].optional) == (bool, False)
    assert (specs["clip_checkpoint"].kind, specs["clip_checkpoint"].optional) == (Path, True)
    assert (specs["clip_pretrained"].kind, specs["clip_pretrained"].optional) == (str, True)
    assert specs["max_duration_s"].kind is float and specs["max_pixels"].kind is int
    assert specs["pdq_max_distance"].default == EmbeddingsConfig().pdq_max_distance
    assert setting_name("clip_checkpoint") == "CLEARANCE_CLIP_CHECKPOINT"


def test_process_pool_entry_point_fingerprints_and_reports_bad_files(shared_data: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from embeddings import MediaError, fingerprint_path_in_worker

    config = EmbeddingsConfig(semantic_enabled=False, identity_enabled=False)
    files = [shared_data / "near-duplicates" / "bridge" / "aaa-orig.jpg", shared_data / "malformed" / "ukbench09268_corrupt.jpg"]
    with ProcessPoolExecutor(max_workers=1) as pool:
        futures = [pool.submit(fingerprint_path_in_worker, path, "reference", config) for path in files]
        good = futures[0].result()
        with pytest.raises(MediaError) as caught:
            futures[1].result()
    assert good.frames[0].pdq is not None and len(good.frames[0].keypoints) > 100
    assert "ukbench09268_corrupt.jpg" in caught.value.diagnostics()


def test_face_detector_cache_is_written_once_and_finds_the_same_faces(shared_data: Path, tmp_path: Path) -> None:
    from embeddings.channels.identity import FaceEmbedder, frontal_face_detector

    image = image_of(shared_data / "faces" / "two_people.jpg")
    cache = tmp_path / "cache" / "detector.svm"
    built = frontal_face_detector(cache)
    assert cache.is_file() and cache.stat().st_size > 100_000
    loaded = frontal_face_detector(cache)
    assert [r for r in built.run(image, 0, 0.0)[0]] == [r for r in loaded.run(image, 0, 0.0)[0]]
    assert len(FaceEmbedder(upsample=0, detector_cache=cache).faces(image)) == 2
    cache.write_bytes(b"torn")                       # a damaged cache is rebuilt, not trusted
    assert len(frontal_face_detector(cache).run(image, 0, 0.0)[0]) == 2 and cache.stat().st_size > 100_000
    assert not list(cache.parent.glob("*.tmp"))


def test_two_fingerprinting_threads_find_the_same_faces_as_one(shared_data: Path) -> None:
    """dlib's models keep state while they run: shared between threads they returned one frame's faces
    for another. Each call borrows its own set, so a clip fingerprinted on two threads gets exactly the
    faces, boxes and descriptors that one thread finds."""
    clip = shared_data / "video" / "short_hamilton_clip.mp4"
    config = EmbeddingsConfig(semantic_enabled=False, voice_enabled=False)
    one, two = (Fingerprinter(config.with_(fingerprint_threads=n)).fingerprint_file(clip, purpose="query")
                for n in (1, 2))
    assert sum(len(f.faces) for f in one.frames) >= 5
    for a, b in zip(one.frames, two.frames, strict=True):
        assert a.time_s == b.time_s and a.pdq == b.pdq
        assert [face.box for face in a.faces] == [face.box for face in b.faces]
        assert all(np.array_equal(x.descriptor, y.descriptor) for x, y in zip(a.faces, b.faces))
