"""The access matrix measured from the app agrees with the roles the README promises."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.api.access import as_markdown, measure
from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.records.enums import Role

GENERATOR_ROUTES = {("POST", "/v1/checks"), ("GET", "/v1/checks/jobs/{clip_id}"), ("GET", "/v1/checks/{check_id}"),
                    ("POST", "/v1/checks/{check_id}/sign"), ("GET", "/v1/checks/{check_id}/signed"),
                    ("POST", "/v1/verify"), ("POST", "/v1/match"),
                    ("GET", "/v1/checks/{check_id}/evidence/{sha256}")}  # a check's reader sees its evidence


def test_the_measured_matrix_keeps_the_documented_roles(sqlite_ctx: Clearance) -> None:
    keys = {role.value: create_key(sqlite_ctx, role.value)[0] for role in Role}
    client = TestClient(create_app(sqlite_ctx))

    def call(method: str, path: str, role: str) -> int:
        return client.request(method, path, json={}, headers={"Authorization": f"Bearer {keys[role]}"}).status_code

    paths = client.get("/openapi.json").json()["paths"]
    matrix = measure(paths, call)
    assert len(matrix) == sum(len(ops) for ops in paths.values()) >= 60
    for (method, path), allowed in matrix.items():
        route = f"{method} {path}"
        assert allowed["admin"], route
        if path.startswith("/v1/keys"):
            assert [r for r, ok in allowed.items() if ok] == ["admin"], route
        if not path.startswith("/v1/log/") and (method, path) not in GENERATOR_ROUTES:
            assert not allowed["generator"], route
        if method == "POST" and path not in ("/v1/match", "/v1/verify",
                                             "/v1/dataset-versions/{version_id}/audit"):  # auditors run audits
            assert not allowed["auditor"], route
        if path.startswith("/v1/log/") and method == "GET" and path != "/v1/log/verify":
            assert all(allowed.values()), route  # the log is public to every role
    assert matrix[("POST", "/v1/legal-holds")] == {"admin": True, "registrar": False, "generator": False,
                                                    "legal": True, "auditor": False, "resolver": False}
    for (_method, path), allowed in matrix.items():  # the resolver role reads the SBR API and the log, nothing else
        if allowed["resolver"]:
            assert path.startswith(("/sbr/v1/", "/.well-known/c2pa-soft-binding-resolution", "/v1/log/")), path
    assert as_markdown(matrix).count("\n") == len(matrix) + 1
