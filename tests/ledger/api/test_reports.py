"""Reports over HTTP: who may run an audit, downloading its files, the summary and the BOM."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from ledger.context import Clearance
from tests.ledger.api.clients import keyed_client
from tests.ledger.reports.conftest import build_world


@pytest.fixture
def api(sqlite_ctx: Clearance) -> tuple[TestClient, dict[str, dict[str, str]], object]:
    world = build_world(sqlite_ctx)
    client, headers = keyed_client(sqlite_ctx)
    return client, headers, world


def test_audit_route_writes_reports_that_readers_download(api) -> None:  # type: ignore[no-untyped-def]
    client, h, world = api
    refused = client.post(f"/v1/dataset-versions/{world.version}/audit", headers=h["generator"])
    assert refused.status_code == 403
    response = client.post(f"/v1/dataset-versions/{world.version}/audit",
                           params={"model_id": world.model, "territory": ["US", "GB"]}, headers=h["auditor"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totals"] == {"assets": 8, "cleared": 4, "review": 0, "block": 4}
    html = client.get(body["report"], headers=h["legal"])
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert f"log entry <strong>{body['log']['index']}</strong>" in html.text
    table = client.get(body["csv"], headers=h["registrar"])
    assert table.content.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark spreadsheets look for
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert sum(r["section"] == "asset" for r in rows) == 8
    assert client.get(body["csv"], headers=h["generator"]).status_code == 403
    assert client.get(f"/v1/audits/{body['audit_id']}/report.pdf", headers=h["legal"]).status_code == 404
    assert client.get("/v1/audits/aud_..%2F..%2Fkeys/report.csv", headers=h["legal"]).status_code in (404, 422)
    bad = client.post(f"/v1/dataset-versions/{world.version}/audit", params={"territory": "usa"}, headers=h["legal"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "territory"
    assert client.post("/v1/dataset-versions/nope/audit", headers=h["legal"]).status_code == 404
    dated = client.post(f"/v1/dataset-versions/{world.version}/audit", headers=h["legal"],
                        params={"model_id": world.model, "as_of": "2026-01-15"})
    assert dated.status_code == 200, dated.text
    assert (dated.json()["use_date"], dated.json()["knowledge_size"]) == ("2026-01-15", None)
    early = client.post(f"/v1/dataset-versions/{world.version}/audit", headers=h["legal"],
                        params={"at_checkpoint": 5})
    assert early.status_code == 404 and "no dataset version" in early.json()["detail"]  # not yet recorded then


def test_summary_and_bom_routes(api) -> None:  # type: ignore[no-untyped-def]
    client, h, world = api
    summary = client.get(f"/v1/models/{world.model}/training-summary", headers=h["legal"])
    assert summary.status_code == 200 and "3.1" in summary.json()["sections"]
    markdown = client.get(f"/v1/models/{world.model}/training-summary", params={"format": "markdown"},
                          headers=h["auditor"])
    assert markdown.status_code == 200 and "**TO COMPLETE**" in markdown.text
    bom = client.get(f"/v1/models/{world.model}/bom", headers=h["registrar"])
    assert bom.status_code == 200 and bom.json()["specVersion"] == "1.6"
    assert client.get(f"/v1/models/{world.model}/bom", headers=h["generator"]).status_code == 403
