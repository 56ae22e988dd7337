"""Numbers past 2**53, non-finite numbers and lone surrogates: refused by name, never a 500 and never
stored changed; through the API, the record service (which the CLI and import use) and the CLI itself;
on SQLite and PostgreSQL.

Canonical JSON (RFC 8785), the bytes every log payload is hashed as, carries numbers as IEEE doubles
and text as Unicode: an integer past +/-(2**53 - 1), ``NaN``, ``Infinity``, ``1e400`` and a lone
surrogate cannot be written exactly, so every free-form JSON field and every integer field refuses them.
"""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from fastapi.testclient import TestClient

from ledger.context import Clearance
from ledger.errors import ValidationFailed
from ledger.log import store
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, get_record
from tests.ledger.api.clients import Headers, keyed_client

MAX_EXACT_INTEGER = 2**53 - 1

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

past_2_53 = st.one_of(st.integers(min_value=MAX_EXACT_INTEGER + 1, max_value=2**70),
                      st.integers(min_value=-(2**70), max_value=-MAX_EXACT_INTEGER - 1),
                      st.sampled_from([2**53, 2**53 + 1, 2**63 - 1, 2**63, -(2**53)]))
non_finite = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E999", "123e456"])
bad_number = st.one_of(past_2_53.map(str), non_finite)
"""JSON text of a number canonical JSON cannot carry exactly (Python's json module accepts them all)."""

plain_text = st.text(alphabet=string.ascii_letters + "é ü-", max_size=6)
lone_surrogate = st.tuples(plain_text, st.integers(0xD800, 0xDFFF), plain_text).map(
    lambda parts: json.dumps(parts[0] + chr(parts[1]) + parts[2]))  # ensure_ascii: written as \udXXX
bad_value = st.one_of(bad_number, lone_surrogate)

key = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=5)
steps = st.lists(st.one_of(key, st.just(0)), max_size=3)
"""Where inside a free-form field the bad value sits: object keys and list positions."""


def nested(first_key: str, inner: list[str | int], token: str) -> tuple[str, str]:
    """JSON text of ``{first_key: ...}`` holding ``token`` at ``inner``, and the dotted path to it."""
    text, path = token, ""
    for step in reversed([first_key, *inner]):
        text = f"[{text}]" if step == 0 else f"{{{json.dumps(step)}: {text}}}"
    for step in [first_key, *inner]:
        path += "[0]" if step == 0 else (f".{step}" if path else str(step))
    return text, path


def asset_body(extra: str) -> str:
    return ('{"role": "training_asset", "title": "Reel", "media_type": "video/mp4", "sha256": "' + "ab" * 32
            + '", "acquisition_method": "licensed", ' + extra + "}")


JSON_FIELDS: list[tuple[str, str, str]] = [
    # (route, the body around the free-form field, its name as the problem names it); {} is the field's value
    ("/v1/assets", asset_body('"rights_management_info": {}'), "rights_management_info"),
    ("/v1/licenses/lic_x/amend", '{"changes": {}, "reason": "r"}', "changes"),
    ("/v1/consents/con_x/amend", '{"changes": {}, "reason": "r"}', "changes"),
    ("/v1/exports", '{"selection": {}}', "selection"),
    ("/v1/exports", '{"settings": {}}', "settings"),
]
INTEGER_FIELDS: list[tuple[str, str, str]] = [
    ("/v1/assets", asset_body('"size_bytes": {}'), "size_bytes"),
    ("/v1/exports", '{"settings": {"bates_start": {}}}', "settings.bates_start"),
    ("/v1/exports", '{"settings": {"bates_padding": {}}}', "settings.bates_padding"),
    ("/v1/export-protocols/p1", '{"bates_start": {}}', "bates_start"),
]
MULTIPART_FIELDS = [("/v1/assets/upload", "record"), ("/v1/checks", "request")]


@pytest.fixture
def api(ctx: Clearance) -> tuple[TestClient, Headers]:
    return keyed_client(ctx, ("admin",))


def tree_size(ctx: Clearance) -> int:
    with ctx.db.reader() as session:
        return store.tree_size(session)


def refused(response: Any) -> list[str]:
    """The fields a 422 problem names (the test fails on anything else)."""
    assert response.status_code == 422, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


@EXAMPLES
@given(case=st.sampled_from(JSON_FIELDS), first=key, inner=steps, token=bad_value)
def test_every_free_form_json_field_refuses_what_json_cannot_carry(api, ctx: Clearance, case: tuple[str, str, str],  # type: ignore[no-untyped-def]
                                                                  first: str, inner: list[str | int], token: str) -> None:
    client, h = api
    route, body, field = case
    before = tree_size(ctx)
    value, path = nested(first, inner, token)
    response = client.post(route, content=body.replace("{}", value, 1), headers={
        **h["admin"], "Content-Type": "application/json"})
    assert refused(response) == [f"{field}.{path}"]
    assert tree_size(ctx) == before


@EXAMPLES
@given(case=st.sampled_from(INTEGER_FIELDS), token=bad_number)
def test_every_integer_field_refuses_numbers_past_2_53(api, ctx: Clearance, case: tuple[str, str, str],  # type: ignore[no-untyped-def]
                                                       token: str) -> None:
    client, h = api
    route, body, field = case
    before = tree_size(ctx)
    response = client.post(route, content=body.replace("{}", token, 1),
                           headers={**h["admin"], "Content-Type": "application/json"})
    assert refused(response) == [field]
    assert tree_size(ctx) == before


