"""Answers of the media routes: asset upload, likeness and voice enrolment, match, doctor."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ledger.api.schemas.common import EntryIndex, LogReceipt, Written, _Open


class ChannelState(_Open):
    name: str = Field(description="exact, perceptual, semantic, identity or voice")
    available: bool
    detail: str = Field(description="what the channel runs, or why it cannot")
    pretrained: bool | None = Field(default=None, description="semantic only: false marks an untrained model "
                                                              "(absent for the other channels)")
    coverage: str | None = Field(default=None, description="match results only: what this channel's search left out "
                                                           "where it searched in part (absent when it searched all)")


class ChannelStatus(_Open):
    ran: list[str] = Field(description="the channels that ran")
    unavailable: dict[str, str] = Field(description="channel -> why it did not run")
    limits: dict[str, str] = Field(default_factory=dict, description="channel -> what its search left out, for the "
                                   "channels that searched in part (an approximate index; in the compact tier, "
                                   "keypoints verified on candidates only)")
    channels: list[ChannelState]


class FingerprintSummary(_Open):
    kind: str = Field(description="image, video or audio")
    frames: int = Field(description="frames fingerprinted")
    faces: int = Field(description="face templates found")
    channels: ChannelStatus


class AssetRegistered(Written):
    """The asset record with its log receipt, and what fingerprinting its file found."""

    fingerprints: FingerprintSummary


class EnrolledFile(_Open):
    file: str
    faces: int = Field(description="face templates taken from the file")
    fingerprint_set: str = Field(description="the id of the logged fingerprint set")
    log: LogReceipt | EntryIndex = Field(description="the full receipt on the batch's last file; the entry's index "
                                                     "on the others (all were written together)")
    speech_s: float | None = Field(default=None, description="voice only: seconds of speech detected")
    voice_templates: int | None = Field(default=None, description="voice only: voice templates taken")


class Enrolled(_Open):
    enrolled: list[EnrolledFile] = Field(description="one per file, in the order given")


class FrameMatch(_Open):
    """One piece of evidence: a query frame looks like an owner's frame, face or voice."""

    owner: str = Field(description="the asset or person id")
    owner_kind: Literal["asset", "person"]
    channel: str
    method: str = Field(description="sha256, pdq, keypoints, clip, face or voice")
    query_time_s: float
    matched_time_s: float | None
    matched_ref: int | None
    score: float
    threshold: float
    metric: str
    detail: dict[str, Any] = Field(description="method-specific detail (e.g. the PDQ transform, keypoint inliers)")


class Alignment(_Open):
    """``matched_time = rate * query_time + offset_s``, fitted over matched frame pairs."""

    rate: float
    offset_s: float
    pairs: int
    inliers: int


class OwnerSummary(_Open):
    """How much of the query one owner accounts for."""

    owner: str
    owner_kind: str
    frames_matched: int
    query_frames: int
    share: float = Field(description="frames_matched / query_frames")
    methods: list[str]
    first_query_time_s: float
    last_query_time_s: float
    alignment: Alignment | None
    voice_ranges: list[list[float]] = Field(description="[start, end] seconds of the query where the voice matched")


class MatchAnswer(_Open):
    format: int = Field(description="version of this shape")
    query: dict[str, Any] = Field(description="what was fingerprinted: kind, frames, duration, hashes")
    channels: ChannelStatus
    thresholds: dict[str, float | int] = Field(description="setting -> its value (scores as numbers, counts as "
                                                            "whole numbers)")
    matches: list[FrameMatch]
    owners: list[OwnerSummary]


class IndexStats(_Open):
    vectors: int
    owners: int
    index_type: str = Field(description="the FAISS index type, or empty")
    metric: str


class Doctor(_Open):
    channels: ChannelStatus
    index: dict[str, IndexStats] = Field(description="channel -> its index")
