"""Enrolling voices and faces through the service, on real media: refusals, matching, erasure, and a check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ledger.audit import replay
from ledger.checks import service as checks
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from ledger.errors import Conflict, MediaRejected, NotFound
from ledger.fingerprints import service
from ledger.fingerprints.models import FingerprintSet
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from tests.embeddings.conftest import encode_audio, read_flac
from tests.ledger.records.builders import add

pytestmark = pytest.mark.corpus


def _voice(shared_data: Path, speaker: str, number: int) -> Path:
    return shared_data / "voices" / speaker / f"{next((shared_data / 'voices' / speaker).glob('*.flac')).stem[:-4]}{number:04d}.flac"


def _file(path: Path) -> tuple[str, bytes]:
    return path.name, path.read_bytes()


def _person(ctx: Clearance, name: str = "Ann Speaker") -> str:
    return add(ctx, "party", kind="person", name=name)["id"]


def _voice_owners(ctx: Clearance, name: str, data: bytes) -> dict[str, list[list[float]]]:
    _, result = service.match_media(ctx, data, name)
    return {o.owner: o.voice_ranges for o in result.owners if "voice" in o.methods}


def test_a_voice_reference_with_too_little_speech_or_no_sound_is_refused(ctx: Clearance, shared_data: Path) -> None:
    person = _person(ctx)
    speech = read_flac(_voice(shared_data, "1688", 0))
    short = encode_audio(speech[:16_000 * 2], "wav", "pcm_s16le")
    with pytest.raises(MediaRejected) as few:
        service.enroll_voice(ctx, person, [("short.wav", short)], "test")
    assert "short.wav" in str(few.value) and "at least 3 s" in str(few.value)
    mute = encode_audio(speech, "mp4", "aac", footage_s=2.0, with_audio=False)
    with pytest.raises(MediaRejected) as silent:
        service.enroll_voice(ctx, person, [("mute.mp4", mute)], "test")
    assert "mute.mp4" in str(silent.value) and "no audio" in str(silent.value)
    two = np.concatenate([read_flac(_voice(shared_data, "1688", 6)), read_flac(_voice(shared_data, "1998", 2))])
    with pytest.raises(MediaRejected) as mixed:
        service.enroll_voice(ctx, person, [("two.wav", encode_audio(two, "wav", "pcm_s16le"))], "test")
    assert "two.wav" in str(mixed.value) and "more than one speaker" in str(mixed.value)
    alone = read_flac(_voice(shared_data, "1688", 6))
    assert service.enroll_voice(ctx, person, [("alone.wav", encode_audio(alone, "wav", "pcm_s16le"))], "test")


@pytest.mark.slow
def test_an_enrolled_voice_is_matched_then_erased_and_a_legal_hold_refuses_erasure(
        ctx: Clearance, shared_data: Path) -> None:
    person = _person(ctx)
    rows = service.enroll_voice(ctx, person, [_file(_voice(shared_data, "1998", n)) for n in range(3)], "test")
    assert [r["voice_templates"] for r in rows] == [1, 1, 1] and all(r["speech_s"] >= 3 for r in rows)
    with ctx.db.reader() as session:
        stored = session.get(FingerprintSet, rows[0]["fingerprint_set"])
        assert stored is not None and stored.purpose == "voice" and stored.data is not None
    query = _voice(shared_data, "1998", 6)
    assert list(_voice_owners(ctx, query.name, query.read_bytes())) == [person]
    other = _voice(shared_data, "2414", 6)
    assert _voice_owners(ctx, other.name, other.read_bytes()) == {}

    hold = create_record(ctx, KINDS["legal_hold"], {"matter": "Doe v. Studio", "record_kind": "party",
                                                   "record_id": person, "placed_by": "Counsel",
                                                   "placed_on": "2026-01-05"}, "test").record
    with pytest.raises(Conflict, match="Doe v. Studio"):
        service.erase_likeness(ctx, person, "erasure request", "test")
    assert list(_voice_owners(ctx, query.name, query.read_bytes())) == [person]
    from ledger.records.service import release_hold

    release_hold(ctx, hold["id"], "settled", "test")
    service.erase_likeness(ctx, person, "erasure request", "test")
    with ctx.db.reader() as session:
        erased = session.get(FingerprintSet, rows[0]["fingerprint_set"])
        assert erased is not None and erased.erased and erased.data is None
    assert _voice_owners(ctx, query.name, query.read_bytes()) == {}
    with pytest.raises(NotFound):
        service.erase_likeness(ctx, person, "again", "test")
    assert replay.verify(ctx).ok


def test_a_photo_with_several_faces_needs_the_caller_to_say_which(ctx: Clearance, shared_data: Path) -> None:
    person = _person(ctx, "Barack Obama")
    group = _file(shared_data / "faces" / "two_people.jpg")
    with pytest.raises(MediaRejected) as ambiguous:
        service.enroll(ctx, person, [group], "test")
    assert "two_people.jpg" in str(ambiguous.value) and "2 faces" in str(ambiguous.value)
    with pytest.raises(MediaRejected, match="face 3 asked for"):
        service.enroll(ctx, person, [group], "test", face=3)
    rows = service.enroll(ctx, person, [group], "test", face=1)
    assert rows[0]["faces"] == 1


REQUEST = CheckRequest(service="gen", project="Harbor Lights", media=["streaming"], territories=["US"])


@pytest.mark.slow
def test_a_clip_speaking_in_an_enrolled_voice_blocks_without_consent_and_passes_with_one(
        ctx: Clearance, shared_data: Path) -> None:
    person = _person(ctx)
    service.enroll_voice(ctx, person, [_file(_voice(shared_data, "2609", n)) for n in range(3)], "test")
    speech = read_flac(_voice(shared_data, "2609", 7))
    clip = encode_audio(speech, "mp4", "aac", footage_s=len(speech) / 16_000)

    blocked = checks.run(ctx, checks.submit(ctx, REQUEST, clip, "clip.mp4", "test"), "test")
    voice = [m for m in blocked.check["matches"] if m["subject_id"] == person]
    assert voice and voice[0]["channel"] == "voice" and voice[0]["subject"] == "person"
    assert voice[0]["voice_ranges"] and blocked.verdict != "pass"

    add(ctx, "consent", performer_id=person, contract_ref="V-1", executed_on="2025-01-02",
        replica_type="employment_based", replaces_in_person_work=False, representation="union", union_agreement_version="sag_aftra_tv_2023",
        union_name="SAG-AFTRA", union_agreement="2023 TV/Theatrical", covers_voice=True,
        use_consistent_with_performance=True,
        intended_uses=[{"project": "Harbor Lights", "uses": ["generate", "release"], "media": ["streaming"],
                        "territories": ["US"]}])
    passed = checks.run(ctx, checks.submit(ctx, REQUEST, clip + b"\0", "clip2.mp4", "test"), "test")
    assert passed.verdict == "pass", passed.check["reasons"]
    assert replay.verify(ctx).ok
