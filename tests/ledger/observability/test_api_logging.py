"""The API's log lines: request ids, the access line without query strings, unexpected errors once."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from tests.ledger.observability.conftest import Capture


@pytest.fixture
def api(sqlite_ctx: Clearance) -> tuple[TestClient, str]:
    key, _ = create_key(sqlite_ctx, "admin")
    app = create_app(sqlite_ctx)

    def boom() -> None:
        raise RuntimeError(f"the database said no while holding {key}")

    def thread_work() -> dict[str, str]:
        logging.getLogger("ledger.tests.route").info("working in the thread pool")
        return {"ok": "yes"}

    app.add_api_route("/test/boom", boom)
    app.add_api_route("/test/thread", thread_work)
    return TestClient(app), key


def lines(out: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def access_lines(out: Any) -> list[dict[str, Any]]:
    return [line for line in lines(out) if line["logger"] == "ledger.api.access"]


def test_request_id_round_trip_and_json_access_line(api: tuple[TestClient, str], capture_logs: Capture) -> None:
    client, key = api
    out = capture_logs("json", "INFO")
    response = client.get("/v1/log/checkpoint", headers={"Authorization": f"Bearer {key}", "X-Request-ID": "job-42.a:1"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "job-42.a:1"
    (line,) = access_lines(out)
    assert {"time", "level", "logger", "message"} <= line.keys()
    assert (line["request_id"], line["method"], line["path"], line["status"]) == ("job-42.a:1", "GET", "/v1/log/checkpoint", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["message"].startswith("GET /v1/log/checkpoint 200 ")


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 129, "-leading-dash", "semi;colon"])
def test_missing_or_malformed_request_ids_are_replaced(api: tuple[TestClient, str], capture_logs: Capture,
                                                       given: str | None) -> None:
    client, key = api
    out = capture_logs("json", "INFO")
    headers = {"Authorization": f"Bearer {key}"} | ({"X-Request-ID": given} if given is not None else {})
    response = client.get("/v1/log/checkpoint", headers=headers)
    made = response.headers["X-Request-ID"]
    assert made != given and len(made) == 32 and int(made, 16) >= 0
    assert access_lines(out)[0]["request_id"] == made


def test_each_request_gets_its_own_id_also_on_errors(api: tuple[TestClient, str], capture_logs: Capture) -> None:
    client, _ = api
    out = capture_logs("json", "INFO")
    first, second = client.get("/v1/log/checkpoint"), client.get("/v1/log/checkpoint")
    assert first.status_code == second.status_code == 401
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert ids[0] != ids[1]
    assert [(line["request_id"], line["status"]) for line in access_lines(out)] == [(ids[0], 401), (ids[1], 401)]


def test_context_reaches_sync_routes_in_the_thread_pool(api: tuple[TestClient, str], capture_logs: Capture) -> None:
    client, _ = api
    out = capture_logs("json", "INFO")
    response = client.get("/test/thread", headers={"X-Request-ID": "thread-1"})
    assert response.status_code == 200
    route_line = next(line for line in lines(out) if line["logger"] == "ledger.tests.route")
    assert route_line["request_id"] == "thread-1"


def test_no_key_no_authorization_no_query_string_in_any_line(api: tuple[TestClient, str], capture_logs: Capture) -> None:
    client, key = api
    secret = key.split("_", 2)[2]
    out = capture_logs("json", "DEBUG")
    wrong = key[:-4] + "AAAA"
    requests = [
        client.get(f"/v1/log/entries?api_key={key}&limit=5", headers={"Authorization": f"Bearer {key}"}),
        client.get(f"/v1/log/entries?api_key={wrong}", headers={"Authorization": f"Bearer {wrong}"}),
        client.get(f"/v1/keys?token={key}", headers={"X-API-Key": key, "X-Request-ID": key}),
        client.get(f"/test/boom?api_key={key}", headers={"Authorization": f"Bearer {key}"}),
    ]
    assert [r.status_code for r in requests] == [200, 401, 200, 500]
    text = out.getvalue()
    assert len(access_lines(out)) == 4  # the requests were logged, and none of them leaked
    for needle in (key, secret, wrong, wrong.split("_", 2)[2], "api_key=", "token=", "limit=5", "?", "Bearer clr"):
        assert needle not in text, f"{needle!r} found in the log:\n{text}"
    assert requests[2].headers["X-Request-ID"] != key  # a secret-looking request id is replaced, not echoed


def test_unexpected_errors_are_logged_once_and_answered_with_problem_details(api: tuple[TestClient, str],
                                                                            capture_logs: Capture) -> None:
    client, key = api
    out = capture_logs("json", "INFO")
    response = client.get("/test/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["X-Request-ID"] == "req-boom"
    body = response.json()
    assert body["status"] == 500 and body["request_id"] == "req-boom" and "req-boom" in body["detail"]
    assert "Traceback" not in response.text and "database said no" not in response.text
    errors = [line for line in lines(out) if line["level"] == "ERROR"]
    assert len(errors) == 1 and out.getvalue().count("Traceback") == 1
    assert errors[0]["request_id"] == "req-boom" and "GET /test/boom" in errors[0]["message"]
    assert "RuntimeError: the database said no while holding clr_" in errors[0]["exception"]
    assert key.split("_", 2)[2] not in out.getvalue()
    assert access_lines(out)[0]["status"] == 500
