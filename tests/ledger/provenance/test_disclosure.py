"""The AI-generated disclosure (SB 942 / AB 853, EU AI Act Art. 50(2)) in signed clips, read back by c2pa-python."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import c2pa
import pytest

from ledger.errors import ValidationFailed
from ledger.provenance import (
    DISCLOSURE_LABEL, TRAINED_ALGORITHMIC_MEDIA, AiDisclosure, ClearanceRelease, GeneratingModel, SigningIdentity,
    TrustSettings, VisibleLabel, read_disclosure, sign_clip, verify_file,
)

from .conftest import make_image, make_video

DISCLOSURE = AiDisclosure(provider="Northlight Pictures LLC", system_name="StudioVid", system_version="3.2",
                          created_at="2026-08-03T10:15:00Z", identifier="clearance:clip:clp_123",
                          digital_source_type=TRAINED_ALGORITHMIC_MEDIA)


@pytest.mark.parametrize("suffix", [".mp4", ".jpg"])
def test_disclosure_fields_are_read_back_by_c2pa_python(suffix: str, identity: SigningIdentity,
                                                        release: ClearanceRelease, model: GeneratingModel,
                                                        dev_trust: TrustSettings, tmp_path: Path) -> None:
    source = make_video(tmp_path / "in.mp4") if suffix == ".mp4" else make_image(tmp_path / "in.jpg")
    out = tmp_path / f"signed{suffix}"
    sign_clip(source, out, identity=identity, release=release, model=model, disclosure=DISCLOSURE)
    with c2pa.Reader(str(out)) as reader:  # c2pa-python itself, not our parser
        store = json.loads(reader.json())
    manifest = store["manifests"][store["active_manifest"]]
    by_label = {a["label"]: a["data"] for a in manifest["assertions"]}
    data = by_label[DISCLOSURE_LABEL]
    assert (data["provider"], data["system_name"], data["system_version"], data["created_at"], data["identifier"]) == (
        "Northlight Pictures LLC", "StudioVid", "3.2", "2026-08-03T10:15:00Z", "clearance:clip:clp_123")
    assert data["ai_generated"] is True and data["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
    [created] = [a for a in by_label["c2pa.actions.v2"]["actions"] if a["action"] == "c2pa.created"]
    assert created["when"] == "2026-08-03T10:15:00Z" and created["softwareAgent"]["version"] == "3.2"
    result = verify_file(out, trust=dev_trust)
    assert result.trusted  # the disclosure is covered by the claim signature
    found = read_disclosure(result.active_manifest.assertions)  # type: ignore[union-attr]
    assert found["complete"] and found["missing"] == [] and found["ai_generated"]
    assert found["provider"] == "Northlight Pictures LLC" and found["identifier"] == "clearance:clip:clp_123"


def _store(path: Path) -> tuple[dict, dict]:
    """The active manifest as c2pa-python's Reader parses it (an implementation of C2PA that is not ours)."""
    with c2pa.Reader(str(path)) as reader:
        store = json.loads(reader.json())
    manifest = store["manifests"][store["active_manifest"]]
    return manifest, {a["label"]: a["data"] for a in manifest["assertions"]}


@pytest.mark.parametrize("suffix", [".mp4", ".png"])
def test_each_field_sits_in_its_standard_c2pa_place(suffix: str, identity: SigningIdentity, release: ClearanceRelease,
                                                     model: GeneratingModel, tmp_path: Path) -> None:
    """SB 942's unique identifier is the manifest's instance_id; the system, time and AI marking are the
    created action's softwareAgent, when and digitalSourceType; the soft binding is c2pa.soft-binding."""
    source = make_video(tmp_path / "in.mp4") if suffix == ".mp4" else make_image(tmp_path / "in.png")
    out = tmp_path / f"signed{suffix}"
    sign_clip(source, out, identity=identity, release=release, model=model, disclosure=DISCLOSURE)
    manifest, by_label = _store(out)
    assert manifest["instance_id"] == "clearance:clip:clp_123"
    [created] = [a for a in by_label["c2pa.actions.v2"]["actions"] if a["action"] == "c2pa.created"]
    assert created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert (created["softwareAgent"]["name"], created["softwareAgent"]["version"], created["when"]) == (
        "StudioVid", "3.2", "2026-08-03T10:15:00Z")
    assert by_label["c2pa.soft-binding"]["alg"] == "io.iscc.v0"
    found = read_disclosure(by_label, manifest["instance_id"])
    by_name = {f["name"]: f for f in found["fields"]}
    assert by_name["identifier"]["found_in"] == ["manifest instance_id", f"{DISCLOSURE_LABEL} identifier"]
    assert by_name["system_version"]["found_in"][0] == "c2pa.actions softwareAgent.version"
    assert by_name["soft_binding"]["value"] == "io.iscc.v0" and found["complete"] and found["conflicts"] == []


