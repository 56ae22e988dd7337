"""The OpenAPI document: every JSON answer of every route is described field by field, and checked."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance

FREE_FORM_ALLOWED = {
    ("get", "/v1/models/{model_id}/bom"):
        "a CycloneDX 1.6 document: its schema is CycloneDX's own (the BOM is validated against it when built)",
}
"""Operations whose 2xx JSON body is documented only as an object, each with the reason."""


@pytest.fixture
def app(sqlite_ctx: Clearance) -> Any:
    return create_app(sqlite_ctx)


def _api_routes(routes: list[Any], in_schema: bool = True) -> list[APIRoute]:
    """Every API route in the OpenAPI document, also those of included routers (FastAPI keeps those
    inside an included-router entry of ``app.routes``, not in it directly)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            if in_schema and route.include_in_schema:
                found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(route.original_router.routes, in_schema and route.include_context.include_in_schema)
    return found


def test_the_route_walk_finds_every_operation_of_the_document(app: Any) -> None:
    operations = sum(len(methods) for methods in app.openapi()["paths"].values())
    assert sum(len(route.methods) for route in _api_routes(app.routes)) == operations >= 60


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _described(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """True when the schema names its members (an object with properties, a list of such, or a union of them)."""
    schema = _resolve(document, schema)
    if "anyOf" in schema or "oneOf" in schema:
        return all(_described(document, s) for s in schema.get("anyOf", schema.get("oneOf", [])))
    if schema.get("type") == "array":
        return _described(document, schema.get("items", {}))
    return bool(schema.get("properties"))


def _json_answers(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                for media, content in response.get("content", {}).items():
                    if media.split(";")[0].strip().endswith("json"):
                        found.append((method, path, status, content.get("schema")))
    return found


def test_every_json_answer_has_a_described_schema(app: Any) -> None:
    document = app.openapi()
    answers = _json_answers(document)
    assert len(answers) >= 60
    loose = [(method, path, status) for method, path, status, schema in answers
             if (method, path) not in FREE_FORM_ALLOWED and (schema is None or not _described(document, schema))]
    assert loose == []
    for (method, path), _reason in FREE_FORM_ALLOWED.items():
        assert any(m == method and p == path for m, p, _, _ in answers), f"{method} {path} is no longer listed"


def test_every_json_route_declares_a_response_model(app: Any) -> None:
    """A route that keeps FastAPI's JSON answer names its model (the others declare their own response class)."""
    untyped = [f"{sorted(route.methods)} {route.path}" for route in _api_routes(app.routes)
               if isinstance(route.response_class, DefaultPlaceholder) and route.response_model is None]
    assert untyped == []


def test_every_record_kind_documents_its_own_read_shape(app: Any) -> None:
    from ledger.records.kinds import KINDS

    document = app.openapi()
    for kind in KINDS.values():
        read = document["paths"][f"/v1/{kind.plural}/{{record_id}}"]["get"]["responses"]["200"]
        schema = _resolve(document, read["content"]["application/json"]["schema"])
        assert schema["properties"]["record_type"]["const"] == kind.name
        assert {"id", "log_index"} <= set(schema["properties"])


def test_answers_are_validated_against_their_model(sqlite_ctx: Clearance, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.audit import replay

    class Broken:
        def as_json(self) -> dict[str, Any]:
            return {"ok": "perhaps", "size": 0}  # not a bool, and members missing

    monkeypatch.setattr(replay, "verify", lambda ctx: Broken())
    key, _ = create_key(sqlite_ctx, "admin")
    client = TestClient(create_app(sqlite_ctx), raise_server_exceptions=False)
    answer = client.get("/v1/log/verify", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 500


def test_every_route_has_a_written_summary_for_the_docs_page(app: Any) -> None:
    """FastAPI would title-case the function's name ("Create Export"); each route says what it does instead."""
    unnamed = [f"{sorted(route.methods)} {route.path}" for route in _api_routes(app.routes)
               if not route.summary]
    assert unnamed == []


FREE_FORM_FIELDS = {"rights_management_info", "changes"}
"""Request members that are JSON objects of the caller's own keys (checked for exact JSON, not shape)."""


def _objects_allowing_extras(schema: Any, components: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every object schema reachable from ``schema`` that names properties but does not forbid others."""
    found: list[str] = []
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                found += _objects_allowing_extras(components[name], components, name, seen)
            return found
        if "properties" in schema and schema.get("additionalProperties") is not False:
            found.append(where)
        for key, value in schema.items():
            if key == "properties":
                for prop, sub in value.items():
                    if prop not in FREE_FORM_FIELDS:
                        found += _objects_allowing_extras(sub, components, f"{where}.{prop}", seen)
            else:
                found += _objects_allowing_extras(value, components, where, seen)
    elif isinstance(schema, list):
        for item in schema:
            found += _objects_allowing_extras(item, components, where, seen)
    return found


def test_every_json_request_body_declares_it_takes_no_other_members(app: Any) -> None:
    """The schema says what the server enforces (extra="forbid"), so a client generated from it never
    sends a body the server refuses for an extra member."""
    document = TestClient(app).get("/openapi.json").json()
    components = document["components"]["schemas"]
    open_bodies = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                open_bodies += [f"{method.upper()} {path}: {where}" for where in _objects_allowing_extras(
                    content["application/json"]["schema"], components, "body", set())]
    assert open_bodies == []


@pytest.mark.parametrize("route, body, field", [
    ("/v1/exports", {"zip": 0}, "zip"),
    ("/v1/exports", {"settings": {"natives": 1}}, "settings.natives"),
    ("/v1/exports", {"settings": {"bates_start": True}}, "settings.bates_start"),
    ("/v1/export-protocols/p", {"natives": "yes"}, "natives"),
    ("/v1/licenses", {"licensor_id": "a", "licensee_id": "b", "permitted_uses": ["train"], "media": ["video"],
                      "territories": ["US"], "exclusive": 0}, "exclusive"),
    ("/v1/consents", {"performer_id": "p", "contract_ref": "c", "executed_on": "2025-01-01",
                      "replica_type": "background", "replaces_in_person_work": "false",
                      "representation": "union", "union_name": "SAG-AFTRA"}, "replaces_in_person_work"),
    ("/v1/consents", {"performer_id": "p", "contract_ref": "c", "executed_on": "2025-01-01",
                      "replica_type": "background", "replaces_in_person_work": False, "representation": "union",
                      "union_name": "SAG-AFTRA", "intended_uses": [{"project": "x", "media": ["video"],
                      "territories": ["US"], "determination": {"specific": 1, "reviewer": "r",
                                                               "determined_on": "2025-01-01"}}]},
     "intended_uses.0.determination.specific"),
    ("/v1/exports", {"selection": {"planets": ["x"]}}, "selection.planets"),
    ("/v1/legal-holds/h/release", {"reason": "r", "extra": 1}, "extra"),
])
def test_booleans_are_strict_and_extra_members_refused(sqlite_ctx: Clearance, route: str, body: dict[str, Any],
                                                       field: str) -> None:
    client = TestClient(create_app(sqlite_ctx))
    response = client.post(route, json=body, headers={"Authorization": f"Bearer {create_key(sqlite_ctx, 'admin')[0]}"})
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_the_checkpoint_is_read_on_a_full_disk(sqlite_ctx: Clearance, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read never needs space: with entries past the latest checkpoint and no room to store a new one,
    GET /v1/log/checkpoint answers the latest stored checkpoint instead of 507."""
    import errno
    import os

    from ledger.log import store
    from ledger.log.note import open_checkpoint
    from ledger.records.kinds import KINDS
    from ledger.records.service import create_event

    client = TestClient(create_app(sqlite_ctx))
    auditor = {"Authorization": f"Bearer {create_key(sqlite_ctx, 'auditor')[0]}"}
    signed = client.get("/v1/log/checkpoint", headers=auditor).text
    with sqlite_ctx.db.transaction() as session:  # an entry the latest checkpoint does not cover
        sqlite_ctx.record(session, [create_event(session, KINDS["party"], {"kind": "person", "name": "Bo"}, "test")])

    def disk_full(*_: Any, **__: Any) -> Any:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store, "sign_checkpoint", disk_full)
    answer = client.get("/v1/log/checkpoint", headers=auditor)
    assert answer.status_code == 200, answer.text
    assert answer.text == signed and open_checkpoint(answer.text, sqlite_ctx.log_key.verifier).size >= 1
    write = client.post("/v1/parties", json={"kind": "person", "name": "Ana"},
                        headers={"Authorization": f"Bearer {create_key(sqlite_ctx, 'registrar')[0]}"})
    assert write.status_code in (201, 507)  # a write may need the space it lacks; never a 500
