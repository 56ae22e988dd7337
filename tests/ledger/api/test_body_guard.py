"""Bad input over HTTP gets a named 4xx, never a 500: NUL characters, deep JSON, huge integers, chunked
bodies past the limit; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from ledger.context import Clearance
from ledger.log import store
from tests.ledger.api.clients import Headers, keyed_client

HUGE = str(2**64 + 5)  # past 64 bits
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def api(ctx: Clearance) -> tuple[TestClient, Headers]:
    return keyed_client(ctx, ("admin", "registrar", "generator", "legal"))


def fields_named(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["field"] for e in response.json().get("errors", [])]


def tree_size(ctx: Clearance) -> int:
    with ctx.db.reader() as session:
        return store.tree_size(session)


@pytest.mark.parametrize("path, params, field", [
    ("/v1/parties", {"offset": HUGE}, "query.offset"),
    ("/v1/log/entries", {"start": HUGE}, "query.start"),
    ("/v1/log/proofs/inclusion", {"index": HUGE}, "query.index"),
    ("/v1/log/proofs/consistency", {"first": HUGE, "second": "2"}, "query.first"),
    ("/v1/log/proofs/consistency", {"first": "1", "second": HUGE}, "query.second"),
    ("/v1/parties", {"cursor": HUGE}, "query.cursor"),
])
def test_integers_past_64_bits_are_refused_by_name(api, path: str, params: dict[str, str],  # type: ignore[no-untyped-def]
                                                   field: str) -> None:
    client, h = api
    response = client.get(path, params=params, headers=h["admin"])
    assert response.status_code == 422, response.text
    assert field in fields_named(response)


@pytest.mark.parametrize("suffix", ["", "/leaf", "/tlog-proof"])
def test_the_largest_64_bit_index_is_simply_not_found(api, suffix: str) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    response = client.get(f"/v1/log/entries/{2**63 - 1}{suffix}", headers=h["admin"])
    assert response.status_code == 404, response.text
    for params in ({"index": 2**63 - 1}, {"index": 0, "size": 2**63 - 1}):
        assert client.get("/v1/log/proofs/inclusion", params=params, headers=h["admin"]).status_code in (404, 422)
    consistency = client.get("/v1/log/proofs/consistency", params={"first": 1, "second": 2**63 - 1},
                             headers=h["admin"])
    assert consistency.status_code in (404, 422), consistency.text
    listed = client.get("/v1/log/entries", params={"start": 2**63 - 1}, headers=h["admin"])
    assert listed.status_code == 200 and listed.json()["items"] == []
    records = client.get("/v1/parties", params={"offset": 2**63 - 1}, headers=h["admin"])
    assert records.status_code == 200 and records.json()["items"] == []


@pytest.mark.parametrize("suffix", ["", "/leaf", "/tlog-proof"])
def test_an_entry_index_past_64_bits_is_refused_by_name(api, suffix: str) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    response = client.get(f"/v1/log/entries/{HUGE}{suffix}", headers=h["admin"])
    assert response.status_code == 422 and "path.index" in fields_named(response)


def test_nul_in_a_json_body_is_refused_naming_the_field(api, ctx: Clearance) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    before = tree_size(ctx)
    response = client.post("/v1/parties", json={"kind": "person", "name": "Ana\x00Lima"}, headers=h["registrar"])
    assert response.status_code == 422 and fields_named(response) == ["name"]
    nested = client.post("/v1/parties", json={"kind": "person", "name": "Ana", "aliases": ["ok", "A\x00"]},
                         headers=h["registrar"])
    assert nested.status_code == 422 and fields_named(nested) == ["aliases[1]"]
    assert tree_size(ctx) == before  # nothing was stored, on either backend


@pytest.mark.parametrize("path", ["/v1/parties/abc%00def", "/v1/checks/chk%00x", "/v1/log/entries/1%00"])
def test_nul_in_a_path_id_is_refused(api, path: str) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    response = client.get(path, headers=h["admin"])
    assert response.status_code == 422 and fields_named(response) == ["path"]


def test_nul_in_a_query_is_refused_naming_the_parameter(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    response = client.get("/v1/dataset-versions/x/audit-training?model_id=m%00", headers=h["admin"])
    assert response.status_code == 422 and fields_named(response) == ["query.model_id"]


def test_nul_in_a_form_field_is_refused_by_the_database_guard(api, ctx: Clearance) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    asset = client.post("/v1/parties", json={"kind": "person", "name": "Ana"}, headers=h["registrar"]).json()
    response = client.post(f"/v1/parties/{asset['record']['id']}/likeness/erase", data={"reason": "gdpr\x00"},
                           headers=h["legal"])
    assert response.status_code in (404, 422), response.text  # no templates (404) or the NUL refused (422)
    assert response.status_code != 500


@pytest.mark.parametrize("route, field", [("/v1/checks", "request"), ("/v1/assets/upload", "record")])
def test_json_nested_100000_deep_in_a_multipart_field_is_refused(api, route: str, field: str) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    role = "generator" if route == "/v1/checks" else "registrar"
    response = client.post(route, data={field: DEEP}, files={"file": ("a.png", b"\x89PNG....", "image/png")},
                           headers=h[role])
    assert response.status_code == 422, response.text
    assert fields_named(response) == [field] and "deeper than" in response.json()["errors"][0]["message"]


def test_json_body_nested_100000_deep_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    response = client.post("/v1/parties", content=DEEP.encode(),
                           headers={**h["registrar"], "content-type": "application/json"})
    assert response.status_code == 422 and "deeper than" in response.text


@contextmanager
def served(app: object) -> Iterator[int]:
    """The app on a loopback port in a thread (the test client reads a whole body before the app sees it)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)


