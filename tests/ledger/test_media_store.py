"""The media store keeps no bytes of a write that was refused, and copies files in as streams."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.demo.media import synthetic_work
from ledger.errors import NotFound, PayloadTooLarge, ValidationFailed
from ledger.fsutil import TEMPORARY_GLOB
from ledger.media_store import digests, path_for, store_bytes, store_file, stored_for


def stored_files(ctx: Clearance) -> list[str]:
    return sorted(p.name for p in ctx.settings.media_dir.rglob("*") if p.is_file())


def test_stored_for_removes_what_it_stored_when_the_write_fails(sqlite_ctx: Clearance) -> None:
    settings = sqlite_ctx.settings
    earlier = store_bytes(settings, b"an earlier record's bytes")
    with pytest.raises(ValidationFailed):
        with stored_for(settings, b"refused bytes") as stored:
            assert stored.path.is_file()
            raise ValidationFailed("refused")
    assert not stored.path.exists()
    with pytest.raises(ValidationFailed):
        with stored_for(settings, b"an earlier record's bytes"):
            raise ValidationFailed("refused")
    assert path_for(settings, earlier.sha256).read_bytes() == b"an earlier record's bytes"


def test_a_rejected_asset_upload_leaves_no_bytes(ctx: Clearance) -> None:
    client = TestClient(create_app(ctx))
    key, _ = create_key(ctx, "registrar")
    response = client.post("/v1/assets/upload", files={"file": ("work.png", synthetic_work(7), "image/png")},
                           data={"record": '{"role": "training_asset", "acquisition_method": "licensed", '
                                           '"license_id": "lic_missing"}'},
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422 and "license_id" in response.text
    assert stored_files(ctx) == []


def test_a_file_is_copied_into_the_store_as_a_stream_with_its_digests(sqlite_ctx: Clearance, tmp_path: Path) -> None:
    settings = sqlite_ctx.settings
    source = tmp_path / "title.mov"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))   # several chunks and a partial one
    data = source.read_bytes()
    stored = store_file(settings, source, max_bytes=len(data))
    assert stored.created and stored.size_bytes == len(data)
    assert (stored.sha256, stored.md5, stored.sha1) == digests(data)
    assert stored.path == path_for(settings, stored.sha256) and stored.path.read_bytes() == data
    assert not store_file(settings, source, max_bytes=len(data)).created   # stored already: nothing written
    with pytest.raises(PayloadTooLarge, match="max_title_bytes"):
        store_file(settings, source, max_bytes=len(data) - 1)
    with pytest.raises(NotFound):
        store_file(settings, tmp_path / "missing.mov")
    assert stored_files(sqlite_ctx) == [stored.sha256]   # no temporary copy left by the refusals
    assert not list(settings.media_dir.rglob(TEMPORARY_GLOB))
