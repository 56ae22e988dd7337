"""The AI-generated disclosure (SB 942 / AB 853, EU AI Act Art. 50(2)) in signed clips, read back by c2pa-python."""

from __future__ import annotations

import json
from pathlib import Path

import c2pa
import pytest

from ledger.provenance import (
    DISCLOSURE_LABEL, TRAINED_ALGORITHMIC_MEDIA, AiDisclosure, ClearanceRelease, GeneratingModel, SigningIdentity,
    TrustSettings, read_disclosure, sign_clip, verify_file,
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


def test_a_manifest_without_the_disclosure_reports_what_is_missing(identity: SigningIdentity,
                                                                   release: ClearanceRelease, dev_trust: TrustSettings,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "signed.jpg"
    sign_clip(make_image(tmp_path / "in.jpg"), out, identity=identity, release=release,
              model=GeneratingModel(name="StudioVid"))
    found = read_disclosure(verify_file(out, trust=dev_trust).active_manifest.assertions)  # type: ignore[union-attr]
    assert not found["present"] and found["ai_generated"]  # the action still says trainedAlgorithmicMedia
    assert found["missing"] == ["provider", "system_version", "created_at", "identifier"]
    assert found["system_name"] == "StudioVid" and not found["complete"]


def test_provider_may_be_unknown_and_is_then_reported_missing() -> None:
    data = AiDisclosure(provider=None, system_name="S", system_version="1", created_at="2026-01-01T00:00:00Z",
                        identifier="x", digital_source_type=TRAINED_ALGORITHMIC_MEDIA).as_assertion_data()
    assert "provider" not in data
    assert read_disclosure({DISCLOSURE_LABEL: data})["missing"] == ["provider"]
