"""The log API serves each role only the payloads it may read, and personal data only to admin and legal;
what it withholds is marked with the reason, and the envelope and leaf still prove the entry."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.checks import service
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from ledger.demo.media import synthetic_work
from ledger.log import merkle
from ledger.log.note import Verifier, open_checkpoint
from tests.ledger.api.clients import role_headers

ROLES = ("admin", "registrar", "generator", "legal", "auditor")
CONTACT = {"contact_email": "ana@example.org", "contact_phone": "+1 555 0100", "postal_address": "1 Pier Rd"}


@pytest.fixture
def world(ctx: Clearance) -> dict[str, Any]:
    headers = role_headers(ctx, ROLES)
    client = TestClient(create_app(ctx))
    party = client.post("/v1/parties", json={"kind": "person", "name": "Ana Lima", **CONTACT},
                        headers=headers["registrar"]).json()
    request = CheckRequest.model_validate({"service": "gen-svc", "project": "Tidewater", "media": ["streaming"],
                                           "territories": ["US"], "requested_by": "ana.lima@studio.example"})
    clip_id = service.submit(ctx, request, synthetic_work(5), "still.png", "key:test")
    entries = client.get("/v1/log/entries", params={"limit": 1000}, headers=headers["admin"]).json()["items"]
    clip_index = next(e["index"] for e in entries if e["envelope"]["subject"]["id"] == clip_id)
    key_index = next(e["index"] for e in entries if e["envelope"]["type"] == "apikey.created")
    return {"client": client, "h": headers, "party": party["log"]["index"], "clip": clip_index, "key": key_index}


def entry(world: dict[str, Any], role: str, index: int) -> dict[str, Any]:
    response = world["client"].get(f"/v1/log/entries/{index}", headers=world["h"][role])
    assert response.status_code == 200, response.text
    listed = world["client"].get("/v1/log/entries", params={"start": index, "limit": 1}, headers=world["h"][role])
    assert listed.json()["items"] == [response.json()]
    return response.json()


@pytest.mark.parametrize("role", ROLES)
def test_party_payload_per_role(world: dict[str, Any], role: str) -> None:
    found = entry(world, role, world["party"])
    assert found["envelope"]["type"] == "record.created" and found["envelope"]["subject"]["kind"] == "party"
    if role == "generator":  # may not read parties at all (403 on /v1/parties/{id})
        assert found["payload"] is None
        assert found["withheld"]["payload"] is True and "party" in found["withheld"]["reason"]
    elif role in ("registrar", "auditor"):  # may read the record, but not its personal data in the log
        assert found["payload"]["name"] == "Ana Lima"
        assert not set(CONTACT) & set(found["payload"])
        assert found["withheld"]["payload"] is False and found["withheld"]["fields"] == sorted(CONTACT)
        assert "personal data" in found["withheld"]["reason"]
    else:
        assert {k: found["payload"][k] for k in CONTACT} == CONTACT and found["withheld"] is None
    if role not in ("admin", "legal"):
        text = world["client"].get("/v1/log/entries", params={"limit": 1000}, headers=world["h"][role]).text
        assert not any(value in text for value in CONTACT.values())


@pytest.mark.parametrize("role", ROLES)
def test_clip_requester_is_personal_data(world: dict[str, Any], role: str) -> None:
    found = entry(world, role, world["clip"])
    assert found["payload"]["project"] == "Tidewater"  # every role may read clips
    if role in ("admin", "legal"):
        assert found["payload"]["requested_by"] == "ana.lima@studio.example" and found["withheld"] is None
    else:
        assert "requested_by" not in found["payload"] and found["withheld"]["fields"] == ["requested_by"]


@pytest.mark.parametrize("role", ROLES)
def test_api_key_payloads_only_for_admins(world: dict[str, Any], role: str) -> None:
    found = entry(world, role, world["key"])
    assert (found["payload"] is not None) == (role == "admin")
    assert (found["withheld"] is None) == (role == "admin")


def test_withheld_payload_still_proves_its_entry(world: dict[str, Any]) -> None:
    client, h = world["client"], world["h"]
    found = entry(world, "generator", world["party"])
    leaf = base64.b64decode(found["leaf"])
    assert json.loads(leaf) == found["envelope"]
    proof = client.get("/v1/log/proofs/inclusion", params={"index": world["party"]}, headers=h["generator"]).json()
    checkpoint = open_checkpoint(proof["checkpoint"], Verifier.from_vkey(client.get("/v1/log/key",
                                                                                    headers=h["generator"]).text))
    merkle.verify_inclusion(world["party"], checkpoint.size, merkle.leaf_hash(leaf),
                            [base64.b64decode(p) for p in proof["proof"]], checkpoint.root)


def test_redaction_residual_is_filtered_too(world: dict[str, Any]) -> None:
    client, h = world["client"], world["h"]
    redacted = client.post(f"/v1/log/entries/{world['party']}/redact", json={"reason": "erasure request 7"},
                           headers=h["legal"])
    assert redacted.status_code == 200, redacted.text
    index = redacted.json()["log"]["index"]
    for_registrar = entry(world, "registrar", index)
    assert not set(CONTACT) & set(for_registrar["payload"]["residual"])
    assert for_registrar["withheld"]["fields"] == sorted(f"residual.{f}" for f in CONTACT)
    assert set(CONTACT) <= set(entry(world, "legal", index)["payload"]["residual"])
    assert entry(world, "generator", index)["payload"] is None
