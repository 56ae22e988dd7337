"""Key answers: the secret only at creation; listings without it."""

from __future__ import annotations

from ledger.api.schemas.keys import KeyCreated, KeyInfo


def test_only_the_creation_answer_carries_the_secret() -> None:
    assert "key" in KeyCreated.model_fields
    assert "key" not in KeyInfo.model_fields and set(KeyInfo.model_fields) == {"id", "role", "label", "revoked"}