def test_each_field_names_the_law_it_serves() -> None:
    fields = {f["name"]: f for f in read_disclosure({})["fields"]}
    assert list(fields) == ["ai_generated", "provider", "system_name", "system_version", "created_at", "identifier",
                            "soft_binding"]
    assert any("22757.3(b)(1)(A)" in law for law in fields["provider"]["laws"])
    assert all(any("22757.3(b)(1)(B)" in law for law in fields[n]["laws"]) for n in ("system_name", "system_version"))
    assert any("22757.3(b)(1)(C)" in law for law in fields["created_at"]["laws"])
    assert any("22757.3(b)(1)(D)" in law for law in fields["identifier"]["laws"])
    assert any("Art. 50(2)" in law for law in fields["ai_generated"]["laws"])
    assert any("Art. 50(2)" in law for law in fields["soft_binding"]["laws"])
    assert any("22757.3(b)(4)" in law for law in fields["soft_binding"]["laws"])
    assert all(not f["present"] for f in fields.values())


@pytest.mark.parametrize("unknown", ["provider", "system_version", "created_at", "identifier"])
def test_signing_is_refused_when_a_required_field_is_unknown(unknown: str, identity: SigningIdentity,
                                                             release: ClearanceRelease, tmp_path: Path) -> None:
    disclosure = replace(DISCLOSURE, **{unknown: None})
    model = GeneratingModel(name="StudioVid", version=disclosure.system_version)
    out = tmp_path / "signed.jpg"
    with pytest.raises(ValidationFailed) as refused:
        sign_clip(make_image(tmp_path / "in.jpg"), out, identity=identity, release=release, model=model,
                  disclosure=disclosure)
    [problem] = refused.value.problems
    assert problem.field == unknown and "22757.3(b)(1)" in problem.message
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "in.jpg"]  # nothing half-written


def test_a_disclosure_naming_another_system_than_the_action_is_refused(identity: SigningIdentity,
                                                                       release: ClearanceRelease,
                                                                       tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="inconsistent"):
        sign_clip(make_image(tmp_path / "in.jpg"), tmp_path / "out.jpg", identity=identity, release=release,
                  model=GeneratingModel(name="OtherVid", version="9"), disclosure=DISCLOSURE)


def test_a_required_visible_label_is_recorded_in_the_manifest(identity: SigningIdentity, release: ClearanceRelease,
                                                              model: GeneratingModel, dev_trust: TrustSettings,
                                                              tmp_path: Path) -> None:
    label = VisibleLabel(law="N.Y. Gen. Bus. Law § 396-b(3)", jurisdiction="US-NY",
                         label="this advertisement contains a synthetic performer", reason="an advertisement")
    out = tmp_path / "ad.jpg"
    sign_clip(make_image(tmp_path / "in.jpg"), out, identity=identity, release=release, model=model,
              disclosure=replace(DISCLOSURE, visible_labels=(label,)))
    _, by_label = _store(out)
    assert by_label[DISCLOSURE_LABEL]["visible_labels_required"] == [label.as_dict()]
    manifest = verify_file(out, trust=dev_trust).active_manifest
    assert read_disclosure(manifest.assertions, manifest.instance_id)["visible_labels_required"] == [  # type: ignore[union-attr]
        label.as_dict()]


def test_places_that_disagree_are_reported() -> None:
    assertions = {"c2pa.actions.v2": {"actions": [{"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                                                   "softwareAgent": {"name": "StudioVid", "version": "3.1"},
                                                   "when": "2026-08-03T10:15:00Z"}]},
                  DISCLOSURE_LABEL: DISCLOSURE.as_assertion_data(),
                  "c2pa.soft-binding": {"alg": "io.iscc.v0", "blocks": [{"scope": {}, "value": "x"}]}}
    found = read_disclosure(assertions, "xmp:iid:0")
    assert found["conflicts"] == ["system_version"] and found["missing"] == [] and not found["complete"]
    assert found["identifier"] == "clearance:clip:clp_123"  # the ledger's identifier, beside the instance id


def test_a_manifest_without_the_disclosure_reports_what_is_missing(identity: SigningIdentity,
                                                                   release: ClearanceRelease, dev_trust: TrustSettings,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "signed.jpg"
    sign_clip(make_image(tmp_path / "in.jpg"), out, identity=identity, release=release,
              model=GeneratingModel(name="StudioVid"))
    manifest = verify_file(out, trust=dev_trust).active_manifest
    assert manifest is not None
    found = read_disclosure(manifest.assertions, manifest.instance_id)
    assert not found["present"] and found["ai_generated"]  # the action still says trainedAlgorithmicMedia
    # c2pa gives every manifest an instance id (xmp.iid:...), a unique identifier in its own right
    assert found["missing"] == ["provider", "system_version", "created_at"] and not found["complete"]
    assert found["system_name"] == "StudioVid" and found["identifier"].startswith("xmp.iid:")
    assert [f["name"] for f in found["fields"] if not f["present"]] == found["missing"]


