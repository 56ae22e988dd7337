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


CONTACT = {"contact_email": "ana@example.org", "contact_phone": "+1 555 0100", "postal_address": "1 Pier Rd"}
REQUESTER = "ana.lima@studio.example"
SEES_PERSONAL_DATA = {"admin", "legal"}


def _personal_world(ctx: Clearance) -> tuple[dict[str, str], dict[str, str]]:
    """A party with contact details and a checked clip with a requester; ids to fill paths with, and keys."""
    from ledger.checks import service
    from ledger.checks.request import CheckRequest
    from ledger.demo.media import synthetic_work

    keys = {role.value: create_key(ctx, role.value)[0] for role in Role}
    client = TestClient(create_app(ctx))
    party = client.post("/v1/parties", json={"kind": "person", "name": "Ana Lima", **CONTACT},
                        headers={"Authorization": f"Bearer {keys['admin']}"}).json()
    request = CheckRequest.model_validate({"service": "gen-svc", "project": "Tidewater", "media": ["streaming"],
                                           "territories": ["US"], "requested_by": REQUESTER})
    outcome = service.check_clip(ctx, request, synthetic_work(5), "still.png", "key:test")
    check_id, clip_id = outcome.check["id"], outcome.clip["id"]
    ids = {"record_id": party["record"]["id"], "party_id": party["record"]["id"], "index": str(party["log"]["index"]),
           "check_id": check_id, "clip_id": clip_id, "plural": "parties"}
    return ids, keys


def _filled(path: str, ids: dict[str, str]) -> str:
    import re

    return re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), "zz_absent"), path)


def _leaks(text: str) -> list[str]:
    return [value for value in [*CONTACT.values(), REQUESTER] if value in text]


def test_personal_fields_reach_admin_and_legal_only_on_every_route_and_page(sqlite_ctx: Clearance) -> None:
    """Every GET operation and console page, filled with a party's (and a clip's) ids, called by every role:
    contact details and the requester appear for admin and legal only; the others see them withheld."""
    from tests.ledger.web.console import Console

    ids, keys = _personal_world(sqlite_ctx)
    client = TestClient(create_app(sqlite_ctx))
    paths = client.get("/openapi.json").json()["paths"]
    seen: dict[str, set[str]] = {role.value: set() for role in Role}
    for template, operations in paths.items():
        if "get" not in operations:
            continue
        for role in Role:
            params = {"limit": 1000} if template in ("/v1/log/entries", "/v1/parties", "/v1/reviews") else {}
            response = client.get(_filled(template, ids), params=params,
                                  headers={"Authorization": f"Bearer {keys[role.value]}"})
            if not response.headers.get("content-type", "").startswith(("application/json", "text/")):
                continue
            if role.value not in SEES_PERSONAL_DATA:
                assert not _leaks(response.text), (template, role.value, _leaks(response.text))
            elif _leaks(response.text):
                seen[role.value].add(template)
    for role in SEES_PERSONAL_DATA:
        assert {"/v1/parties", "/v1/parties/{record_id}", "/v1/log/entries", "/v1/log/entries/{index}",
                "/v1/checks/{check_id}"} <= seen[role], seen[role]
    shown = client.get(f"/v1/parties/{ids['record_id']}", headers={"Authorization": f"Bearer {keys['auditor']}"})
    assert shown.status_code == 200 and shown.json()["name"] == "Ana Lima"
    assert {k: shown.json()[k] for k in CONTACT} == dict.fromkeys(CONTACT)
    assert shown.json()["withheld"]["fields"] == sorted(CONTACT) and "personal data" in shown.json()["withheld"]["reason"]
    written = client.post("/v1/parties", json={"kind": "person", "name": "Bo", "contact_email": "bo@example.org"},
                          headers={"Authorization": f"Bearer {keys['registrar']}"})
    assert written.status_code == 201 and written.json()["record"]["contact_email"] is None  # the writer too

    console = Console(sqlite_ctx)
    pages = ["/ui/records?kind=parties", "/ui/records/parties/{record_id}", "/ui/log", "/ui/reviews",
             "/ui/checks/{check_id}", "/ui/records?kind=clips", "/ui/datasets"]
    for role in (r for r in Role if r is not Role.resolver):  # a resolver cannot sign in (test_console.py)
        browser = console.signed_in(role.value)
        for page in pages:
            text = browser.get(_filled(page, ids)).text
            if role.value in SEES_PERSONAL_DATA:
                if page in ("/ui/records/parties/{record_id}", "/ui/checks/{check_id}"):
                    assert _leaks(text), (page, role.value)
            else:
                assert not _leaks(text), (page, role.value, _leaks(text))
        record_page = browser.get(_filled("/ui/records/parties/{record_id}", ids))
        if role.value in ("registrar", "auditor"):
            assert record_page.status_code == 200 and "withheld (personal data" in record_page.text


ALL = frozenset(role.value for role in Role)
PAYLOAD_READERS = {  # event type (and subject kind) -> roles that read its payload; as the README's access table says
    "log.initialized": ALL,
    "apikey.created": frozenset({"admin"}),
    ("record.created", "party"): frozenset({"admin", "registrar", "legal", "auditor"}),
    "privilege.asserted": frozenset({"admin", "legal"}),
    "export.protocol_saved": frozenset({"admin", "legal"}),
    "export.produced": frozenset({"admin", "legal"}),
    "clip.submitted": ALL,
    "check.decided": ALL,
    "clip.signed": ALL,
}


def test_log_payloads_per_event_kind_follow_the_role_table(sqlite_ctx: Clearance) -> None:
    """Production and privilege events: legal (who makes them) reads them; registrar and auditor,
    who read the records they name, do not read the privilege claimed."""
    ids, keys = _personal_world(sqlite_ctx)
    client = TestClient(create_app(sqlite_ctx))

    def as_(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[role]}"}

    party = ids["record_id"]
    assert client.post("/v1/export-protocols/standard", json={"bates_prefix": "STD"}, headers=as_("legal")).status_code == 201
    produced = client.post("/v1/exports", json={"selection": {"people": [party]}, "settings": {"image_format": "none"}},
                           headers=as_("legal"))
    assert produced.status_code == 201, produced.text
    assert client.post("/v1/privileges", json={"record_kind": "party", "record_id": party, "privilege": "work-product",
                                                "description": "counsel's interview notes"},
                       headers=as_("legal")).status_code == 201
    seen_types = set()
    for role in Role:
        entries = client.get("/v1/log/entries", params={"limit": 1000}, headers=as_(role.value)).json()["items"]
        for entry in entries:
            event, kind = entry["envelope"]["type"], entry["envelope"]["subject"]["kind"]
            readers = PAYLOAD_READERS.get((event, kind), PAYLOAD_READERS.get(event))
            assert readers is not None, f"no expectation for {event} on {kind}"
            seen_types.add(event)
            assert (entry["payload"] is not None) == (role.value in readers), (event, kind, role.value)
            if entry["payload"] is None:
                assert entry["withheld"]["payload"] is True
            single = client.get(f"/v1/log/entries/{entry['index']}", headers=as_(role.value)).json()
            assert single["payload"] == entry["payload"]
        if role.value not in ("admin", "legal"):
            assert "counsel's interview notes" not in client.get("/v1/log/entries", params={"limit": 1000},
                                                                 headers=as_(role.value)).text
    assert {"privilege.asserted", "export.produced", "export.protocol_saved"} <= seen_types
