"""Tampered, replaced, moved and unsigned files are reported with readable reasons."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ledger.provenance import SignedClip, create_dev_ca, sign_clip, verify_bytes, verify_file
from ledger.provenance.verify import CLIP_MISMATCH, MANIFEST_MISMATCH, UNREADABLE

from .conftest import make_image, make_video

HARD_BINDING = {"assertion.dataHash.mismatch", "assertion.bmffHash.mismatch"}


@pytest.fixture
def signed_mp4(identity, release, model, tmp_path) -> SignedClip:
    return sign_clip(make_video(tmp_path / "in.mp4"), tmp_path / "signed.mp4",
                     identity=identity, release=release, model=model)


def _sign_jpeg(name: str, seed: int, identity, release, model, tmp_path: Path) -> SignedClip:
    return sign_clip(make_image(tmp_path / f"{name}-in.jpg", seed=seed), tmp_path / f"{name}.jpg",
                     identity=identity, release=replace(release, check_id=f"chk_{name}"),
                     model=model)


def _jpeg_segments(data: bytes) -> tuple[list[bytes], bytes]:
    """Marker segments before the scan, and everything from the scan on."""
    pos, segments = 2, []
    while data[pos + 1] != 0xDA:
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segments.append(data[pos:pos + 2 + length])
        pos += 2 + length
    return segments, data[pos:]


def _is_app11(segment: bytes) -> bool:
    return segment[1] == 0xEB


def test_changed_video_bytes_break_the_hard_binding(signed_mp4, dev_trust) -> None:
    data = bytearray(signed_mp4.path.read_bytes())
    data[data.index(b"mdat") + 2000] ^= 0x55
    result = verify_bytes(bytes(data), trust=dev_trust)
    assert result.state == "Invalid" and not result.trusted
    assert "assertion.bmffHash.mismatch" in result.codes
    assert any("changed after signing" in r for r in result.reasons)


def test_changed_image_bytes_break_the_hard_binding(identity, release, model, dev_trust,
                                                    tmp_path) -> None:
    signed = _sign_jpeg("a", 1, identity, release, model, tmp_path)
    data = bytearray(signed.path.read_bytes())
    data[-40] ^= 0x01  # inside the entropy-coded scan
    result = verify_bytes(bytes(data), trust=dev_trust)
    assert result.state == "Invalid" and "assertion.dataHash.mismatch" in result.codes


def test_manifest_moved_from_another_clip_is_detected(identity, release, model, dev_trust,
                                                      tmp_path) -> None:
    donor = _sign_jpeg("donor", 1, identity, release, model, tmp_path)
    target = _sign_jpeg("target", 2, identity, release, model, tmp_path)
    donor_segments, _ = _jpeg_segments(donor.path.read_bytes())
    target_segments, target_scan = _jpeg_segments(target.path.read_bytes())
    moved = [s for s in donor_segments if _is_app11(s)]
    first = next(i for i, s in enumerate(target_segments) if _is_app11(s))
    kept = [s for s in target_segments if not _is_app11(s)]
    forged = b"\xff\xd8" + b"".join(kept[:first] + moved + kept[first:]) + target_scan

    result = verify_bytes(forged, trust=dev_trust)
    assert result.state == "Invalid"
    assert HARD_BINDING & set(result.codes)
    assert any("moved here from another file" in r for r in result.reasons)
    # The manifest claims to be the donor's release, and its hash is the donor's.
    assert result.active_manifest.clearance.check_id == "chk_donor"
    assert result.manifest_sha256 == donor.manifest_sha256


def test_edited_clearance_assertion_is_detected(signed_mp4, dev_trust) -> None:
    data = signed_mp4.path.read_bytes()
    assert data.count(b"chk_01HZX") == 1
    edited = data.replace(b"chk_01HZX", b"chk_99HZX")
    result = verify_bytes(edited, trust=dev_trust)
    assert result.state == "Invalid"
    assert "assertion.hashedURI.mismatch" in result.codes
    assert any("assertion was edited" in r for r in result.reasons)


def test_corrupt_manifest_is_invalid_not_an_exception(identity, release, model, dev_trust,
                                                      tmp_path) -> None:
    signed = _sign_jpeg("c", 3, identity, release, model, tmp_path)
    data = bytearray(signed.path.read_bytes())
    start = data.index(b"jumb")
    data[start + 40:start + 400] = bytes(360)
    result = verify_bytes(bytes(data), trust=dev_trust, name="corrupt.jpg")
    assert result.state == "Invalid" and result.codes == (UNREADABLE,)
    assert "corrupt.jpg has a C2PA manifest that cannot be read" in result.reasons[0]


def test_unreadable_manifest_reports_a_code(dev_trust) -> None:
    # A PNG whose caBX chunk holds bytes that are not JUMBF at all.
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"caBX", b"\x00\x00\x00\x20jumbnonsense")
           + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))
    result = verify_bytes(png, trust=dev_trust, name="odd.png")
    assert result.state == "Invalid" and result.codes == (UNREADABLE,)
    assert "odd.png has a C2PA manifest that cannot be read" in result.reasons[0]


def test_manifest_replaced_by_an_untrusted_signer(signed_mp4, release, model, dev_trust,
                                                  tmp_path) -> None:
    attacker = create_dev_ca(tmp_path / "attacker", organization="Someone Else")
    forged = sign_clip(signed_mp4.path, tmp_path / "forged.mp4", identity=attacker.identity(),
                       release=release, model=model)
    result = verify_file(forged.path, trust=dev_trust)
    assert result.state == "Valid" and not result.trusted
    assert "signingCredential.untrusted" in result.codes
    assert any("trust anchor" in r for r in result.reasons)
    assert any("may be forged" in r for r in result.reasons)


def test_manifest_replaced_by_our_own_signer_is_caught_by_the_logged_hash(
        signed_mp4, identity, release, model, dev_trust, tmp_path) -> None:
    resigned = sign_clip(signed_mp4.path, tmp_path / "resigned.mp4", identity=identity,
                         release=replace(release, log_index=999), model=model)
    assert verify_file(resigned.path, trust=dev_trust).state == "Trusted"
    result = verify_file(resigned.path, trust=dev_trust,
                         expected_manifest_sha256=signed_mp4.manifest_sha256)
    assert result.state == "Invalid" and MANIFEST_MISMATCH in result.codes
    assert any("replaced" in r for r in result.reasons)


def test_clearance_assertion_for_another_clip(signed_mp4, dev_trust) -> None:
    ok = verify_file(signed_mp4.path, trust=dev_trust, expected_clip_sha256=signed_mp4.clip_sha256,
                     expected_manifest_sha256=signed_mp4.manifest_sha256)
    assert ok.trusted, ok.reasons
    result = verify_file(signed_mp4.path, trust=dev_trust, expected_clip_sha256="0" * 64)
    assert result.state == "Invalid" and CLIP_MISMATCH in result.codes
    assert any("does not describe the clip" in r for r in result.reasons)


def test_no_manifest_is_a_result_not_an_error(dev_trust, tmp_path) -> None:
    plain = make_video(tmp_path / "plain.mp4")
    result = verify_file(plain, trust=dev_trust)
    assert result.state == "NoManifest" and not result.has_manifest
    assert result.active_manifest is None and result.failures == ()
    assert "no C2PA manifest" in result.reasons[0]
    assert result.as_dict()["has_manifest"] is False


def test_without_trust_anchors_a_good_file_is_never_trusted(signed_mp4) -> None:
    result = verify_file(signed_mp4.path, trust=None)
    assert result.state == "Valid" and not result.trusted


def test_file_that_cannot_carry_a_manifest(dev_trust, tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("plain text")
    result = verify_file(notes, trust=dev_trust)
    assert result.state == "NoManifest" and "not a format" in result.reasons[0]


def test_unreadable_file_is_a_media_error(dev_trust, tmp_path) -> None:
    from ledger.errors import MediaRejected

    with pytest.raises(MediaRejected, match="missing.mp4"):
        verify_file(tmp_path / "missing.mp4", trust=dev_trust)
