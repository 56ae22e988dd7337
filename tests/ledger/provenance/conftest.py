"""Fixtures for the provenance tests: a dev CA, small media files, a release record."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from ledger.provenance import (
    ClearanceRelease, DevCredentials, GeneratingModel, SigningIdentity, TrustSettings,
    create_dev_ca,
)


def make_video(path: Path, *, seconds: float = 2.0, fps: int = 12, size: tuple[int, int] = (160, 120),
               seed: int = 0, container: str | None = None) -> Path:
    """A short H.264 clip of random frames (so every frame differs)."""
    rng = np.random.default_rng(seed)
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for _ in range(int(seconds * fps)):
            pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def make_image(path: Path, *, seed: int = 1, size: tuple[int, int] = (96, 64)) -> Path:
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    image.save(path, **({"lossless": True} if path.suffix == ".webp" else {}))
    return path


def decoded_frames(path: Path) -> list[np.ndarray]:
    """Every decoded video frame (PyAV) or the single image (Pillow), as RGB arrays."""
    if path.suffix.lower() in (".mp4", ".mov"):
        with av.open(str(path)) as container:
            return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    with Image.open(path) as image:
        return [np.asarray(image.convert("RGB"))]


@pytest.fixture(scope="session")
def dev_creds(tmp_path_factory: pytest.TempPathFactory) -> DevCredentials:
    return create_dev_ca(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def identity(dev_creds: DevCredentials) -> SigningIdentity:
    return dev_creds.identity()


@pytest.fixture(scope="session")
def dev_trust(dev_creds: DevCredentials) -> TrustSettings:
    return dev_creds.trust()


@pytest.fixture
def release() -> ClearanceRelease:
    return ClearanceRelease(
        check_id="chk_01HZX", verdict="pass", policy_set_hash="ab" * 32, log_index=41,
        log_origin="clearance.test/log",
        checkpoint="clearance.test/log\n42\nq1w2e3r4t5y6u7i8o9p0AAAAAAAAAAAAAAAAAAAAAAA=\n\n"
                   "\u2014 clearance.test/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe\n")


@pytest.fixture
def model() -> GeneratingModel:
    return GeneratingModel(name="StudioVid", version="3.2", model_id="mdl_7")
