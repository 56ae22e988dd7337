"""Shared response shapes: rows described per column, extra members kept, unset members left out."""

from __future__ import annotations

from ledger.api.schemas.common import AS_GIVEN, LogReceipt, Written, camel, row_model
from ledger.checks.models import CheckFailure

RECEIPT = {"index": 3, "leaf_hash": "aGFzaA==", "tree_size": 4, "inclusion_proof": [], "checkpoint": "note\n"}


def test_row_model_has_one_member_per_column() -> None:
    model = row_model(CheckFailure, "FailureRow", "A failed check.")
    assert set(model.model_fields) == {"clip_id", "status", "detail", "log_index"}
    assert model.__doc__ == "A failed check."
    row = {"clip_id": "clp_1", "status": 422, "detail": "undecodable", "log_index": 7}
    assert model.model_validate(row).model_dump(mode="json") == row


def test_extra_members_survive_a_model() -> None:
    answer = {"record": {"id": "pty_1"}, "log": {**RECEIPT, "later": True}, "also": 1}
    assert Written.model_validate(answer).model_dump(mode="json") == answer


def test_routes_built_from_dicts_leave_unset_members_out() -> None:
    assert AS_GIVEN == {"response_model_exclude_unset": True}
    assert LogReceipt.model_validate(RECEIPT).model_dump(mode="json", exclude_unset=True) == RECEIPT


def test_camel() -> None:
    assert camel("estate_permission") == "EstatePermission"
