"""Robustness: copies transformed one way at a time still match, and never match unrelated works.

The transformations are generated here from ../shared/data (``embeddings.transforms``),
re-encoded as JPEG (quality 80) like a real upload, and searched against an
index of registered originals. Unregistered photos put through the same
transformations are the negatives: any match for them, or any match of a
copy to the wrong work, is a false match.
"""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from embeddings import Fingerprinter, IndexSet, match
from embeddings import transforms as T

from .conftest import image_of

pytestmark = pytest.mark.corpus

#: Least recall accepted per transformation (1.0 unless stated). Cropping to half of
#: each side (a quarter of the area) is beyond the "half the frame" the issue asks
#: for and is measured as a stress case.
MIN_RECALL = {"crop_half_sides": 0.75}
QUICK_REFERENCES = ["ukbench00120.jpg", "ukbench08996.jpg", "ukbench09060.jpg", "ukbench09348.jpg", "aaa-orig.jpg"]
NEGATIVES = ["faces/biden_2.jpg", "faces/two_people.jpg", "c2pa/A_no_manifest.jpg"]


def _references(shared_data: Path) -> list[Path]:
    folder = shared_data / "near-duplicates"
    return sorted(p for p in (folder / "ukbench").glob("*.jpg") if "_resize" not in p.name) + [folder / "bridge" / "aaa-orig.jpg"]


def _as_jpeg(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def registered(visual_fingerprinter: Fingerprinter, shared_data: Path,
               tmp_path_factory: pytest.TempPathFactory) -> IndexSet:
    indexes = IndexSet(tmp_path_factory.mktemp("robust"), visual_fingerprinter.config)
    for path in _references(shared_data):
        indexes.add_asset(path.name, visual_fingerprinter.fingerprint_file(path, purpose="reference"))
    return indexes


def _measure(fingerprinter: Fingerprinter, indexes: IndexSet, shared_data: Path, transform: T.Transform,
             references: list[Path]) -> tuple[float, list[str]]:
    """(recall over the references, descriptions of every false match)."""
    hits, false = 0, []
    for path, registered_as in [(p, p.name) for p in references] + [(shared_data / n, None) for n in NEGATIVES]:
        copy = _as_jpeg(transform(image_of(path)))
        result = match(fingerprinter.fingerprint_file(copy, purpose="query", name="copy.jpg"), indexes)
        owners = {o.owner for o in result.owners}
        hits += registered_as in owners
        false += [f"{path.name} -> {o}" for o in owners - {registered_as}]
    return hits / len(references), false


@pytest.mark.parametrize("name", sorted(T.standard_suite()))
def test_each_transformation_matches_without_false_matches(visual_fingerprinter: Fingerprinter, registered: IndexSet,
                                                          shared_data: Path, name: str) -> None:
    folder = shared_data / "near-duplicates"
    references = [folder / ("bridge" if n.startswith("aaa") else "ukbench") / n for n in QUICK_REFERENCES]
    recall, false = _measure(visual_fingerprinter, registered, shared_data, T.standard_suite()[name], references)
    assert false == []
    assert recall >= MIN_RECALL.get(name, 1.0), f"{name}: recall {recall:.2f}"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(T.standard_suite()))
def test_each_transformation_on_every_reference(visual_fingerprinter: Fingerprinter, registered: IndexSet,
                                                shared_data: Path, name: str) -> None:
    recall, false = _measure(visual_fingerprinter, registered, shared_data, T.standard_suite()[name],
                             _references(shared_data))
    assert false == []
    assert recall >= MIN_RECALL.get(name, 1.0), f"{name}: recall {recall:.2f}"


def _transcode(source: Path, target: Path, transform: T.Transform, *, speed: float = 1.0, seconds: float = 12.0) -> Path:
    """Re-encode a clip at 24 fps with ``transform`` on every frame, played ``speed`` times faster."""
    with av.open(str(source)) as src:
        decoded = [(float(f.pts * f.time_base), f.to_ndarray(format="rgb24")) for f in src.decode(video=0)]
    with av.open(str(target), mode="w") as out:
        stream = out.add_stream("mpeg4", rate=24)
        first = transform(decoded[0][1])
        stream.width, stream.height, stream.pix_fmt = first.shape[1] // 2 * 2, first.shape[0] // 2 * 2, "yuv420p"
        times = np.array([t for t, _ in decoded])
        for i in range(int(seconds * 24)):
            wanted = i / 24 * speed
            if wanted > times[-1]:
                break
            frame = transform(decoded[int(np.searchsorted(times, wanted).clip(0, len(decoded) - 1))][1])
            frame = np.ascontiguousarray(frame[: stream.height, : stream.width])
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return target


@pytest.mark.slow
@pytest.mark.parametrize("name,transform,speed", [
    ("retimed_1.25x", lambda f: f, 1.25), ("flipped", T.flip_h, 1.0), ("letterboxed", T.letterbox(16 / 9), 1.0),
    ("cropped_half_area", T.crop_area(0.5, anchor=(0.2, 0.3)), 1.0), ("captioned", T.text_overlay(), 1.0),
    ("regraded", T.regrade(), 1.0)])
def test_video_copies_match_and_align(visual_fingerprinter: Fingerprinter, shared_data: Path, tmp_path: Path,
                                      name: str, transform: T.Transform, speed: float) -> None:
    indexes = IndexSet(tmp_path / "ix", visual_fingerprinter.config)
    for clip in ("chair-orig-22-sd-bar.mp4", "pattern-hd-no-bar.mp4"):
        indexes.add_asset(clip, visual_fingerprinter.fingerprint_file(shared_data / "video" / clip, purpose="reference"))
    copy = _transcode(shared_data / "video" / "chair-orig-22-sd-bar.mp4", tmp_path / f"{name}.mp4", transform, speed=speed)
    result = match(visual_fingerprinter.fingerprint_file(copy, purpose="query"), indexes)
    assert [o.owner for o in result.owners] == ["chair-orig-22-sd-bar.mp4"]
    summary = result.owners[0]
    assert summary.share >= 0.7
    assert summary.alignment is not None and summary.alignment.rate == pytest.approx(speed, rel=0.08)
    negative = _transcode(shared_data / "video" / "pattern-sd-grey-bar.mp4", tmp_path / f"neg-{name}.mp4", transform)
    assert {o.owner for o in match(visual_fingerprinter.fingerprint_file(negative, purpose="query"), indexes).owners} \
        <= {"pattern-hd-no-bar.mp4"}
