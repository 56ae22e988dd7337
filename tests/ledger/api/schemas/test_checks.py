"""Check answers: background acceptance documented, verification of an unsigned file keeps its exact shape."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from ledger.api.app import create_app
from ledger.api.schemas.checks import CheckRecord, ClipRecord, PendingReview, Verification
from ledger.auth.keys import create_key
from ledger.context import Clearance


def test_pending_review_is_a_check_row_with_its_clip() -> None:
    assert set(PendingReview.model_fields) == set(CheckRecord.model_fields) | {"clip"}
    assert PendingReview.model_fields["clip"].annotation is ClipRecord


def test_both_answers_of_a_check_submission_are_documented(sqlite_ctx: Clearance) -> None:
    responses = create_app(sqlite_ctx).openapi()["paths"]["/v1/checks"]["post"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/CheckOutcome")
    assert responses["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/CheckAccepted")


def test_verifying_an_unsigned_file_answers_without_invented_members(sqlite_ctx: Clearance) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, format="PNG")
    key, _ = create_key(sqlite_ctx, "auditor")
    answer = TestClient(create_app(sqlite_ctx)).post(
        "/v1/verify", files={"file": ("plain.png", buffer.getvalue(), "image/png")},
        headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ok"] is False and body["disclosure"] is None
    assert body["log"] == {"ok": None, "reason": "no Clearance assertion in this file"} == body["content"]
    assert body["c2pa"]["state"] == "NoManifest" and body["c2pa"]["active_manifest"] is None
    assert Verification.model_validate(body).model_dump(mode="json", exclude_unset=True) == body
