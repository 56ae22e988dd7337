"""Answers of the API key routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ledger.api.schemas.common import LogReceipt, _Open


class KeyCreated(_Open):
    id: str
    role: str
    label: str | None
    key: str = Field(description="the secret: shown only in this response")
    log: LogReceipt


class KeyInfo(BaseModel):
    id: str
    role: str
    label: str | None
    revoked: bool


class KeyRevoked(_Open):
    id: str
    revoked: bool
    log: LogReceipt
