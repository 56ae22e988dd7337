"""Answers of the check, review, signing, verification and training-audit routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ledger.api.schemas.common import LogReceipt, _Open, row_model
from ledger.checks.models import Check, Clip

CheckRecord = row_model(Check, "CheckRecord", "A decided check as stored: verdict, reasons, matches, review state "
                        "and, once signed, the signed clip's hashes.")
ClipRecord = row_model(Clip, "ClipRecord", "A submitted clip as stored: its hashes and the generation metadata the "
                       "policies read.")
PendingReview = row_model(Check, "PendingReview", "A check awaiting review, with the clip it decided.",
                          clip=(ClipRecord, Field(description="the clip the check decided")))


class SignedClip(_Open):
    """A releasable check's clip, signed with a C2PA manifest and logged as ``clip.signed``."""

    path: str = Field(description="where the server keeps the signed clip")
    sha256: str = Field(description="SHA-256 of the signed file")
    manifest_sha256: str
    manifest_label: str = Field(description="the active manifest's label (urn:c2pa:...)")
    log: LogReceipt
    download: str = Field(description="the route that serves the signed clip")


class CheckOutcome(_Open):
    """A decided check: the verdict with its reasons and evidence, the log receipt, the signed clip when it passed."""

    check_id: str
    clip_id: str
    verdict: str = Field(description="pass, review or block")
    reasons: list[dict[str, Any]] = Field(description="the determining policies, each with its sentence and facts")
    matches: list[dict[str, Any]] = Field(description="the registered works and people the clip resembles, per owner")
    channels: dict[str, Any] = Field(description="which fingerprint channels ran and which could not, and why")
    prompt_findings: dict[str, Any] = Field(description="what screening the prompt found")
    policy_set_hash: str
    relied_on: list[str] = Field(description="the grants that cleared the clip, as kind:id")
    review_state: str = Field(description="none, pending, approved or rejected")
    evidence: list[dict[str, Any]] = Field(description="thumbnails of matched frames beside what they matched")
    parent_check_id: str | None = Field(description="the check of the clip this one is an edit of")
    parent_clip_id: str | None = Field(description="the clip this one is an edit of")
    releasable: bool = Field(description="passed, or approved in review")
    frame_matches: list[dict[str, Any]] = Field(description="frame-level evidence behind the matches (may be empty)")
    log: LogReceipt = Field(description="the check.decided entry")
    signed: SignedClip | None = Field(description="the signed clip, when the check passed and was signed")


class CheckAccepted(_Open):
    """A check that goes on in the background: poll ``job`` for its result."""

    clip_id: str
    state: Literal["running"]
    job: str = Field(description="the route to poll")


class JobRunning(_Open):
    clip_id: str
    state: Literal["running"]


class JobDecided(_Open):
    clip_id: str
    state: Literal["decided"]
    check: CheckRecord  # type: ignore[valid-type]  # generated from the table


class CheckWithClip(_Open):
    check: CheckRecord  # type: ignore[valid-type]
    clip: ClipRecord  # type: ignore[valid-type]


class Reviewed(_Open):
    check: CheckRecord  # type: ignore[valid-type]
    log: LogReceipt = Field(description="the check.reviewed entry")


class StatusCodeOut(_Open):
    code: str = Field(description="a C2PA validation status code, or a Clearance check (clearance.*)")
    explanation: str | None
    url: str | None


class C2paReport(_Open):
    """What C2PA validation found, under this installation's trust anchors."""

    source: str
    media_type: str | None
    file_sha256: str
    state: Literal["Trusted", "Valid", "Invalid", "NoManifest"]
    failures: list[StatusCodeOut]
    ingredient_failures: list[StatusCodeOut]
    informational: list[StatusCodeOut]
    active_manifest: dict[str, Any] | None = Field(
        description="the active manifest: label, claim generator, signer, actions, ingredients, assertions, "
                    "training-mining entries and the Clearance release assertion")
    manifest_count: int
    manifest_sha256: str | None
    reasons: list[str] = Field(description="sentences for people")
    has_manifest: bool
    trusted: bool


class ReviewProof(_Open):
    """Whether the manifest's review entry is an approval of the check by the reviewer it names."""

    ok: bool
    reason: str
    index: int | None = None
    reviewer: str | None = None
    role: str | None = None


class LogInclusion(_Open):
    """Whether the check named by the manifest is in a checkpoint signed by this log's key (ok null: no assertion)."""

    ok: bool | None
    reason: str | None = None
    index: int | None = None
    origin: str | None = None
    checkpoint_size: int | None = None
    proof: list[str] | None = Field(default=None, description="base64 inclusion proof")
    review: ReviewProof | None = None


class ContentMatch(_Open):
    """Whether the file is the signed clip this ledger logged (ok null: no Clearance assertion)."""

    ok: bool | None
    reason: str
    clip_id: str | None = None


class Disclosure(_Open):
    """The AI disclosure the manifest carries (SB 942 / EU AI Act Art. 50(2)), element by element."""

    present: bool
    label: str | None
    provider: str | None
    system_name: str | None
    system_version: str | None
    created_at: str | None
    identifier: str | None
    digital_source_type: str | None
    ai_generated: bool
    missing: list[str]
    complete: bool


class Verification(_Open):
    ok: bool = Field(description="trusted C2PA, proved log inclusion and matching content together")
    c2pa: C2paReport
    log: LogInclusion
    content: ContentMatch
    disclosure: Disclosure | None


class AssetTraining(_Open):
    asset_id: str
    cleared: bool
    verdict: str = Field(description="pass, review or block")
    reasons: list[str] = Field(description="why not cleared, one line per determining policy (empty when cleared)")


class TrainingAudit(_Open):
    """May each asset of a dataset version be used to train the model (action ``train``)?"""

    dataset_version: str
    model: str | None
    policy_set_hash: str
    assets: int
    cleared: int
    not_cleared: list[AssetTraining]
    results: list[AssetTraining]


class VersionTrainingAudit(TrainingAudit):
    trained_by: str | None = Field(description="the model of the lineage that trained on this version")


class ModelAssetTraining(AssetTraining):
    dataset_version: str
    trained_by: str | None


class ModelTrainingAudit(_Open):
    """The audit of a model's effective training data: its own dataset versions and every ancestor's."""

    model: str
    lineage: list[str] = Field(description="the model's ancestors, nearest first")
    dataset_versions: list[str]
    policy_set_hash: str
    assets: int
    cleared: int
    not_cleared: list[ModelAssetTraining]
    reports: list[VersionTrainingAudit]

