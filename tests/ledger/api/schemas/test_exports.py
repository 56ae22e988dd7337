"""Production answers: settings stored as given stay as given; a first production has no previous one."""

from __future__ import annotations

from ledger.api.schemas.exports import PrivilegeAsserted, ProtocolSaved
from ledger.exports.protocol import ProtocolSettings


def test_saved_protocol_answers_its_settings_as_stored() -> None:
    settings = ProtocolSettings(bates_prefix="ACME", natives=True, fields=["F_ID"]).as_json()
    answer = {"name": "discovery", "settings": settings, "log_index": 9}
    assert ProtocolSaved.model_validate(answer).model_dump(mode="json") == answer


def test_natives_is_answered_as_it_was_given() -> None:
    """``natives`` is not validated on the way in, so the answer must not coerce (or refuse) what was stored."""
    settings = {**ProtocolSettings().as_json(), "natives": "yes"}
    dumped = ProtocolSaved.model_validate({"name": "x", "settings": settings, "log_index": 1}).model_dump(mode="json")
    assert dumped["settings"]["natives"] == "yes"


def test_privilege_designation() -> None:
    answer = {"record_kind": "asset", "record_id": "ast_1", "privilege": "attorney_client",
              "description": "counsel's notes", "asserted_by": "key:legal", "log_index": 12}
    assert PrivilegeAsserted.model_validate(answer).model_dump(mode="json") == answer
