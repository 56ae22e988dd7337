"""Answers of the production routes: a production's summary, protocols, privilege designations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from ledger.api.schemas.common import RequestBody, _Open
from ledger.exports.dat import DATE_FORMATS
from ledger.exports.protocol import (
    CONFIDENTIALITY,
    IMAGE_FORMATS,
    PREFIX_PATTERN,
    PRIVILEGE_HANDLING,
    PRIVILEGE_LOG_MODES,
)
from ledger.json_limits import MAX_EXACT_INTEGER

Ids = Annotated[list[Annotated[str, Field(min_length=1)]], Field(default_factory=list, description="record ids")]


class SelectionIn(RequestBody):
    """What a production reaches: a matter, a date range and ids per kind (each list may be empty)."""

    matter: str | None = Field(default=None, min_length=1)
    date_from: date | None = None
    date_to: date | None = None
    people: Ids
    assets: Ids
    datasets: Ids
    dataset_versions: Ids
    models: Ids
    clips: Ids
    checks: Ids
    custodians: Ids


class ProtocolSettingsIn(RequestBody):
    """Production protocol settings; those left out keep the saved protocol's (or the defaults)."""

    bates_prefix: str | None = Field(default=None, pattern=PREFIX_PATTERN.pattern)
    bates_start: int | None = Field(default=None, ge=1, le=MAX_EXACT_INTEGER, strict=True)
    bates_padding: int | None = Field(default=None, ge=1, le=12, strict=True, description="digits of a Bates number")
    confidentiality: Literal[CONFIDENTIALITY] | None = None  # type: ignore[valid-type]  # the protocol's own tuple
    image_format: Literal[IMAGE_FORMATS] | None = None  # type: ignore[valid-type]
    natives: bool | None = Field(default=None, strict=True, description="whether native files are produced")
    privilege_handling: Literal[PRIVILEGE_HANDLING] | None = None  # type: ignore[valid-type]
    fields: list[Annotated[str, Field(pattern=r"^F_")]] | None = Field(
        default=None, description="the flattened fields produced (F_...); empty: every field some record has")
    date_format: Literal[tuple(DATE_FORMATS)] | None = Field(  # type: ignore[valid-type]
        default=None, description="dates in the DAT (times are HH:MM:SS in UTC)")
    text: bool | None = Field(default=None, strict=True, description="a text rendering of each record (TEXTPATH)")
    privilege_log: Literal[PRIVILEGE_LOG_MODES] | None = Field(  # type: ignore[valid-type]
        default=None, description="document-by-document, metadata-based or categorical privilege log")
    presigned_clips: bool | None = Field(default=None, strict=True,
                                         description="with natives: a released clip's pre-signing file too")


class ProtocolSettingsOut(_Open):
    """How a production is made."""

    bates_prefix: str
    bates_start: int
    bates_padding: int = Field(description="digits of a Bates number")
    confidentiality: str
    image_format: str
    natives: bool = Field(description="whether native files are produced")
    privilege_handling: str
    fields: list[str] = Field(description="the flattened fields produced (F_...); empty: every field some record has")
    date_format: str = Field(description="dates in the DAT (times are HH:MM:SS in UTC)")
    text: bool = Field(description="a text rendering of each record (TEXTPATH)")
    privilege_log: str = Field(description="document, metadata or categorical privilege log")
    presigned_clips: bool = Field(description="with natives: a released clip's pre-signing file too")


class ProtocolOut(_Open):
    name: str
    settings: ProtocolSettingsOut


class ProtocolSaved(ProtocolOut):
    log_index: int = Field(description="the export.protocol_saved entry")


class ProductionProtocol(_Open):
    name: str | None = Field(description="the saved protocol used, if any")
    settings: ProtocolSettingsOut


class BatesRange(_Open):
    prefix: str
    padding: int
    start: int
    first: int
    last: int
    begin: str = Field(description="the first Bates number as printed")
    end: str = Field(description="the last Bates number as printed")


class CheckpointRef(_Open):
    file: str = Field(description="the checkpoint's file in the volume")
    origin: str
    size: int
    root: str = Field(description="base64 root hash")


class PreviousProduction(_Open):
    production_id: str
    checkpoint_size: int
    checkpoint_file: str
    proof_file: str = Field(description="the consistency proof from the previous production's checkpoint")


class Software(_Open):
    name: str
    version: str


class ProductionSummary(_Open):
    """A production as written: what it selected, its Bates range and the checkpoint that proves it."""

    format: str
    production_id: str
    volume: str
    matter: str | None
    selection: dict[str, Any] = Field(description="the selection as read: matter, dates, and ids per kind")
    protocol: ProductionProtocol
    bates: BatesRange
    checkpoint: CheckpointRef
    previous: PreviousProduction | None = Field(description="the matter's previous production under this prefix")
    counts: dict[str, int] = Field(description="record kind -> records produced")
    withheld: int = Field(description="records withheld as privileged (listed on the privilege log)")
    holds: list[str] = Field(description="the legal holds that cover produced records")
    exported_by: str
    exported_at: str = Field(description="UTC, ISO 8601")
    software: Software
    manifest_sha256: str
    log_index: int = Field(description="the export.produced entry")
    redactions: list[dict[str, Any]] = Field(default_factory=list,
                                             description="documents produced with fields redacted as privileged")
    download: str = Field(description="the route that serves the ZIP")


class PrivilegeAsserted(_Open):
    record_kind: str
    record_id: str
    privilege: str
    description: str
    fields: list[str] = Field(default_factory=list, description="the fields withheld; empty: the whole record")
    asserted_by: str
    log_index: int = Field(description="the privilege.asserted entry")