@EXAMPLES
@given(case=st.sampled_from(MULTIPART_FIELDS), first=key, inner=steps, token=bad_value)
def test_json_in_multipart_fields_refuses_them_by_name(api, case: tuple[str, str], first: str,  # type: ignore[no-untyped-def]
                                                       inner: list[str | int], token: str) -> None:
    client, h = api
    route, field = case
    value, path = nested(first, inner, token)
    response = client.post(route, data={field: value}, files={"file": ("a.png", b"\x89PNG not really", "image/png")},
                           headers=h["admin"])
    assert refused(response) == [f"{field}.{path}"]


@pytest.mark.parametrize("size", [2**53, 2**53 + 1, 2**63 - 1, 2**63])
def test_size_bytes_past_2_53_is_refused_by_the_record_service(ctx: Clearance, size: int) -> None:
    data = {"role": "training_asset", "title": "Reel", "media_type": "video/mp4", "sha256": "cd" * 32,
            "acquisition_method": "licensed", "size_bytes": size}
    with pytest.raises(ValidationFailed) as caught:
        create_record(ctx, KINDS["asset"], data, "test")
    assert [p.field for p in caught.value.problems] == ["size_bytes"]
    assert tree_size(ctx) == 1  # the log's first entry only


@pytest.mark.parametrize("value, field", [
    ({"a": float("nan")}, "rights_management_info.a"),
    ({"a": [1, float("inf")]}, "rights_management_info.a[1]"),
    ({"a": {"b": 2**53}}, "rights_management_info.a.b"),
    ({"a": "x\ud800"}, "rights_management_info.a"),
    ({"x\udfff": 1}, "rights_management_info"),
])
def test_free_form_json_is_refused_by_the_record_service(ctx: Clearance, value: dict[str, Any], field: str) -> None:
    data = {"role": "training_asset", "title": "Reel", "media_type": "video/mp4", "sha256": "cd" * 32,
            "acquisition_method": "licensed", "rights_management_info": value}
    with pytest.raises(ValidationFailed) as caught:
        create_record(ctx, KINDS["asset"], data, "test")
    assert [p.field for p in caught.value.problems] == [field]


exact_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-MAX_EXACT_INTEGER, MAX_EXACT_INTEGER),
              st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.text(alphabet=string.ascii_letters, min_size=1, max_size=4),
                                               children, max_size=3)),
    max_leaves=8)


@EXAMPLES
@given(info=st.dictionaries(key, exact_json, max_size=3), size=st.integers(0, MAX_EXACT_INTEGER))
def test_what_json_carries_exactly_is_stored_exactly(api, ctx: Clearance, info: dict[str, Any], size: int) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    sha = os.urandom(32).hex()
    body = json.loads(asset_body('"size_bytes": 0, "rights_management_info": {}').replace("ab" * 32, sha))
    body.update(size_bytes=size, rights_management_info=info)
    response = client.post("/v1/assets", json=body, headers=h["admin"])
    assert response.status_code == 201, response.text
    stored = get_record(ctx, KINDS["asset"], response.json()["record"]["id"])
    assert stored["size_bytes"] == size and stored["rights_management_info"] == info


CLI = [sys.executable, "-c", "from ledger.cli import main; main()"]


def clearance(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLEARANCE_HOME": str(home), "COLUMNS": "200"}
    env.pop("CLEARANCE_DATABASE_URL", None)
    return subprocess.run(CLI + list(args), env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow   # whole CLI processes end to end (12-23 s): CI's slow step runs it
def test_the_cli_refuses_them_in_one_line_with_exit_2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert clearance(home, "init").returncode == 0
    base = ["asset", "add", "role=training_asset", "title=Reel", "media_type=video/mp4", f"sha256={'ef' * 32}",
            "acquisition_method=licensed"]
    for extra, field in [(f"size_bytes={2**53}", "size_bytes"), (f"size_bytes={2**63 - 1}", "size_bytes"),
                         ('rights_management_info={"a": NaN}', "rights_management_info.a"),
                         ('rights_management_info={"a": 1e400}', "rights_management_info.a"),
                         ('rights_management_info={"a": "\\ud800"}', "rights_management_info.a")]:
        result = clearance(home, *base, extra)
        assert result.returncode == 2, (extra, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and field in result.stderr, (extra, result.stderr)
        assert "Traceback" not in result.stderr
    rows = tmp_path / "assets.json"
    rows.write_text('[{"role": "training_asset", "title": "Reel", "media_type": "video/mp4", "sha256": "'
                    + "ef" * 32 + f'", "acquisition_method": "licensed", "size_bytes": {2**63 - 1}}}, '
                    '{"role": "training_asset", "title": "Two", "media_type": "video/mp4", "sha256": "'
                    + "fe" * 32 + '", "acquisition_method": "licensed", "rights_management_info": {"x": "\\udc00"}}]')
    imported = clearance(home, "import", str(rows), "--kind", "asset")
    assert imported.returncode == 2, imported.stderr
    assert "Traceback" not in imported.stderr + imported.stdout
    assert "0 accepted, 2 rejected" in imported.stdout and "size_bytes" in imported.stdout
    assert "rights_management_info.x" in imported.stdout
