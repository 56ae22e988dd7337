"""No request parameter names a file: stored content is found by its SHA-256 alone, and client file names,
check ids and record ids never shape a path outside the data directory's own folders."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from ledger.context import Clearance
from ledger.demo.media import synthetic_work
from ledger.errors import NotFound, ValidationFailed
from ledger.media_store import path_for, read_stored, store_bytes
from tests.ledger.disclosing import name_generative_system
from tests.ledger.api.clients import keyed_client

REQUEST = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"]}
SECRET = b"private key material that must never leave this file\n"


def jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(synthetic_work(seed))).convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


def as_64_characters(path: Path) -> str:
    """The path written as exactly 64 characters (leading slashes), as a hash-shaped key would be."""
    text = str(path)
    assert len(text) < 64
    return "/" * (64 - len(text)) + text


def files_under(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def beside_home(tmp_path: Path) -> dict[str, tuple[int, int]]:
    """Files of the test's folder outside the data directory, but for the SQLite database the fixture puts there."""
    return {k: v for k, v in files_under(tmp_path).items()
            if not k.startswith("home" + os.sep) and not k.startswith("clearance.db")}


@pytest.fixture
def outside() -> Iterator[Path]:
    """A short-named folder outside the data directory holding a secret, for keys of exactly 64 characters."""
    folder = Path(tempfile.mkdtemp(prefix="clr", dir="/tmp"))
    (folder / "secret").write_bytes(SECRET)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def api(ctx: Clearance) -> tuple[TestClient, dict[str, dict[str, str]]]:
    return keyed_client(ctx, ("admin", "registrar", "generator", "legal"))


def test_media_store_refuses_any_key_that_is_not_a_sha256(ctx: Clearance, outside: Path) -> None:
    for key in (as_64_characters(outside / "secret"), as_64_characters(Path("/etc/hostname")),
                "A" * 64, "a" * 63, "../" * 21 + "a", "a" * 64 + "/../x"):
        with pytest.raises(ValidationFailed):
            path_for(ctx.settings, key)
        with pytest.raises(ValidationFailed):
            read_stored(ctx.settings, key)
    with pytest.raises(NotFound):
        read_stored(ctx.settings, "a" * 64)
    stored = store_bytes(ctx.settings, b"bytes", "x.bin")
    assert read_stored(ctx.settings, stored.sha256) == b"bytes"
    assert stored.path.parent.parent.parent == ctx.settings.media_dir


def test_traversal_in_every_parameter_reads_and_writes_nothing_outside(api, ctx: Clearance, tmp_path: Path,
                                                                        outside: Path) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    name_generative_system(ctx, REQUEST["service"])  # the passed clip is signed with its AI disclosure
    home = ctx.settings.home
    aimed = "../" * 24 + str(outside).lstrip("/") + "/escape"  # reaches `outside` from any folder
    before_outside, before_tmp = files_under(outside), beside_home(tmp_path)
    before_home = set(files_under(home))
    person = client.post("/v1/parties", json={"kind": "person", "name": "Ana Lima"}, headers=h["registrar"])
    party_id = person.json()["record"]["id"]

    # clip_sha256: paths written as 64 characters, upper case, too short; never read, a clear 422
    for key in (as_64_characters(outside / "secret"), as_64_characters(Path("/etc/hostname")),
                hashlib.sha256(SECRET).hexdigest().upper(), "0" * 63, "../" * 21 + "x"):
        response = client.post("/v1/checks", data={"request": json.dumps(REQUEST), "clip_sha256": key},
                               headers=h["generator"])
        assert response.status_code == 422, (key, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == ["clip_sha256"]
    missing = client.post("/v1/checks", data={"request": json.dumps(REQUEST), "clip_sha256": "ab" * 32},
                          headers=h["generator"])
    assert missing.status_code == 404 and missing.json()["field"] == "clip_sha256"

    # client file names on every upload route
    image = jpeg(7)
    checked = client.post("/v1/checks", files={"file": (aimed + ".jpg", image)},
                          data={"request": json.dumps(REQUEST)}, headers=h["generator"])
    assert checked.status_code == 200, checked.text
    check_id = checked.json()["check_id"]
    assert checked.json()["verdict"] == "pass"
    assert client.post(f"/v1/checks/{check_id}/sign", headers=h["generator"]).status_code == 200
    uploaded = client.post("/v1/assets/upload", files={"file": (aimed + ".jpg", jpeg(8))},
                           data={"record": json.dumps({"role": "reference_work", "acquisition_method": "licensed"})},
                           headers=h["registrar"])
    assert uploaded.status_code == 201, uploaded.text
    assert client.post("/v1/match", files={"file": (aimed + ".jpg", image)}, headers=h["generator"]).status_code == 200
    assert client.post("/v1/verify", files={"file": (aimed + ".jpg", image)}, headers=h["generator"]).status_code == 200
    client.post(f"/v1/parties/{party_id}/likeness", files=[("files", (aimed + ".jpg", image))], headers=h["registrar"])

    # ids in paths: check ids (signed files), clip ids, record ids
    for bad in ("..%2F..%2F" + aimed.replace("/", "%2F"), "%2E%2E%2Fescape", "chk_x%00.mp4"):
        assert client.post(f"/v1/checks/{bad}/sign", headers=h["generator"]).status_code in (404, 422)
        assert client.get(f"/v1/checks/{bad}/signed", headers=h["generator"]).status_code in (404, 422)
        assert client.get(f"/v1/checks/jobs/{bad}", headers=h["generator"]).status_code in (404, 422)
    created = client.post("/v1/parties", params={"id": aimed}, json={"kind": "organisation", "name": "X"},
                          headers=h["registrar"])
    assert created.status_code in (201, 422)
    hashed = client.post("/v1/assets", json={"role": "reference_work", "title": "T", "media_type": "image/png",
                                             "sha256": as_64_characters(outside / "secret"),
                                             "acquisition_method": "licensed"}, headers=h["registrar"])
    assert hashed.status_code == 422 and "sha256" in str(hashed.json()["errors"])

    # nothing outside the data directory changed, and inside it only the stores grew
    assert files_under(outside) == before_outside
    assert beside_home(tmp_path) == before_tmp
    for name in set(files_under(home)) - before_home:
        top = name.split(os.sep)[0]
        # the stores, and dlib's face detector cached under a fixed name (cache/)
        assert top in ("media", "signed", "index", "cache") or top.startswith("clearance.db"), name
        if top == "media":
            assert re.fullmatch(r"[0-9a-f]{64}", Path(name).name), name
    # ... and no secret was read: its bytes are not stored and its hash is in no log payload
    secret_hash, hostname = hashlib.sha256(SECRET).hexdigest(), Path("/etc/hostname")
    assert not path_for(ctx.settings, secret_hash).exists()
    log_text = client.get("/v1/log/entries", params={"limit": 1000}, headers=h["admin"]).text
    assert secret_hash not in log_text
    if hostname.is_file():
        assert hashlib.sha256(hostname.read_bytes()).hexdigest() not in log_text