def test_chunked_body_is_refused_while_streaming(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    client.app.state.clearance.settings.max_upload_bytes = 1 << 20  # type: ignore[attr-defined]
    with served(client.app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"POST /v1/match HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: multipart/form-data; boundary=b\r\n"
                     + f"Authorization: {h['admin']['Authorization']}\r\n\r\n".encode())
        part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n'
        conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        chunk = b"\0" * (1 << 16)
        sent, answer = 0, b""
        conn.setblocking(False)
        while sent < 200 << 20 and not answer:  # 200 MiB if the server read it all
            if select.select([conn], [], [], 0)[0]:
                answer = conn.recv(65536)
                break
            try:
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                select.select([conn], [], [], 1)
        conn.setblocking(True)
        while b"\r\n\r\n" not in answer:
            more = conn.recv(65536)
            if not more:
                break
            answer += more
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 32 << 20, f"the client could send {sent >> 20} MiB before the refusal"


def test_401_says_how_to_authenticate_and_405_says_what_is_allowed(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    missing = client.get("/v1/parties")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    wrong_method = client.delete("/v1/parties", headers=h["admin"])
    assert wrong_method.status_code == 405
    assert set(wrong_method.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert wrong_method.headers["content-type"].startswith("application/problem+json")


def test_openapi_declares_security_problem_responses_and_the_leaf_media_type(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["BearerKey"].items()
    assert {"type": "apiKey", "in": "header", "name": "X-API-Key"}.items() <= schemes["ApiKeyHeader"].items()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), f"{method} {path} declares no security"
            for status in ("401", "403", "422", "429"):
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], f"{method} {path} {status}"
            if method == "post":
                assert {"404", "409", "413"} <= set(operation["responses"]), f"{method} {path}"
    leaf = spec["paths"]["/v1/log/entries/{index}/leaf"]["get"]["responses"]["200"]["content"]
    assert list(leaf) == ["application/octet-stream"]


def test_every_list_has_one_page_shape(api, ctx: Clearance) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    for name in ("A", "B", "C"):
        client.post("/v1/parties", json={"kind": "person", "name": name}, headers=h["registrar"])
    for path in ("/v1/parties", "/v1/log/entries", "/v1/reviews", "/v1/keys"):
        first = client.get(path, params={"limit": 2}, headers=h["admin"]).json()
        assert set(first) >= {"items", "next_cursor", "total", "limit"}, path
        seen = list(first["items"])
        cursor = first["next_cursor"]
        while cursor is not None:
            following = client.get(path, params={"limit": 2, "cursor": cursor}, headers=h["admin"]).json()
            seen += following["items"]
            cursor = following["next_cursor"]
        assert len(seen) == first["total"], path
        assert len({json.dumps(item, sort_keys=True) for item in seen}) == len(seen), f"{path} repeated an item"
    assert client.get("/v1/parties", params={"limit": 2}, headers=h["admin"]).json()["total"] == 3
