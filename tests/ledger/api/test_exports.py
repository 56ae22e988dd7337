"""Productions over HTTP: legal and admin only, the volume kept server-side and downloaded as a zip."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from ledger.context import Clearance
from tests.ledger.api.clients import Headers, keyed_client


@pytest.fixture
def api(sqlite_ctx: Clearance) -> tuple[TestClient, Headers]:
    return keyed_client(sqlite_ctx)


def test_legal_exports_and_downloads_others_may_not(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    created = client.post("/v1/parties", json={"kind": "person", "name": "Ana"}, headers=h["registrar"])
    ana = created.json()["record"]["id"]
    body = {"selection": {"people": [ana]}, "settings": {"bates_prefix": "API", "image_format": "none"}}
    for role in ("registrar", "generator", "auditor"):
        assert client.post("/v1/exports", json=body, headers=h[role]).status_code == 403
    response = client.post("/v1/exports", json=body, headers=h["legal"])
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["bates"]["begin"] == "API0000001" and "path" not in result
    assert result["exported_by_role"] == "legal" and result["exported_by"]  # the key's name and role
    download = client.get(result["download"], headers=h["legal"])
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert f"{result['production_id']}/DATA/production.dat" in names
    assert client.get(result["download"], headers=h["auditor"]).status_code == 403
    assert client.get("/v1/exports/..%2F..%2Fetc/zip", headers=h["legal"]).status_code in (404, 422)
    bad = client.post("/v1/exports", json={"selection": {"planets": ["x"]}}, headers=h["legal"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "selection.planets"


def test_protocols_and_privilege_over_http(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    created = client.post("/v1/parties", json={"kind": "person", "name": "Ana"}, headers=h["registrar"])
    ana = created.json()["record"]["id"]
    saved = client.post("/v1/export-protocols/standard", json={"bates_prefix": "STD", "natives": True},
                        headers=h["legal"])
    assert saved.status_code == 201 and saved.json()["settings"]["bates_prefix"] == "STD"
    assert client.get("/v1/export-protocols/standard", headers=h["admin"]).json()["settings"]["natives"] is True
    assert client.post("/v1/export-protocols/x", json={}, headers=h["registrar"]).status_code == 403
    wrong = client.post("/v1/export-protocols/loose", json={"natives": "no", "bates_start": True}, headers=h["legal"])
    assert wrong.status_code == 422
    assert sorted(e["field"] for e in wrong.json()["errors"]) == ["bates_start", "natives"]
    assert client.get("/v1/export-protocols/loose", headers=h["legal"]).status_code == 404  # nothing was saved
    marked = client.post("/v1/privileges", json={"record_kind": "party", "record_id": ana,
                                                 "privilege": "work-product", "description": "interview notes"},
                         headers=h["legal"])
    assert marked.status_code == 201 and marked.json()["asserted_by"].endswith("(legal)")
    refused = client.post("/v1/exports", json={"selection": {"people": [ana]}, "protocol": "standard"},
                          headers=h["legal"])
    assert refused.status_code == 422 and "privileged" in refused.json()["errors"][0]["message"]
