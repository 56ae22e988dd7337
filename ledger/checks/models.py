"""Clips submitted for release and the checks decided on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Text
from sqlmodel import Field, SQLModel

from ledger.records.types import UTCDateTime


class Clip(SQLModel, table=True):
    """A generated clip as submitted, with the generation metadata the policies read."""

    __tablename__ = "clips"
    id: str = Field(primary_key=True)
    sha256: str = Field(index=True)
    md5: str
    sha1: str
    size_bytes: int = Field(sa_type=BigInteger)  # clips may pass 2 GiB
    filename: str
    model_id: str | None = None
    service: str
    requested_by: str | None = None
    dataset_version_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    prompt: str = Field(default="", sa_type=Text)
    reference_asset_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    declared_people: list[str] = Field(default_factory=list, sa_type=JSON)
    declared_voices: list[str] = Field(default_factory=list, sa_type=JSON)
    uses: list[str] = Field(default_factory=list, sa_type=JSON)
    project: str
    media: list[str] = Field(default_factory=list, sa_type=JSON)
    territories: list[str] = Field(default_factory=list, sa_type=JSON)
    release_date: date
    log_index: int
    licensee_id: str | None = None
    """The party making the clip under a model license, when the request names one."""
    parent_clip_id: str | None = None
    """The logged clip this one is an edit of (named by the request or by a C2PA parentOf ingredient)."""
    recheck_of: str | None = None
    """The check this submission checks again (the same bytes and request, after the records changed)."""
    synthetic_performer: bool | None = None
    """Whether a synthetic performer (N.Y. GBL § 396-b(1)) appears, as the request states; None: not stated."""


class Check(SQLModel, table=True):
    """The decision on a clip. ``relied_on`` lists the grants that cleared it (for revocation impact)."""

    __tablename__ = "checks"
    id: str = Field(primary_key=True)
    clip_id: str = Field(index=True)
    verdict: str = Field(index=True)
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    matches: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    channels: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    prompt_findings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    relied_on: list[str] = Field(default_factory=list, sa_type=JSON)
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    """Thumbnails (by SHA-256 in the media store) of matched frames beside what they matched: ledger.checks.evidence."""
    policy_set_hash: str
    inputs_sha256: str
    log_index: int
    review_state: str = "none"
    """none (pass or block), pending, approved or rejected."""
    reviewer: str | None = None
    """The reviewing key's name (or the name given to ``review decide --reviewer``)."""
    reviewer_role: str | None = None
    review_log_index: int | None = None
    """The ``check.reviewed`` entry: a signed approved clip's manifest proves it."""
    review_reason: str | None = None
    review_reason_code: str | None = None
    """The reviewer's reason code (``ledger.checks.reviews.REASON_CODES``), when the review gave one."""
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_sha256: str | None = None
    manifest_sha256: str | None = None
    manifest_label: str | None = None
    soft_binding_alg: str | None = None
    """The manifest's ``c2pa.soft-binding`` algorithm (``io.iscc.v0``), logged with ``clip.signed``."""
    soft_binding_value: str | None = None
    """Its value: the ISCC-CODE of the released content, Base64."""
    parent_check_id: str | None = None
    """The check of the clip this one is an edit of."""
    obligations: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    """What must come with the clip's use (a visible label): ledger.checks.obligations."""

    @property
    def releasable(self) -> bool:
        return self.verdict == "pass" or self.review_state == "approved"


class CheckFailure(SQLModel, table=True):
    """A submitted clip whose check could not be completed (e.g. undecodable media)."""

    __tablename__ = "check_failures"
    clip_id: str = Field(primary_key=True)
    status: int
    detail: str = Field(sa_type=Text)
    log_index: int
