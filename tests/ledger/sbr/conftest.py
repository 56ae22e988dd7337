"""A clip checked and signed through the API, shared by the soft binding resolution tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from ledger.settings import Settings
from ledger.setup import initialise
from tests.ledger.provenance.test_soft_binding import make_scene


@dataclass
class Released:
    ctx: Clearance
    client: TestClient
    auth: dict[str, str]
    keys: dict[str, str]
    signed: Path
    manifest_id: str
    check_id: str
    clip_id: str
    folder: Path


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Released]:
    folder = tmp_path_factory.mktemp("sbr")
    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(folder / "home")}))
    initialise(ctx)
    studio = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Northlight"}, "t").record["id"]
    model = create_record(ctx, KINDS["model"], {"name": "NL-Video", "version": "0.3", "developer_id": studio},
                          "t").record["id"]
    keys = {role: create_key(ctx, role)[0] for role in ("generator", "resolver", "auditor")}
    client = TestClient(create_app(ctx))
    clip = make_scene(folder / "clip.mp4", seed=11, seconds=3.0)
    request = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"],
               "model_id": model}
    generator = {"Authorization": f"Bearer {keys['generator']}"}
    checked = client.post("/v1/checks", files={"file": ("clip.mp4", clip.read_bytes())},
                          data={"request": json.dumps(request)}, headers=generator)
    assert checked.status_code == 200 and checked.json()["verdict"] == "pass", checked.text
    check_id = checked.json()["check_id"]
    signing = checked.json()["signed"]  # a passed check comes back signed
    signed = folder / "signed.mp4"
    signed.write_bytes(client.get(f"/v1/checks/{check_id}/signed", headers=generator).content)
    yield Released(ctx, client, {"Authorization": f"Bearer {keys['resolver']}"}, keys, signed,
                   signing["manifest_label"], check_id, checked.json()["clip_id"], folder)
    ctx.db.dispose()


