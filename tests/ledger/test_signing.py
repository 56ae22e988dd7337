"""Signing a cleared check writes the AI disclosure from the records; verify reports it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import c2pa
from fastapi.testclient import TestClient
from PIL import Image

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.checks.models import Clip
from ledger.context import Clearance
from ledger.demo.media import synthetic_work
from ledger.log import store
from ledger.log.events import Envelope
from ledger.provenance import DISCLOSURE_LABEL
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from ledger.settings import Settings
from ledger.setup import initialise
from ledger.signing import verify_media


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
