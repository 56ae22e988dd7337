"""Log answers: the replay audit's findings, and entries whose payload is withheld from a role."""

from __future__ import annotations

from ledger.api.schemas.log import LogEntryOut, LogVerification


def test_verification_lists_its_findings() -> None:
    answer = {"ok": False, "size": 3, "checkpoints": 1, "rows_compared": 2,
              "findings": [{"where": "entry 2", "problem": "payload does not match its leaf"}]}
    assert LogVerification.model_validate(answer).model_dump(mode="json") == answer


def test_a_withheld_payload_stays_null_with_its_reason() -> None:
    entry = {"index": 0, "leaf": "bGVhZg==", "leaf_hash": "aA==", "envelope": {"type": "record.created"},
             "payload": None, "redacted": False,
             "withheld": {"payload": True, "fields": ["name"], "reason": "role 'generator' may not read party records"}}
    assert LogEntryOut.model_validate(entry).model_dump(mode="json") == entry
