"""Answers of the log routes: entries as a role may see them, proofs, the replay audit."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ledger.api.schemas.common import _Open


class Withheld(_Open):
    payload: bool = Field(description="true: the whole payload is withheld from this role")
    fields: list[str] = Field(description="the payload members withheld (dotted for nested ones)")
    reason: str


class LogEntryOut(_Open):
    index: int
    leaf: str = Field(description="base64 of the leaf bytes")
    leaf_hash: str
    envelope: dict[str, Any] = Field(description="the event envelope: type, subject, actor, time, payload hash")
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


class Finding(_Open):
    where: str = Field(description="the entry, checkpoint or table row concerned")
    problem: str


class LogVerification(_Open):
    """The tree recomputed, every checkpoint checked and the events replayed against the tables."""

    ok: bool = Field(description="true when there are no findings")
    size: int = Field(description="entries in the log")
    checkpoints: int = Field(description="signed checkpoints checked")
    rows_compared: int = Field(description="table rows compared with the replayed events")
    findings: list[Finding]


class WitnessStatusOut(_Open):
    """How well the latest checkpoint is vouched for (``clearance doctor`` shows the same)."""

    checkpoint_size: int | None = Field(description="null when the log has no signed checkpoint yet")
    witnesses: int = Field(description="witnesses the policy names")
    vouched: list[str] = Field(description="policy names of the witnesses whose cosignatures are stored for it")
    missing: dict[str, str] = Field(description="each witness that has not cosigned it: why")
    quorum: str
    quorum_met: bool
    timestamped: bool | None = Field(description="null when no timestamp authority is configured")
    timestamp_error: str | None
    summary: list[str] = Field(description="'checkpoint 1,234: 1 of 2 witnesses, no timestamp' and the gaps")
