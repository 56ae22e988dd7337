"""The c2pa.soft-binding assertion: an io.iscc.v0 ISCC of the released content, signed into the manifest."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from ledger.provenance import ClearanceRelease, DevCredentials, GeneratingModel, sign_clip, verify_file
from ledger.provenance.soft_binding import (
    ISCC_ALG, SOFT_BINDING_LABEL, BindingValueError, compute_iscc, hamming, parse_iscc,
)
from tests.ledger.provenance.conftest import make_video


def make_scene(path: Path, *, seed: int, seconds: float = 2.0, fps: int = 12,
               size: tuple[int, int] = (320, 240)) -> Path:
    """A clip with smooth structure (a gradient and a moving disc), unlike noise, as generated video has."""
    rng = np.random.default_rng(seed)
    angle, phase, colour = rng.uniform(0, np.pi), rng.uniform(0, 1), rng.integers(40, 255, 3)
    h, w = size[1], size[0]
    yy, xx = np.mgrid[0:h, 0:w]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        frames = int(seconds * fps)
        for i in range(frames):
            ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + i / frames) % 1.0
            pixels = (ramp[..., None] * colour).astype(np.uint8)
            cx, cy = int(w * ((phase + i / frames) % 1.0)), h // 2
            pixels[(xx - cx) ** 2 + (yy - cy) ** 2 < (h // 5) ** 2] = 255 - colour
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _reencode(source: Path, dest: Path, bitrate: int) -> Path:
    with av.open(str(source)) as src, av.open(str(dest), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(12))
        stream.width, stream.height = src.streams.video[0].width, src.streams.video[0].height
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bitrate
        for frame in src.decode(video=0):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dest


def test_signed_clip_carries_the_iscc_of_its_content(tmp_path: Path, dev_creds: DevCredentials,
                                                     release: ClearanceRelease, model: GeneratingModel) -> None:
    clip = make_video(tmp_path / "clip.mp4", seed=3)
    signed = sign_clip(clip, tmp_path / "signed.mp4", identity=dev_creds.identity(), release=release, model=model)
    expected = compute_iscc(clip.read_bytes(), "video/mp4")
    assert signed.soft_binding == expected
    result = verify_file(tmp_path / "signed.mp4", trust=dev_creds.trust())
    assert result.state == "Trusted"
    manifest = result.active_manifest
    assert manifest is not None
    binding = manifest.assertions[SOFT_BINDING_LABEL]
    assert binding["alg"] == ISCC_ALG
    assert [b["value"] for b in binding["blocks"]] == [expected.value]
    units = parse_iscc(binding["blocks"][0]["value"])
    assert set(units) == {"content", "data", "instance"}


def test_content_unit_survives_a_reencode_and_tells_clips_apart(tmp_path: Path) -> None:
    clip = make_scene(tmp_path / "clip.mp4", seed=4)
    copy = _reencode(clip, tmp_path / "copy.mp4", 100_000)
    other = make_scene(tmp_path / "other.mp4", seed=5)
    original = parse_iscc(compute_iscc(clip.read_bytes(), "video/mp4").value)
    reencoded = parse_iscc(compute_iscc(copy.read_bytes(), "video/mp4").value)
    unrelated = parse_iscc(compute_iscc(other.read_bytes(), "video/mp4").value)
    assert original["instance"] != reencoded["instance"]
    assert hamming(original["content"], reencoded["content"]) <= 8
    assert hamming(original["content"], unrelated["content"]) > 16


def test_canonical_text_and_base64_read_the_same() -> None:
    assert parse_iscc("ISCC:KQASDRZMGY7Y3MOMCZD4PLJ5LWYQFSJ6EU37XSFDOQ") == \
        parse_iscc("VAEhxyw2P42xzBZHx609XbECyT4lN/vIo3Q=")


@pytest.mark.parametrize("value", ["!!!", "AAAA", "ISCC:NOTACODE"])
def test_a_value_that_is_no_iscc_is_refused(value: str) -> None:
    with pytest.raises(BindingValueError):
        parse_iscc(value)
