"""Typed response bodies of the API (what the OpenAPI document promises each route answers).

Records themselves are typed per kind in the request models; a response carries a record as the
JSON object of its row. Models allow extra members so a later addition to an answer is not
silently dropped by the response model.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class LogReceipt(_Open):
    """Where a write landed in the log, with its inclusion proof against the signed checkpoint."""

    index: int
    leaf_hash: str = Field(description="base64 SHA-256(0x00 || leaf)")
    tree_size: int
    inclusion_proof: list[str] = Field(description="base64 node hashes, leaf to root")
    checkpoint: str = Field(description="the signed checkpoint note the proof is against")


class Written(_Open):
    record: dict[str, Any] = Field(description="the record as stored (its kind's fields, id, log_index)")
    log: LogReceipt


class Dependents(_Open):
    assets: list[str] = Field(default_factory=list)
    dataset_versions: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    released_clips: list[str] = Field(default_factory=list)


class WrittenWithDependents(Written):
    dependents: Dependents = Field(description="what relied on the earlier terms")


class LoggedOnly(_Open):
    log: LogReceipt


class Withheld(_Open):
    payload: bool
    fields: list[str]
    reason: str


class LogEntryOut(_Open):
    index: int
    leaf: str = Field(description="base64 of the leaf bytes")
    leaf_hash: str
    envelope: dict[str, Any]
    payload: dict[str, Any] | None = Field(description="null when redacted or withheld from this role")
    redacted: bool
    withheld: Withheld | None = None


class InclusionProofOut(_Open):
    index: int
    tree_size: int
    leaf_hash: str
    root: str
    proof: list[str]
    checkpoint: str | None


class ConsistencyProofOut(_Open):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


class KeyCreated(_Open):
    id: str
    role: str
    label: str | None
    key: str = Field(description="the secret: shown only in this response")
    log: LogReceipt


class KeyRevoked(_Open):
    id: str
    revoked: bool
    log: LogReceipt
