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


class Obligation(_Open):
    """Something the law asks to come with the clip's use, beside the verdict (ledger.checks.obligations)."""

    kind: str = Field(description="visible_label: a label people must see, which the signed manifest cannot give")
    law: str = Field(description="the clause that asks for it")
    jurisdiction: str
    label: str = Field(description="what the label must say")
    in_force_from: str | None = None
    reason: str = Field(description="why this use needs it")


class CheckOutcome(_Open):
    """A decided check: the verdict with its reasons and evidence, the log receipt, the signed clip when it passed."""

    check_id: str
    clip_id: str
    verdict: str = Field(description="pass, review or block")
    reasons: list[dict[str, Any]] = Field(description="the determining policies, each with its sentence and facts")
    matches: list[dict[str, Any]] = Field(description="the registered works and people the clip resembles, per owner")
    channels: dict[str, Any] = Field(description="which fingerprint channels ran and which could not, and why; "
                                     "'limits', where present: channel -> what its search left out")
    prompt_findings: dict[str, Any] = Field(description="what screening the prompt found")
    policy_set_hash: str
    relied_on: list[str] = Field(description="the grants that cleared the clip, as kind:id")
    review_state: str = Field(description="none, pending, approved or rejected")
    evidence: list[dict[str, Any]] = Field(description="thumbnails of matched frames beside what they matched")
    parent_check_id: str | None = Field(description="the check of the clip this one is an edit of")
    parent_clip_id: str | None = Field(description="the clip this one is an edit of")
    releasable: bool = Field(description="passed, or approved in review")
    obligations: list[Obligation] = Field(default_factory=list,
                                          description="what must come with the use (e.g. New York's synthetic-"
                                                      "performer label in an advertisement); empty when nothing")
    frame_matches: list[dict[str, Any]] = Field(description="frame-level evidence behind the matches (may be empty)")
    log: LogReceipt = Field(description="the check.decided entry")
    signed: SignedClip | None = Field(description="the signed clip, when the check passed and was signed")
    signing_refused: dict[str, Any] | None = Field(
        default=None, description="problem details of a passed clip left unsigned: its AI disclosure lacks a field "
                                  "the law requires (errors name each, e.g. provider, system_version)")


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


class DisclosureField(_Open):
    """One element of the latent disclosure: present or missing, where the manifest carries it, the laws it serves."""

    name: str = Field(description="ai_generated, provider, system_name, system_version, created_at, identifier or "
                                  "soft_binding")
    element: str = Field(description="what the law asks for, in words")
    present: bool
    value: str | None
    found_in: list[str] = Field(description="the manifest places holding it, the standard C2PA place first")
    laws: list[str] = Field(description="the clauses it serves (SB 942 Bus. & Prof. Code 22757.3(b), EU AI Act "
                                        "Art. 50(2))")
    conflict: bool = Field(description="its places disagree")


class Disclosure(_Open):
    """The AI disclosure the manifest carries (SB 942 / EU AI Act Art. 50(2)), element by element."""

    present: bool = Field(description="the dev.clearance.ai-disclosure assertion is there")
    label: str | None
    provider: str | None
    system_name: str | None
    system_version: str | None
    created_at: str | None
    identifier: str | None
    digital_source_type: str | None
    soft_binding: str | None = Field(default=None, description="the c2pa.soft-binding algorithm (io.iscc.v0)")
    ai_generated: bool
    fields: list[DisclosureField] = Field(default_factory=list)
    missing: list[str]
    conflicts: list[str] = Field(default_factory=list)
    visible_labels_required: list[dict[str, str]] = Field(
        default_factory=list, description="labels people must see that the manifest records as required "
                                          "(e.g. N.Y. GBL 396-b(3) in an advertisement)")
    complete: bool = Field(description="every field present and no conflict (a report: not part of ok)")


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

