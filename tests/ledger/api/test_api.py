"""The HTTP API: roles on every route, problem details, log endpoints, receipts that verify."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.context import Clearance
from ledger.log import merkle
from ledger.log.note import Verifier, open_checkpoint
from ledger.log.proof_file import ProofFile
from tests.ledger.api.clients import Headers, keyed_client


@pytest.fixture
def api(ctx: Clearance) -> tuple[TestClient, Headers]:
    return keyed_client(ctx)


def test_every_route_requires_a_key(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    checked = 0
    for path, methods in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        concrete = path.replace("{record_id}", "x").replace("{index}", "0").replace("{hold_id}", "x") \
            .replace("{key_id}", "x")
        for method in methods:
            response = client.request(method.upper(), concrete, json={})
            assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
            assert response.headers["content-type"].startswith("application/problem+json")
            checked += 1
    assert checked >= 30


def test_write_returns_a_receipt_that_verifies_offline(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    response = client.post("/v1/parties", json={"kind": "organisation", "name": "Harbor"}, headers=h["registrar"])
    assert response.status_code == 201, response.text
    log = response.json()["log"]
    vkey = client.get("/v1/log/key", headers=h["auditor"]).text
    checkpoint = open_checkpoint(log["checkpoint"], Verifier.from_vkey(vkey))
    leaf = client.get(f"/v1/log/entries/{log['index']}/leaf", headers=h["auditor"]).content
    merkle.verify_inclusion(log["index"], checkpoint.size, merkle.leaf_hash(leaf),
                            [base64.b64decode(p) for p in log["inclusion_proof"]], checkpoint.root)
    proof_text = client.get(f"/v1/log/entries/{log['index']}/tlog-proof", headers=h["auditor"]).text
    ProofFile.parse(proof_text).verify(leaf, Verifier.from_vkey(vkey))


@pytest.mark.parametrize("role, method, path, allowed", [
    ("auditor", "POST", "/v1/parties", False),
    ("generator", "GET", "/v1/parties", False),
    ("generator", "GET", "/v1/log/checkpoint", True),
    ("registrar", "POST", "/v1/legal-holds", False),
    ("legal", "POST", "/v1/legal-holds", True),
    ("registrar", "POST", "/v1/keys", False),
    ("auditor", "GET", "/v1/log/verify", True),
    ("registrar", "POST", "/v1/log/entries/1/redact", False),
])
def test_roles(api, role: str, method: str, path: str, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    response = client.request(method, path, json={}, headers=h[role])
    assert (response.status_code != 403) == allowed, response.text


def test_validation_errors_are_problem_details_naming_fields(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    response = client.post("/v1/licenses", headers=h["registrar"], json={
        "licensor_id": "nobody", "licensee_id": "nobody", "permitted_uses": ["train"], "media": ["any"],
        "territories": ["US"], "starts_on": "2024-01-01", "ends_on": "2023-01-01"})
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422 and "ends_on" in str(body["errors"])
    response = client.post("/v1/licenses", headers=h["registrar"], json={
        "licensor_id": "nobody", "licensee_id": "nobody", "permitted_uses": ["train"], "media": ["any"],
        "territories": ["US"], "starts_on": "2024-01-01"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"licensor_id", "licensee_id"}


def test_revoke_over_http_lists_dependents(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    studio = client.post("/v1/parties", json={"kind": "organisation", "name": "S"}, headers=h["registrar"]).json()
    sid = studio["record"]["id"]
    lic = client.post("/v1/licenses", headers=h["registrar"], json={
        "licensor_id": sid, "licensee_id": sid, "permitted_uses": ["train"], "media": ["any"],
        "territories": ["US"], "starts_on": "2024-01-01"}).json()["record"]["id"]
    asset = client.post("/v1/assets", headers=h["registrar"], json={
        "role": "training_asset", "title": "A", "media_type": "image/png", "sha256": "0" * 64,
        "acquisition_method": "licensed", "license_id": lic}).json()["record"]["id"]
    response = client.post(f"/v1/licenses/{lic}/revoke", json={"reason": "terminated"}, headers=h["auditor"])
    assert response.status_code == 403
    response = client.post(f"/v1/licenses/{lic}/revoke", json={"reason": "terminated"}, headers=h["legal"])
    assert response.status_code == 200
    assert response.json()["dependents"]["assets"] == [asset]
    assert client.get(f"/v1/licenses/{lic}", headers=h["auditor"]).json()["revocation_reason"] == "terminated"
    assert client.get("/v1/licenses/nope", headers=h["auditor"]).status_code == 404


def test_keys_are_stored_hashed_and_never_returned(api, ctx: Clearance) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    created = client.post("/v1/keys", json={"role": "auditor"}, headers=h["admin"]).json()
    assert created["log"]["index"] > 0 and created["log"]["inclusion_proof"] is not None
    secret = created["key"].split("_", 2)[2]
    listing = client.get("/v1/keys", headers=h["admin"]).text
    assert secret not in listing
    entries = client.get("/v1/log/entries", params={"limit": 1000}, headers=h["admin"]).text
    assert secret not in entries
    client.post(f"/v1/keys/{created['id']}/revoke", headers=h["admin"])
    assert client.get("/v1/log/checkpoint", headers={"X-API-Key": created["key"]}).status_code == 401


def test_oversized_body_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    client.app.state.clearance.settings.max_upload_bytes = 100  # type: ignore[attr-defined]
    response = client.post("/v1/parties", content=b"{" + b" " * 200 + b"}", headers={**h["registrar"],
                                                                                 "content-type": "application/json"})
    assert response.status_code == 413 and "max_upload_bytes" in response.json()["detail"]


def test_consistency_and_verify_endpoints(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    for i in range(5):
        client.post("/v1/parties", json={"kind": "person", "name": f"P{i}"}, headers=h["registrar"])
    proof = client.get("/v1/log/proofs/consistency", params={"first": 3, "second": 10}, headers=h["auditor"]).json()
    merkle.verify_consistency(3, 10, base64.b64decode(proof["first_root"]), base64.b64decode(proof["second_root"]),
                              [base64.b64decode(p) for p in proof["proof"]])
    report = client.get("/v1/log/verify", headers=h["auditor"]).json()
    assert report["ok"] and report["size"] == 11


def test_the_running_app_works_on_at_most_the_configured_number_of_threads(ctx: Clearance) -> None:
    import anyio.to_thread

    ctx.settings.api_threads = 3
    with TestClient(create_app(ctx)) as running:  # the lifespan runs: as under `clearance serve`
        tokens = running.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3
