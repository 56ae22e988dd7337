"""Fixtures for the embeddings tests: one loaded fingerprinter per session, real-media helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings import EmbeddingsConfig, Fingerprinter, IndexSet
from embeddings.media import load_media

#: The test configuration: CLIP is off (no weights exist here); everything else at its defaults.
TEST_CONFIG = EmbeddingsConfig(semantic_enabled=False)


@pytest.fixture(scope="session")
def config() -> EmbeddingsConfig:
    return TEST_CONFIG


@pytest.fixture(scope="session")
def fingerprinter() -> Fingerprinter:
    """Perceptual + identity channels (dlib models load once per session)."""
    return Fingerprinter(TEST_CONFIG)


@pytest.fixture(scope="session")
def visual_fingerprinter() -> Fingerprinter:
    """Perceptual channel only: faster for tests about works rather than people."""
    return Fingerprinter(TEST_CONFIG.with_(identity_enabled=False))


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "indexes"


def image_of(path: Path) -> np.ndarray:
    """The decoded RGB frame of an image file."""
    return load_media(path, TEST_CONFIG).frames[0].image


def new_index(directory: Path, config: EmbeddingsConfig = TEST_CONFIG) -> IndexSet:
    return IndexSet(directory, config)


#: The voice channel alone (the visual channels are not needed to hear a speaker).
VOICE_CONFIG = EmbeddingsConfig(perceptual_enabled=False, semantic_enabled=False, identity_enabled=False)


@pytest.fixture(scope="session")
def voice_fingerprinter() -> Fingerprinter:
    """The voice channel alone (the encoder loads once per session, on first speech)."""
    return Fingerprinter(VOICE_CONFIG)


def encode_audio(samples: np.ndarray, container: str, codec: str, *, rate: int = 16_000,
                 bit_rate: int | None = None, footage_s: float = 0.0, with_audio: bool = True) -> bytes:
    """``samples`` (16 kHz mono float) encoded with PyAV; ``footage_s`` adds that much changing 64x48 video."""
    import io

    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        video = None
        if footage_s:
            video = out.add_stream("mpeg4", rate=10)
            video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        if with_audio:
            audio = out.add_stream(codec, rate=rate)
            audio.layout = "mono"
            if bit_rate:
                audio.bit_rate = bit_rate
            fmt = audio.format.name
            pcm = samples.astype(np.float32)
            if rate != 16_000:
                pcm = np.interp(np.arange(int(len(pcm) * rate / 16_000)) * 16_000 / rate, np.arange(len(pcm)), pcm)
            for start in range(0, len(pcm), 1024):
                chunk = np.clip(pcm[start:start + 1024], -1, 1)
                if fmt.startswith("s16"):
                    data = (chunk * 32767).astype(np.int16)
                elif fmt.startswith("s32"):
                    data = (chunk * 2_147_483_000).astype(np.int32)
                else:
                    data = chunk.astype(np.float32)
                frame = av.AudioFrame.from_ndarray(data[None, :], format=fmt, layout="mono")
                frame.sample_rate = rate
                for packet in audio.encode(frame):
                    out.mux(packet)
            for packet in audio.encode(None):
                out.mux(packet)
        if video is not None:
            for n in range(int(footage_s * 10)):
                image = np.zeros((48, 64, 3), np.uint8)
                image[:, : (n * 3) % 64] = (n * 37 % 255, 90, 200)
                for packet in video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                    out.mux(packet)
            for packet in video.encode(None):
                out.mux(packet)
    return buffer.getvalue()


def read_flac(path: Path) -> np.ndarray:
    """A shared-data utterance as 16 kHz mono float samples."""
    from embeddings.audio import decode_audio

    decoded = decode_audio(path.read_bytes(), str(path), TEST_CONFIG, suffix=path.suffix)
    assert decoded.samples is not None
    return decoded.samples
