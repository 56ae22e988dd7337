"""The media store keeps no bytes of a write that was refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.demo.media import synthetic_work
from ledger.errors import ValidationFailed
from ledger.media_store import path_for, store_bytes, stored_for


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
