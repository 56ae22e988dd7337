"""Signing a cleared check writes the AI disclosure from the records (or refuses, naming what is unknown);
verify reports each field with the law it serves; an advertisement in New York carries its label."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typing import Any

import c2pa
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.checks.display import disclosure_lines
from ledger.checks.models import Clip
from ledger.checks.request import CheckRequest
from ledger.checks.service import check_clip
from ledger.context import Clearance
from ledger.demo.media import synthetic_work
from ledger.log import store
from ledger.errors import Conflict
from ledger.log.events import Envelope
from ledger.log.tables import LogEntry
from ledger.provenance import DISCLOSURE_LABEL, ClearanceRelease, GeneratingModel, sign_clip
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from ledger.settings import Settings
from ledger.setup import initialise
from ledger.signing import sign_check, signing_identity, verify_media


def test_signed_clip_discloses_provider_system_time_and_id(tmp_path: Path) -> None:
    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(tmp_path / "home"),
                                           "CLEARANCE_PROVIDER_NAME": "Northlight Pictures LLC"}))
    initialise(ctx)
    studio = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Northlight"}, "t").record["id"]
    model = create_record(ctx, KINDS["model"], {"name": "NL-Video", "version": "0.3", "developer_id": studio},
                          "t").record["id"]
    key, _ = create_key(ctx, "generator")
    client, auth = TestClient(create_app(ctx)), {"Authorization": f"Bearer {key}"}
    image = io.BytesIO()
    Image.open(io.BytesIO(synthetic_work(5))).convert("RGB").save(image, format="JPEG", quality=90)
    request = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"],
               "model_id": model}
    checked = client.post("/v1/checks", files={"file": ("clip.jpg", image.getvalue())},
                          data={"request": json.dumps(request)}, headers=auth)
    assert checked.status_code == 200 and checked.json()["verdict"] == "pass", checked.text
    check_id = checked.json()["check_id"]
    assert client.post(f"/v1/checks/{check_id}/sign", headers=auth).status_code == 200
    signed = tmp_path / "signed.jpg"
    signed.write_bytes(client.get(f"/v1/checks/{check_id}/signed", headers=auth).content)

    with ctx.db.reader() as session:
        clip = session.get(Clip, checked.json()["clip_id"])
        submitted = Envelope.parse(store.get_entry(session, clip.log_index).leaf).time  # type: ignore[union-attr]
    with c2pa.Reader(str(signed)) as reader:
        manifest_store = json.loads(reader.json())
    data = {a["label"]: a["data"] for a in manifest_store["manifests"][manifest_store["active_manifest"]]["assertions"]}
    assert data[DISCLOSURE_LABEL]["provider"] == "Northlight Pictures LLC"  # the setting wins over the developer
    assert (data[DISCLOSURE_LABEL]["system_name"], data[DISCLOSURE_LABEL]["system_version"]) == ("NL-Video", "0.3")
    assert data[DISCLOSURE_LABEL]["created_at"] == submitted
    assert data[DISCLOSURE_LABEL]["identifier"] == f"clearance:clip:{clip.id}"  # type: ignore[union-attr]

    report = verify_media(ctx, signed)
    assert report.ok and report.disclosure is not None and report.disclosure["complete"]
    assert report.as_json()["disclosure"]["provider"] == "Northlight Pictures LLC"


def _world(tmp_path: Path, **overrides: Any) -> tuple[Clearance, str | None]:
    """An initialised ledger; with ``developer`` False its model names no developer."""
    developer = overrides.pop("developer", True)
    environ = {"CLEARANCE_HOME": str(tmp_path / "home"), **overrides.pop("environ", {})}
    ctx = Clearance(Settings.load(environ=environ, **overrides))
    initialise(ctx)
    studio = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Northlight Pictures"}, "t")
    fields = {"name": "NL-Video", "version": "0.3", **({"developer_id": studio.record["id"]} if developer else {})}
    return ctx, create_record(ctx, KINDS["model"], fields, "t").record["id"]


def _jpeg(seed: int) -> bytes:
    image = io.BytesIO()
    Image.open(io.BytesIO(synthetic_work(seed))).convert("RGB").save(image, format="JPEG", quality=90)
    return image.getvalue()


def _passed(ctx: Clearance, seed: int = 5, **request: Any) -> dict[str, Any]:
    body = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"], **request}
    outcome = check_clip(ctx, CheckRequest(**body), _jpeg(seed), "clip.jpg", "t").as_json()
    assert outcome["verdict"] == "pass", outcome
    return outcome


def _signed_entries(ctx: Clearance) -> int:
    with ctx.db.reader() as session:
        return sum(1 for e in session.exec(select(LogEntry)) if Envelope.parse(e.leaf).type == "clip.signed")


def test_signing_is_refused_naming_the_provider_when_no_one_is_known(tmp_path: Path) -> None:
    ctx, model = _world(tmp_path, developer=False)
    check_id = _passed(ctx, model_id=model)["check_id"]
    out = tmp_path / "signed.jpg"
    with pytest.raises(Conflict) as refused:
        sign_check(ctx, check_id, out, "t")
    assert [p.field for p in refused.value.problems] == ["provider"]
    assert "22757.3(b)(1)(A)" in str(refused.value) and "CLEARANCE_PROVIDER_NAME" in str(refused.value)
    assert not out.exists() and _signed_entries(ctx) == 0  # nothing written, nothing logged


def test_a_clip_without_a_registered_model_needs_its_service_system_configured(tmp_path: Path) -> None:
    ctx, _ = _world(tmp_path, environ={"CLEARANCE_PROVIDER_NAME": "Northlight Pictures LLC"})
    check_id = _passed(ctx)["check_id"]
    with pytest.raises(Conflict) as refused:
        sign_check(ctx, check_id, tmp_path / "refused.jpg", "t")
    assert [p.field for p in refused.value.problems] == ["system_version"]
    assert "[generative_systems.gen-svc]" in str(refused.value)

    configured, _ = _world(tmp_path / "b", environ={"CLEARANCE_PROVIDER_NAME": "Northlight Pictures LLC"},
                           generative_systems={"gen-svc": {"name": "Northlight Gen", "version": "2026.11"}})
    check_id = _passed(configured)["check_id"]
    out = tmp_path / "signed.jpg"
    sign_check(configured, check_id, out, "t")
    with c2pa.Reader(str(out)) as reader:  # read by c2pa-python, not by our own parser
        manifest_store = json.loads(reader.json())
    manifest = manifest_store["manifests"][manifest_store["active_manifest"]]
    data = {a["label"]: a["data"] for a in manifest["assertions"]}
    [created] = data["c2pa.actions.v2"]["actions"]
    assert (created["softwareAgent"]["name"], created["softwareAgent"]["version"]) == ("Northlight Gen", "2026.11")
    assert (data[DISCLOSURE_LABEL]["system_name"], data[DISCLOSURE_LABEL]["system_version"]) == (
        "Northlight Gen", "2026.11")
    report = verify_media(configured, out)
    assert report.ok and report.disclosure is not None and report.disclosure["complete"]


def test_an_advertisement_in_new_york_with_a_synthetic_performer_needs_a_visible_label(tmp_path: Path) -> None:
    ctx, model = _world(tmp_path)
    outcome = _passed(ctx, model_id=model, media=["advertising"], territories=["US-NY"], synthetic_performer=True)
    [label] = outcome["obligations"]
    assert (label["kind"], label["jurisdiction"], label["law"]) == ("visible_label", "US-NY",
                                                                    "N.Y. Gen. Bus. Law § 396-b(3)")
    assert "synthetic performer" in label["label"]
    out = tmp_path / "ad.jpg"
    sign_check(ctx, outcome["check_id"], out, "t")
    with c2pa.Reader(str(out)) as reader:
        manifest_store = json.loads(reader.json())
    manifest = manifest_store["manifests"][manifest_store["active_manifest"]]
    data = {a["label"]: a["data"] for a in manifest["assertions"]}
    [recorded] = data[DISCLOSURE_LABEL]["visible_labels_required"]
    assert recorded["law"] == "N.Y. Gen. Bus. Law § 396-b(3)" and recorded["jurisdiction"] == "US-NY"
    assert manifest["instance_id"] == f"clearance:clip:{outcome['clip_id']}"  # SB 942's unique identifier
    report = verify_media(ctx, out)
    assert report.ok and report.disclosure is not None
    assert report.as_json()["disclosure"]["visible_labels_required"] == [recorded]
    assert {f["name"]: f["present"] for f in report.disclosure["fields"]} == {
        "ai_generated": True, "provider": True, "system_name": True, "system_version": True, "created_at": True,
        "identifier": True, "soft_binding": True}
    # the same clip as a streaming release: no label
    assert _passed(ctx, seed=6, model_id=model, territories=["US-NY"], synthetic_performer=True)["obligations"] == []


def test_verify_reports_a_signed_clip_missing_a_required_field(tmp_path: Path) -> None:
    """A clip signed by this ledger's key without the disclosure (an earlier version's, say) is named incomplete."""
    ctx, _ = _world(tmp_path)
    out = tmp_path / "bare.jpg"
    source = tmp_path / "in.jpg"
    source.write_bytes(_jpeg(9))
    release = ClearanceRelease(check_id="chk_x", verdict="pass", policy_set_hash="ab" * 32, log_index=0,
                               log_origin=ctx.log_key.origin, checkpoint="x")
    sign_clip(source, out, identity=signing_identity(ctx), release=release, model=GeneratingModel(name="NL-Video"))
    report = verify_media(ctx, out)
    assert report.disclosure is not None and not report.disclosure["complete"]
    assert report.disclosure["missing"] == ["provider", "system_version", "created_at"]
    lines = disclosure_lines(report.disclosure)
    assert lines[0].endswith("INCOMPLETE: missing provider, system_version, created_at")
    assert "  provider's name: MISSING" in lines
    assert any("serves Cal. Bus. & Prof. Code § 22757.3(b)(1)(A)" in line for line in lines)


def test_the_api_keeps_a_passed_check_it_cannot_sign_and_says_why(tmp_path: Path) -> None:
    ctx, _ = _world(tmp_path, environ={"CLEARANCE_PROVIDER_NAME": "Northlight Pictures LLC"})
    key, _ = create_key(ctx, "generator")
    client, auth = TestClient(create_app(ctx)), {"Authorization": f"Bearer {key}"}
    request = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"]}
    checked = client.post("/v1/checks", files={"file": ("clip.jpg", _jpeg(7))},
                          data={"request": json.dumps(request)}, headers=auth)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["verdict"] == "pass" and body["signed"] is None
    assert [e["field"] for e in body["signing_refused"]["errors"]] == ["system_version"]
    refused = client.post(f"/v1/checks/{body['check_id']}/sign", headers=auth)
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "system_version"
    assert "22757.3(b)(1)(B)" in refused.json()["errors"][0]["message"]
