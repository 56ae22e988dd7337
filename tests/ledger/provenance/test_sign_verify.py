"""Signing a cleared clip and reading it back: manifest content, formats, frames unchanged."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ledger.errors import Conflict, MediaRejected, ProvenanceError, ValidationFailed
from ledger.provenance import (
    CLEARANCE_LABEL, NO_AI_TRAINING, TRAINED_ALGORITHMIC_MEDIA, ReferenceInput,
    TrainingMiningEntry, sign_clip, sign_clip_bytes, verify_bytes, verify_file,
)

from .conftest import decoded_frames, make_image, make_video


def _input(tmp_path: Path, suffix: str) -> Path:
    if suffix in (".mp4", ".mov"):
        return make_video(tmp_path / f"clip{suffix}", container="mov" if suffix == ".mov" else None)
    return make_image(tmp_path / f"still{suffix}")


@pytest.mark.parametrize("suffix, media_type", [
    (".mp4", "video/mp4"), (".mov", "video/quicktime"), (".jpg", "image/jpeg"),
    (".png", "image/png"), (".webp", "image/webp"),
])
def test_round_trip_is_trusted_and_frames_are_unchanged(suffix, media_type, identity, dev_trust,
                                                         release, model, tmp_path) -> None:
    source = _input(tmp_path, suffix)
    source_hash = hashlib.sha256(source.read_bytes()).hexdigest()
    signed = sign_clip(source, tmp_path / f"signed{suffix}", identity=identity, release=release,
                       model=model, training_mining=NO_AI_TRAINING)

    assert signed.media_type == media_type
    assert signed.clip_sha256 == source_hash
    assert signed.sha256 == hashlib.sha256(signed.path.read_bytes()).hexdigest() != source_hash
    assert hashlib.sha256(source.read_bytes()).hexdigest() == source_hash  # input untouched

    result = verify_file(signed.path, trust=dev_trust)
    assert result.state == "Trusted", result.reasons
    assert result.trusted and result.failures == () and result.reasons == ()
    assert result.manifest_sha256 == signed.manifest_sha256
    assert result.active_manifest.label == signed.manifest_label
    assert result.file_sha256 == signed.sha256

    before, after = decoded_frames(source), decoded_frames(signed.path)
    assert len(before) == len(after) >= 1
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_manifest_records_action_agent_ingredients_training_and_release(
        identity, dev_trust, release, model, tmp_path) -> None:
    reference = make_image(tmp_path / "ref.jpg", seed=9)
    references = [
        ReferenceInput("storyboard.jpg", "image/jpeg", path=reference, asset_id="ast_1"),
        ReferenceInput("plate.mp4", "video/mp4", asset_id="ast_2", sha256="cd" * 32),
    ]
    mining = (TrainingMiningEntry("cawg.ai_training", "notAllowed"),
              TrainingMiningEntry("cawg.ai_inference", "constrained", "licensed partners only"),
              TrainingMiningEntry("cawg.data_mining", "allowed"))
    reviewed = replace(release, verdict="approved", reviewer="legal@studio.test")
    signed = sign_clip(make_video(tmp_path / "in.mp4"), tmp_path / "out.mp4", identity=identity,
                       release=reviewed, model=model, references=references,
                       training_mining=mining)
    manifest = verify_file(signed.path, trust=dev_trust).active_manifest

    assert manifest.claim_generator.startswith("clearance")
    assert manifest.signer.common_name == "Clearance Dev Signer"
    assert manifest.signer.issuer == "Clearance Development"
    (action,) = manifest.actions
    assert action.action == "c2pa.created"
    assert action.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert action.software_agent == "StudioVid 3.2"
    assert "c2pa.actions.v2" in manifest.assertions

    assert sorted(i.title for i in manifest.ingredients) == ["plate.mp4", "storyboard.jpg"]
    assert {i.relationship for i in manifest.ingredients} == {"inputTo"}
    assert {i.instance_id for i in manifest.ingredients} == {"clearance:asset:ast_1",
                                                             "clearance:asset:ast_2"}
    linked = {url.rsplit("/", 1)[-1] for url in action.ingredient_urls}
    assert linked == {i.label for i in manifest.ingredients}

    assert manifest.training_mining_label == "cawg.training-mining"
    uses = {e.key: (e.use, e.effective_use, e.opt_out) for e in manifest.training_mining}
    assert uses == {"cawg.ai_training": ("notAllowed", "notAllowed", True),
                    "cawg.ai_inference": ("constrained", "constrained", True),
                    "cawg.data_mining": ("allowed", "allowed", False)}

    clearance = manifest.clearance
    assert clearance == replace(reviewed, clip_sha256=signed.clip_sha256)
    assert manifest.assertions[CLEARANCE_LABEL]["schema_version"] == 1


def test_sign_bytes_matches_sign_file(identity, dev_trust, release, model, tmp_path) -> None:
    data = make_image(tmp_path / "a.png").read_bytes()
    signed_bytes, info = sign_clip_bytes(data, identity=identity, release=release, model=model)
    assert info.clip_sha256 == hashlib.sha256(data).hexdigest()
    result = verify_bytes(signed_bytes, trust=dev_trust)
    assert result.state == "Trusted" and result.manifest_sha256 == info.manifest_sha256
    assert result.active_manifest.clearance.clip_sha256 == info.clip_sha256


@pytest.mark.parametrize("verdict", ["block", "review"])
def test_blocked_or_unreviewed_clip_is_refused(verdict, identity, release, model, tmp_path) -> None:
    out = tmp_path / "out.jpg"
    with pytest.raises(Conflict, match=verdict):
        sign_clip(make_image(tmp_path / "a.jpg"), out, identity=identity,
                  release=replace(release, verdict=verdict), model=model)
    assert not out.exists()


def test_approved_review_must_name_the_reviewer(identity, release, model, tmp_path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        sign_clip(make_image(tmp_path / "a.jpg"), tmp_path / "o.jpg", identity=identity,
                  release=replace(release, verdict="approved"), model=model)
    assert [p.field for p in caught.value.problems] == ["reviewer"]


def test_unsupported_media_is_rejected_and_nothing_written(identity, release, model,
                                                           tmp_path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not media")
    with pytest.raises(MediaRejected, match="notes.txt"):
        sign_clip(text, tmp_path / "o.mp4", identity=identity, release=release, model=model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_failed_signing_leaves_no_partial_output(identity, release, model, tmp_path) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\xff" * 64)  # ftyp, then a broken box
    with pytest.raises(ProvenanceError) as caught:
        sign_clip(fake, tmp_path / "o.mp4", identity=identity, release=release, model=model)
    assert "fake.mp4" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake.mp4"]
