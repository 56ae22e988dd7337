"""Model lineage over HTTP: lineage tree, model licenses decided as offers, audits of the effective data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ledger.context import Clearance
from tests.ledger.api.clients import Headers, keyed_client
from tests.ledger.records.builders import add, lineage_world


@pytest.fixture
def api(ctx: Clearance) -> tuple[TestClient, Headers]:
    return keyed_client(ctx)


def test_lineage_offer_and_audit_routes(api, ctx: Clearance) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    w = lineage_world(ctx, ["train"])
    body = {"licensor_id": w["studio"], "licensee_id": w["creator"], "model_id": w["tuned"],
            "permitted_uses": ["generate"], "media": ["streaming"], "territories": ["US"], "starts_on": "2025-06-01"}
    refused = client.post("/v1/model-licenses", json=body, headers=h["registrar"])
    assert refused.status_code == 409
    assert w["license"] in refused.json()["detail"] and "offer_id" in refused.json()
    assert client.post("/v1/model-licenses", json=body, headers=h["generator"]).status_code == 403

    add(ctx, "license", licensor_id=w["studio"], licensee_id=w["studio"], permitted_uses=["train", "distribute_model"],
        media=["any"], territories=["US"], starts_on="2024-01-01", asset_ids=[w["asset"]])
    created = client.post("/v1/model-licenses", json=body, headers=h["registrar"])
    assert created.status_code == 201, created.text

    grandchild = client.post("/v1/models", headers=h["registrar"], json={
        "name": "Creator cut", "version": "1", "developer_id": w["creator"],
        "parents": [{"model_id": w["tuned"], "relationship": "fine_tuned_from"}]}).json()["record"]["id"]
    tree = client.get(f"/v1/models/{grandchild}/lineage", headers=h["auditor"]).json()
    assert tree["parents"][0]["model_id"] == w["tuned"]
    assert tree["parents"][0]["parents"][0] == {**tree["parents"][0]["parents"][0], "model_id": w["base"],
                                                "relationship": "fine_tuned_from"}
    assert client.get(f"/v1/models/{grandchild}/lineage", headers=h["generator"]).status_code == 403

    audit = client.get(f"/v1/models/{grandchild}/audit-training", headers=h["legal"]).json()
    assert audit["dataset_versions"] == [w["version"]] and audit["lineage"] == [w["tuned"], w["base"]]
    assert audit["reports"][0]["trained_by"] == w["base"]

    revoked = client.post(f"/v1/model-licenses/{created.json()['record']['id']}/revoke",
                          json={"reason": "unpaid"}, headers=h["legal"]).json()
    assert revoked["dependents"]["models"] == [grandchild]
