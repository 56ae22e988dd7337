"""Real C2PA files made by others (../shared/data/c2pa), and the legacy training-mining assertion."""

from __future__ import annotations

import json
from pathlib import Path

import c2pa
import pytest

from ledger.provenance import TrustSettings, verify_file
from ledger.provenance.assertions import parse_training_mining
from ledger.provenance.trust import make_context

from .conftest import make_image

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def c2pa_dir(shared_data: Path) -> Path:
    return shared_data / "c2pa"


@pytest.fixture(scope="module")
def test_roots(c2pa_dir: Path) -> TrustSettings:
    return TrustSettings.load(c2pa_dir / "trust_config_test_settings.json")


@pytest.mark.parametrize("name, state, codes", [
    ("C.jpg", "Trusted", ()),
    ("CA.jpg", "Trusted", ()),
    ("XCA_data_hash_mismatch.jpg", "Invalid", ("assertion.dataHash.mismatch",)),
    ("E-sig-CA_claim_signature_mismatch.jpg", "Invalid", ("claimSignature.mismatch",)),
    ("video1_two_manifests.mp4", "Valid", ()),
    ("A_no_manifest.jpg", "NoManifest", ()),
    ("video1_no_manifest.mp4", "NoManifest", ()),
])
def test_shared_file_state(name, state, codes, c2pa_dir, test_roots) -> None:
    result = verify_file(c2pa_dir / name, trust=test_roots)
    assert result.state == state, result.reasons
    assert result.codes == codes
    assert result.has_manifest == (state != "NoManifest")
    if state == "Invalid":
        assert result.reasons and all(not r.startswith(codes[0]) for r in result.reasons)


def test_trusted_file_details(c2pa_dir, test_roots) -> None:
    result = verify_file(c2pa_dir / "CA.jpg", trust=test_roots)
    manifest = result.active_manifest
    assert manifest.label.startswith("contentauth:urn:uuid:")
    assert manifest.claim_generator.startswith("make_test_images")
    assert manifest.signer.common_name == "C2PA Signer"
    assert manifest.signer.issuer == "C2PA Test Signing Cert"
    assert [a.action for a in manifest.actions] == ["c2pa.opened", "c2pa.color_adjustments"]
    assert len(manifest.ingredients) == 1 and manifest.ingredients[0].relationship == "parentOf"
    assert manifest.clearance is None and manifest.training_mining == ()
    json.dumps(result.as_dict())  # the API and --json output must serialise


def test_two_manifests_report_the_untrusted_ingredient(c2pa_dir, test_roots) -> None:
    result = verify_file(c2pa_dir / "video1_two_manifests.mp4", trust=test_roots)
    assert result.manifest_count == 2 and not result.trusted
    assert [c.code for c in result.ingredient_failures] == ["signingCredential.untrusted"]
    assert any("ingredient" in r for r in result.reasons)
    assert result.active_manifest.ingredients[0].active_manifest.startswith("urn:uuid:54281c07")


def test_other_roots_do_not_make_a_file_trusted(c2pa_dir, dev_trust) -> None:
    result = verify_file(c2pa_dir / "C.jpg", trust=dev_trust)
    assert result.state == "Valid" and "signingCredential.untrusted" in result.codes


def test_legacy_training_mining_assertion_is_read(c2pa_dir, identity, dev_trust,
                                                  tmp_path) -> None:
    definition = json.loads((c2pa_dir / "do_not_train_manifest_example.json").read_text())
    definition.pop("ta_url", None)  # no network here: sign without a timestamp
    # c2pa-rs now requires a first action of created/opened; the legacy assertion is kept as is.
    definition["assertions"].append({"label": "c2pa.actions.v2", "data": {"actions": [
        {"action": "c2pa.created",
         "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation"}]}})
    source = make_image(tmp_path / "in.jpg")
    out = tmp_path / "legacy.jpg"
    builder = c2pa.Builder(definition, make_context(None))
    with identity.c2pa_signer() as signer, open(source, "rb") as src, open(out, "w+b") as dst:
        builder.sign(signer, "image/jpeg", src, dst)

    manifest = verify_file(out, trust=dev_trust).active_manifest
    assert manifest.training_mining_label == "c2pa.training-mining"
    entries = {e.key: e for e in manifest.training_mining}
    assert set(entries) == {"c2pa.ai_generative_training", "c2pa.ai_inference",
                            "c2pa.ai_training", "c2pa.data_mining"}
    assert all(e.use == "notAllowed" and e.opt_out for e in entries.values())
    assert len(manifest.opt_outs) == 4


def test_training_mining_normalisation() -> None:
    entries = {e.key: e for e in parse_training_mining({"entries": {
        "cawg.ai_training": {"use": "constrained"},
        "cawg.ai_inference": {"use": "constrained", "constraint_info": "see https://x.test/terms"},
        "cawg.data_mining": {"use": "allowed"},
        "cawg.ai_generative_training": {"use": "maybe"},
    }})}
    assert entries["cawg.ai_training"].effective_use == "notAllowed"
    assert entries["cawg.ai_inference"].effective_use == "constrained"
    assert entries["cawg.ai_inference"].opt_out
    assert entries["cawg.data_mining"].effective_use == "allowed"
    assert not entries["cawg.data_mining"].opt_out
    assert entries["cawg.ai_generative_training"].effective_use == "notAllowed"
    assert parse_training_mining({"entries": "nonsense"}) == []
