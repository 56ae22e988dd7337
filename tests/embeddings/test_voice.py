"""The voice channel on real speech: speech spans, enrolment templates, and matches that survive
re-encoding, noise and being the sound of a video, while another speaker does not match."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings import Fingerprinter, IndexSet, MediaFingerprints, match
from embeddings.audio import SAMPLE_RATE
from embeddings.channels.voice import speech_spans

from .conftest import VOICE_CONFIG, encode_audio, read_flac


def _voices(shared_data: Path) -> Path:
    return shared_data / "voices"


def test_speech_spans_find_speech_and_skip_silence(shared_data: Path) -> None:
    speech = read_flac(_voices(shared_data) / "1688" / "1688-142285-0005.flac")
    silence = np.zeros(SAMPLE_RATE * 2, np.float32)
    hiss = np.random.default_rng(0).normal(scale=0.002, size=SAMPLE_RATE * 2).astype(np.float32)
    spans = speech_spans(np.concatenate([silence, speech, silence]))
    assert spans, "no speech found in a spoken utterance"
    assert spans[0][0] >= 1.8            # nothing in the leading two seconds of silence
    assert spans[-1][1] <= 2.0 + len(speech) / SAMPLE_RATE + 0.3
    assert sum(b - a for a, b in spans) > 0.6 * len(speech) / SAMPLE_RATE
    assert speech_spans(silence) == [] and speech_spans(hiss) == []


def test_a_voice_reference_is_one_template_of_its_speech_and_round_trips(
        voice_fingerprinter: Fingerprinter, shared_data: Path) -> None:
    path = _voices(shared_data) / "1998" / "1998-15444-0000.flac"
    record = voice_fingerprinter.fingerprint_file(path, purpose="voice")
    assert record.kind == "audio" and record.frames == [] and record.channels.ran == ["exact", "voice"]
    assert record.speech_s >= 3.0 and len(record.voice) == 1
    assert abs(float(np.linalg.norm(record.voice[0].embedding)) - 1.0) < 1e-4
    back = MediaFingerprints.from_dict(record.to_dict())
    assert back.speech == record.speech and np.array_equal(back.voice[0].embedding, record.voice[0].embedding)


def test_an_image_query_has_no_sound_and_a_silent_video_reports_no_audio(
        voice_fingerprinter: Fingerprinter, shared_data: Path) -> None:
    image = voice_fingerprinter.fingerprint_file(shared_data / "faces" / "obama_480p.jpg", purpose="query")
    assert image.channels.unavailable["voice"] == "no sound in a still image" and image.audio is None
    mute = encode_audio(np.zeros(1), "mp4", "aac", footage_s=2.0, with_audio=False)
    video = Fingerprinter(VOICE_CONFIG.with_(perceptual_enabled=True)).fingerprint_file(
        mute, purpose="query", name="mute.mp4")
    assert "voice" in video.channels.ran and video.audio == "no audio" and video.voice == []


@pytest.fixture(scope="module")
def enrolled(voice_fingerprinter: Fingerprinter, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> IndexSet:
    """Speakers 1688 and 1998 enrolled from three utterances each."""
    indexes = IndexSet(tmp_path_factory.mktemp("voice-index"), VOICE_CONFIG)
    for speaker in ("1688", "1998"):
        for path in sorted((_voices(shared_data) / speaker).glob("*.flac"))[:3]:
            indexes.add_person(f"person-{speaker}", voice_fingerprinter.fingerprint_file(path, purpose="voice"))
    return indexes


def _people(fp: Fingerprinter, indexes: IndexSet, data: bytes, name: str) -> dict[str, list[list[float]]]:
    result = match(fp.fingerprint_file(data, purpose="query", name=name), indexes, VOICE_CONFIG)
    return {o.owner: o.voice_ranges for o in result.owners}


def _noisy(samples: np.ndarray, snr_db: float) -> np.ndarray:
    noise = np.random.default_rng(3).normal(size=len(samples)).astype(np.float32)
    power = float(np.mean(samples ** 2)) / (10 ** (snr_db / 10))
    return samples + noise * np.sqrt(power / float(np.mean(noise ** 2)))


@pytest.mark.slow
def test_the_same_speaker_matches_through_mp3_noise_and_video_and_others_do_not(
        voice_fingerprinter: Fingerprinter, enrolled: IndexSet, shared_data: Path) -> None:
    utterance = read_flac(_voices(shared_data) / "1688" / "1688-142285-0007.flac")
    seconds = len(utterance) / SAMPLE_RATE
    variants = {
        "clean.flac": encode_audio(utterance, "flac", "flac"),
        "low.mp3": encode_audio(utterance, "mp3", "libmp3lame", bit_rate=24_000),
        "noisy.wav": encode_audio(_noisy(utterance, 10.0), "wav", "pcm_s16le"),
        "dubbed.mp4": encode_audio(utterance, "mp4", "aac", footage_s=seconds),
    }
    for name, data in variants.items():
        people = _people(voice_fingerprinter, enrolled, data, name)
        assert set(people) == {"person-1688"}, (name, people)
        ranges = people["person-1688"]
        assert ranges and all(0 <= a < b <= seconds + 0.5 for a, b in ranges), (name, ranges)
    other = read_flac(_voices(shared_data) / "2033" / "2033-164914-0004.flac")
    assert _people(voice_fingerprinter, enrolled, encode_audio(other, "flac", "flac"), "other.flac") == {}
    distractor = sorted((_voices(shared_data) / "distractors").glob("*.flac"))[0]
    assert _people(voice_fingerprinter, enrolled, distractor.read_bytes(), distractor.name) == {}


def test_a_persons_references_fold_into_one_template_that_persists_and_leaves_with_them(
        enrolled: IndexSet, voice_fingerprinter: Fingerprinter, shared_data: Path) -> None:
    enrolled.save(revision="7")
    reopened = IndexSet.open(enrolled.directory, VOICE_CONFIG)
    assert reopened.stats()["voice"]["vectors"] == 2 and reopened.stats()["voice"]["owners"] == 2
    # folding references one at a time gives their mean, whatever the order
    refs = [voice_fingerprinter.fingerprint_file(p, purpose="voice")
            for p in sorted((_voices(shared_data) / "1688").glob("*.flac"))[:3]]
    mean = np.mean([r.voice[0].embedding for r in refs], axis=0)
    channel = reopened.channels["voice"]
    row = int(np.flatnonzero(channel.owner_codes == channel._owner_code["person-1688"])[0])
    assert np.allclose(channel.vectors[row], mean / np.linalg.norm(mean), atol=1e-5)
    assert reopened.remove("person-1998") == 1
    assert reopened.stats()["voice"]["owners"] == 1
