"""Audio intake: formats and video sound to 16 kHz mono, limits, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings import EmbeddingsConfig, MediaError
from embeddings.audio import SAMPLE_RATE, decode_audio

from .conftest import TEST_CONFIG, encode_audio

TONE = (0.3 * np.sin(2 * np.pi * 440 * np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE)).astype(np.float32)


@pytest.mark.parametrize(("container", "codec", "rate", "name"), [
    ("wav", "pcm_s16le", 16_000, "a.wav"), ("flac", "flac", 44_100, "a.flac"), ("mp3", "libmp3lame", 22_050, "a.mp3"),
    ("ogg", "libopus", 48_000, "a.opus"), ("ipod", "aac", 16_000, "a.m4a"), ("matroska", "libopus", 48_000, "a.mka")])
def test_audio_formats_decode_to_16k_mono_of_the_right_length(container: str, codec: str, rate: int, name: str) -> None:
    data = encode_audio(TONE, container, codec, rate=rate)
    decoded = decode_audio(data, name, TEST_CONFIG, suffix=Path(name).suffix)
    assert decoded.has_audio and decoded.samples is not None and decoded.samples.dtype == np.float32
    assert abs(decoded.duration_s - 2.0) < 0.15, decoded.duration_s
    # the tone survives: its dominant frequency is still 440 Hz after resampling
    spectrum = np.abs(np.fft.rfft(decoded.samples[4000:20000]))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / 16000 - 440) < 5


def test_the_sound_of_a_video_is_decoded_and_a_silent_video_is_normal() -> None:
    clip = encode_audio(TONE, "mp4", "aac", footage_s=2.0)
    heard = decode_audio(clip, "clip.mp4", TEST_CONFIG, suffix=".mp4")
    assert heard.has_audio and abs(heard.duration_s - 2.0) < 0.15
    mute = encode_audio(TONE, "mp4", "aac", footage_s=2.0, with_audio=False)
    quiet = decode_audio(mute, "mute.mp4", TEST_CONFIG, suffix=".mp4")
    assert not quiet.has_audio and quiet.note == "no audio"


def test_an_audio_file_without_sound_is_an_error_naming_it() -> None:
    mute = encode_audio(TONE, "mp4", "aac", footage_s=1.0, with_audio=False)
    with pytest.raises(MediaError) as caught:
        decode_audio(mute, "voice.mp4", TEST_CONFIG, suffix=".mp4", audio_only=True)
    assert "voice.mp4" in str(caught.value) and "no audio stream" in str(caught.value)


def test_truncated_and_mislabelled_audio_get_clear_errors_naming_the_file() -> None:
    data = encode_audio(TONE, "flac", "flac")
    with pytest.raises(MediaError) as truncated:
        decode_audio(data[:200], "cut.flac", TEST_CONFIG, suffix=".flac")
    assert "cut.flac" in str(truncated.value)
    assert "truncated" in str(truncated.value) or "cannot be" in str(truncated.value)
    with pytest.raises(MediaError) as mislabelled:
        decode_audio(data, "song.mp3", TEST_CONFIG, suffix=".mp3")
    assert "song.mp3" in str(mislabelled.value) and "FLAC" in str(mislabelled.value)
    with pytest.raises(MediaError) as garbage:
        decode_audio(b"not audio at all" * 10, "noise.wav", TEST_CONFIG, suffix=".wav")
    assert "noise.wav" in str(garbage.value) and "no known signature" in str(garbage.value)
    with pytest.raises(MediaError, match="empty.wav: is empty"):
        decode_audio(b"", "empty.wav", TEST_CONFIG, suffix=".wav")


def test_media_limits_cover_audio() -> None:
    data = encode_audio(TONE, "wav", "pcm_s16le")
    with pytest.raises(MediaError) as size:
        decode_audio(data, "big.wav", EmbeddingsConfig(max_bytes=1000), suffix=".wav")
    assert size.value.limit == "max_bytes=1000"
    with pytest.raises(MediaError) as duration:
        decode_audio(data, "long.wav", EmbeddingsConfig(max_duration_s=1.0), suffix=".wav")
    assert duration.value.limit == "max_duration_s=1.0" and "long.wav" in str(duration.value)
