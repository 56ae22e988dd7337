"""Provenance as the ledger uses it: verify any file, record manifests on ingest, audit training sets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ledger.context import Clearance
from ledger.fingerprints.service import register_asset
from ledger.provenance import ClearanceRelease, GeneratingModel, TrainingMiningEntry, sign_clip
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, list_records
from ledger.checks.training import audit_training
from ledger.signing import signing_identity
from tests.ledger.cli.test_cli import run
from .conftest import make_image

pytestmark = pytest.mark.corpus


@pytest.mark.parametrize("name, code", [
    ("C.jpg", 0), ("CA.jpg", 0), ("XCA_data_hash_mismatch.jpg", 8), ("E-sig-CA_claim_signature_mismatch.jpg", 8),
    ("A_no_manifest.jpg", 8), ("video1_no_manifest.mp4", 8), ("video1_two_manifests.mp4", 8),
])
def test_verify_files_made_by_others(tmp_path: Path, shared_data: Path, name: str, code: int) -> None:
    home = tmp_path / "home"
    run(home, "init")
    os.environ["CLEARANCE_C2PA_TRUST_SETTINGS"] = str(shared_data / "c2pa" / "trust_config_test_settings.json")
    try:
        result = run(home, "verify", str(shared_data / "c2pa" / name), "--json", check=False)
    finally:
        del os.environ["CLEARANCE_C2PA_TRUST_SETTINGS"]
    assert result.returncode == code, result.stdout.decode() + result.stderr.decode()
    report = json.loads(result.stdout)
    expected_state = {"C.jpg": "Trusted", "CA.jpg": "Trusted", "A_no_manifest.jpg": "NoManifest",
                      "video1_no_manifest.mp4": "NoManifest", "video1_two_manifests.mp4": "Valid"}.get(name, "Invalid")
    assert report["c2pa"]["state"] == expected_state
    assert report["log"]["ok"] is None  # none of these carries a Clearance assertion


def test_ingest_records_manifest_and_turns_training_mining_into_opt_outs(sqlite_ctx: Clearance, tmp_path: Path,
                                                                          shared_data: Path) -> None:
    ctx = sqlite_ctx
    source = make_image(tmp_path / "still.png", size=(320, 240), seed=4)
    signed = tmp_path / "signed.png"
    release = ClearanceRelease(check_id="external", verdict="pass", policy_set_hash="0" * 64, log_index=0,
                               log_origin="elsewhere", checkpoint="elsewhere\n1\n" + "A" * 43 + "=\n\n— x y\n")
    sign_clip(source, signed, identity=signing_identity(ctx), release=release,
              model=GeneratingModel(name="other-model"),
              training_mining=[TrainingMiningEntry("cawg.ai_training", "notAllowed"),
                               TrainingMiningEntry("cawg.ai_inference", "allowed")])
    studio = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "S"}, "t").record["id"]
    lic = create_record(ctx, KINDS["license"], {"licensor_id": studio, "licensee_id": studio,
                                                "permitted_uses": ["train"], "media": ["any"],
                                                "territories": ["WORLD"], "starts_on": "2024-01-01"}, "t").record["id"]
    asset = register_asset(ctx, {"role": "training_asset", "acquisition_method": "licensed", "license_id": lic},
                           signed.read_bytes(), "signed.png", "t").written.record
    c2pa = asset["rights_management_info"]["c2pa"]
    assert c2pa["state"] == "Trusted" and c2pa["training_mining"]["cawg.ai_training"] == {"use": "notAllowed"}
    _, signals = list_records(ctx, KINDS["opt_out"])
    assert {(s["entry"], s["value"]) for s in signals} == {("cawg.ai_training", "notAllowed"),
                                                          ("cawg.ai_inference", "allowed")}
    broken = register_asset(ctx, {"role": "reference_work", "acquisition_method": "purchased"},
                            (shared_data / "c2pa" / "XCA_data_hash_mismatch.jpg").read_bytes(), "XCA.jpg", "t")
    assert broken.written.record["rights_management_info"]["c2pa"]["state"] == "Invalid"

    clean = register_asset(ctx, {"role": "training_asset", "acquisition_method": "licensed", "license_id": lic},
                           make_image(tmp_path / "clean.png", size=(320, 240), seed=9).read_bytes(), "clean.png",
                           "t").written.record
    dataset = create_record(ctx, KINDS["dataset"], {"name": "d"}, "t").record["id"]
    version = create_record(ctx, KINDS["dataset_version"], {"dataset_id": dataset, "version": "1",
                                                             "asset_ids": [asset["id"], clean["id"]]}, "t").record["id"]
    report = audit_training(ctx, version)
    assert report["assets"] == 2 and report["cleared"] == 1
    assert [item["asset_id"] for item in report["not_cleared"]] == [asset["id"]]
    assert "opt-out" in report["not_cleared"][0]["reasons"][0]


def test_forged_clearance_assertions_are_not_verified(sqlite_ctx: Clearance, tmp_path: Path) -> None:
    """A forger copies a real check's id and checkpoint into a manifest signed with their own key,
    or signs with ours but invents the checkpoint: neither verifies."""
    from ledger.provenance import DevCredentials, create_dev_ca
    from ledger.signing import verify_media

    ctx = sqlite_ctx
    real_note = ctx.checkpoint()
    source = make_image(tmp_path / "fake.png", size=(320, 240), seed=12)
    claimed = ClearanceRelease(check_id="chk_real", verdict="pass", policy_set_hash="0" * 64, log_index=0,
                               log_origin=ctx.log_key.origin, checkpoint=real_note)
    forger = create_dev_ca(tmp_path / "forger", organization="Forgers Inc")
    forged = tmp_path / "forged-signer.png"
    sign_clip(source, forged, identity=DevCredentials.in_directory(forger.directory).identity(), release=claimed,
              model=GeneratingModel(name="m"))
    report = verify_media(ctx, forged)
    assert not report.ok and report.c2pa["state"] != "Trusted"
    assert report.log["ok"] is False  # entry 0 is log.initialized, not a check decision
    assert report.content["ok"] is False

    invented = ClearanceRelease(check_id="chk_real", verdict="pass", policy_set_hash="0" * 64, log_index=0,
                                log_origin=ctx.log_key.origin,
                                checkpoint=real_note.replace(real_note.split("\n")[2], "A" * 43 + "="))
    ours = tmp_path / "forged-checkpoint.png"
    sign_clip(source, ours, identity=signing_identity(ctx), release=invented, model=GeneratingModel(name="m"))
    report = verify_media(ctx, ours)
    assert report.c2pa["state"] == "Trusted"
    assert report.log["ok"] is False and "not signed by this log" in report.log["reason"]
    assert not report.ok


def test_an_approval_is_proved_only_by_the_review_entry_it_names(sqlite_ctx: Clearance) -> None:
    """The manifest of an approved clip names its check.reviewed entry; another entry, another reviewer or a
    rejection does not prove an approval."""
    from ledger.checks.reviews import Reviewer, decide
    from ledger.log.note import open_checkpoint
    from ledger.signing import prove_approval
    from tests.ledger.review_studio import clip_in_review, review_studio

    ctx = sqlite_ctx
    studio = review_studio(ctx)
    approved, receipt = decide(ctx, studio.check_id, "approve", "a new work", "key:abc", Reviewer("Jo Legal", "legal"))
    checkpoint = open_checkpoint(ctx.checkpoint(), ctx.log_key.verifier)

    def claim(index: int, reviewer: str = "Jo Legal") -> ClearanceRelease:
        return ClearanceRelease(check_id=studio.check_id, verdict="approved", policy_set_hash="0" * 64,
                                log_index=approved["log_index"], log_origin=ctx.log_key.origin, checkpoint="",
                                reviewer=reviewer, review_log_index=index)

    proved = prove_approval(ctx, claim(receipt.index), checkpoint)
    assert proved["ok"] and proved["reviewer"] == "Jo Legal" and proved["role"] == "legal"
    wrong_entry = prove_approval(ctx, claim(approved["log_index"]), checkpoint)
    assert not wrong_entry["ok"] and "check.decided" in wrong_entry["reason"]
    wrong_person = prove_approval(ctx, claim(receipt.index, reviewer="Someone Else"), checkpoint)
    assert not wrong_person["ok"] and "not the approval by Someone Else" in wrong_person["reason"]
    other = clip_in_review(ctx, studio.asset["id"], name="another.jpg")
    _, rejection = decide(ctx, other.check["id"], "reject", "a copy", "key:abc", Reviewer("Jo Legal", "legal"))
    later = open_checkpoint(ctx.checkpoint(), ctx.log_key.verifier)
    moved = prove_approval(ctx, ClearanceRelease(
        check_id=other.check["id"], verdict="approved", policy_set_hash="0" * 64, log_index=other.check["log_index"],
        log_origin=ctx.log_key.origin, checkpoint="", reviewer="Jo Legal", review_log_index=rejection.index), later)
    assert not moved["ok"] and "records rejected" in moved["reason"]
