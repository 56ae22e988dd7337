"""Audio intake: a file's sound as 16 kHz mono float samples, for the voice channel.

Audio files (WAV, FLAC, MP3, M4A/AAC, Ogg/Opus) and the audio track of the video
containers :mod:`embeddings.media` reads (MP4, MOV, WebM, MKV) are decoded with
PyAV and resampled to 16 kHz mono. The container is sniffed from the bytes and
must agree with the extension; the byte, duration and decode-time limits of
:class:`~embeddings.config.EmbeddingsConfig` apply as for video. A video
without an audio track is normal (``DecodedAudio.samples`` is None and
``note`` says "no audio"); an audio file without any decodable sound is a
:class:`~embeddings.errors.MediaError` naming the file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import EmbeddingsConfig
from .errors import MediaError

SAMPLE_RATE = 16_000

#: Sniffed container -> extensions that may carry it; the video containers may carry sound too.
AUDIO_FORMATS: dict[str, frozenset[str]] = {
    "wav": frozenset({".wav", ".wave"}),
    "flac": frozenset({".flac"}),
    "mp3": frozenset({".mp3"}),
    "ogg": frozenset({".ogg", ".oga", ".opus"}),
    "adts": frozenset({".aac"}),
    "isobmff": frozenset({".m4a", ".mp4", ".m4v", ".mov", ".qt"}),
    "matroska": frozenset({".mka", ".mkv", ".webm"}),
}
AUDIO_ONLY_EXTENSIONS = frozenset({".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".aac", ".m4a", ".mka"})
AUDIO_EXTENSIONS = frozenset().union(*AUDIO_FORMATS.values())


@dataclass(frozen=True)
class DecodedAudio:
    """A file's sound: 16 kHz mono float32 samples in [-1, 1], or None with the reason in ``note``."""

    source: str
    container: str
    samples: np.ndarray | None = field(repr=False)
    duration_s: float
    note: str = ""

    @property
    def has_audio(self) -> bool:
        return self.samples is not None and len(self.samples) > 0


def sniff_audio(head: bytes) -> str | None:
    """The audio-capable container a file's first bytes announce, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "adts"
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "isobmff"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    return None


def is_audio_only_name(name: str | None) -> bool:
    """Whether a file name says "audio only" (its extension is an audio format's)."""
    return bool(name) and Path(str(name)).suffix.lower() in AUDIO_ONLY_EXTENSIONS


def decode_audio(data: bytes, label: str, config: EmbeddingsConfig, *, suffix: str = "",
                 audio_only: bool | None = None) -> DecodedAudio:
    """Decode the first audio stream of ``data`` to 16 kHz mono.

    ``audio_only``: the file is meant to be sound only (an audio file, a voice
    reference); then a file without sound is an error. Otherwise (a video) it
    returns a DecodedAudio with ``samples=None`` and ``note="no audio"``.
    Raises MediaError naming ``label`` for a truncated, mislabelled or
    over-limit file.
    """
    import av  # imported here: callers that never hear audio need not load FFmpeg

    if len(data) > config.max_bytes:
        raise MediaError(label, f"is {len(data)} bytes", limit=f"max_bytes={config.max_bytes}")
    if not data:
        raise MediaError(label, "is empty")
    container = sniff_audio(data[:16])
    if container is None:
        raise MediaError(label, "not a supported audio or video file (no known signature: corrupt, truncated at the "
                                f"start, or another format); expected one of {', '.join(sorted(AUDIO_EXTENSIONS))}")
    if suffix and suffix not in AUDIO_FORMATS[container]:
        raise MediaError(label, f"named '{suffix}' but its contents are {container.upper()}; "
                                "the name and the type must agree")
    if audio_only is None:
        audio_only = suffix in AUDIO_ONLY_EXTENSIONS or container not in ("isobmff", "matroska")
    import io

    started = time.monotonic()
    try:
        handle = av.open(io.BytesIO(data), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(label, f"cannot be opened as {container.upper()}: {exc}") from exc
    with handle:
        if not handle.streams.audio:
            if audio_only:
                raise MediaError(label, "holds no audio stream: an audio file must contain sound")
            return DecodedAudio(label, container, None, 0.0, "no audio")
        stream = handle.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            declared = float(stream.duration * stream.time_base)
            if declared > config.max_duration_s:
                raise MediaError(label, f"lasts {declared:.1f} s", limit=f"max_duration_s={config.max_duration_s}")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        total = 0
        limit = int(config.max_duration_s * SAMPLE_RATE)
        damaged: str | None = None
        try:
            for frame in handle.decode(stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += len(chunk)
                if total > limit:
                    raise MediaError(label, f"runs past {config.max_duration_s:.0f} s",
                                     limit=f"max_duration_s={config.max_duration_s}")
                if time.monotonic() - started > config.decode_timeout_s:
                    raise MediaError(label, f"took longer than {config.decode_timeout_s:.0f} s to decode",
                                     limit=f"decode_timeout_s={config.decode_timeout_s}")
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except MediaError:
            raise
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            damaged = str(exc)
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if damaged is not None and len(samples) < SAMPLE_RATE // 10:
        raise MediaError(label, f"audio data cannot be decoded (truncated or mislabelled): {damaged}")
    if len(samples) == 0:
        if audio_only:
            raise MediaError(label, "holds no decodable sound (truncated, or an empty audio stream)")
        return DecodedAudio(label, container, None, 0.0, "no audio (empty audio stream)")
    return DecodedAudio(label, container, np.clip(samples, -1.0, 1.0), round(len(samples) / SAMPLE_RATE, 3),
                        "damaged tail ignored" if damaged else "")
