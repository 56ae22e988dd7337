"""A clip already stored is checked again by its SHA-256 alone (``clip_sha256``), images and videos alike."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.demo.media import synthetic_work, work_clip

REQUEST = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"]}


def jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(synthetic_work(seed))).convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.mark.parametrize("make, name", [(lambda: jpeg(3), "still.jpg"),
                                        (lambda: work_clip(synthetic_work(4), seconds=1.0), "clip.mp4")],
                         ids=["jpeg", "mp4"])
def test_recheck_by_sha256_decides_a_new_check(ctx: Clearance, make, name: str) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(create_app(ctx))
    generator = {"Authorization": f"Bearer {create_key(ctx, 'generator')[0]}"}
    data = make()
    first = client.post("/v1/checks", files={"file": (name, data)}, data={"request": json.dumps(REQUEST)},
                        headers=generator)
    assert first.status_code == 200, first.text
    digest = hashlib.sha256(data).hexdigest()

    again = client.post("/v1/checks", data={"request": json.dumps({**REQUEST, "project": "Second cut"}),
                                            "clip_sha256": digest}, headers=generator)
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["check_id"] != first.json()["check_id"] and body["clip_id"] != first.json()["clip_id"]
    assert body["verdict"] == first.json()["verdict"] and body["log"]["index"] > first.json()["log"]["index"]
    stored = client.get(f"/v1/checks/{body['check_id']}", headers=generator).json()
    assert stored["clip"]["sha256"] == digest and stored["clip"]["project"] == "Second cut"
    assert stored["clip"]["filename"].startswith(digest) and stored["clip"]["filename"].endswith(name[-4:])


def test_recheck_of_stored_bytes_that_are_no_media_names_the_problem(ctx: Clearance) -> None:
    from ledger.media_store import store_bytes

    client = TestClient(create_app(ctx))
    generator = {"Authorization": f"Bearer {create_key(ctx, 'generator')[0]}"}
    stored = store_bytes(ctx.settings, b"%PDF-1.7 not a picture", "contract.pdf")
    response = client.post("/v1/checks", data={"request": json.dumps(REQUEST), "clip_sha256": stored.sha256},
                           headers=generator)
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    assert "not a supported image or video" in response.json()["detail"]
