"""Production answers: saved protocols answer their settings as stored, natives as a boolean; privilege designations."""

from __future__ import annotations

from ledger.api.schemas.exports import PrivilegeAsserted, ProtocolSaved
from ledger.exports.protocol import ProtocolSettings


def test_saved_protocol_answers_its_settings_as_stored() -> None:
    settings = ProtocolSettings(bates_prefix="ACME", natives=True, fields=["F_ID"]).as_json()
    answer = {"name": "discovery", "settings": settings, "log_index": 9}
    assert ProtocolSaved.model_validate(answer).model_dump(mode="json") == answer


def test_natives_is_documented_and_answered_as_a_boolean() -> None:
    """Settings are validated before they are stored (``natives`` must be true or false), so the answer is one."""
    settings = ProtocolSettings(natives=False).as_json()
    dumped = ProtocolSaved.model_validate({"name": "x", "settings": settings, "log_index": 1}).model_dump(mode="json")
    assert dumped["settings"]["natives"] is False
    schema = ProtocolSaved.model_json_schema()
    assert schema["$defs"]["ProtocolSettingsOut"]["properties"]["natives"]["type"] == "boolean"


def test_privilege_designation() -> None:
    answer = {"record_kind": "asset", "record_id": "ast_1", "privilege": "attorney_client",
              "description": "counsel's notes", "asserted_by": "key:legal", "log_index": 12, "fields": []}
    assert PrivilegeAsserted.model_validate(answer).model_dump(mode="json") == answer
