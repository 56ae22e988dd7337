"""Answers of the review queue routes: the filtered queue, assignments, notes, saved filters."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from ledger.api.schemas.common import LogReceipt, RequestBody, _Open, row_model
from ledger.worklist.models import ReviewAssignment, ReviewNote, SavedFilter

AssignmentRecord = row_model(ReviewAssignment, "ReviewAssignmentRecord",
                             "Who a check awaiting review is assigned to (assignee null: released to the queue).")
NoteRecord = row_model(ReviewNote, "ReviewNoteRecord", "A note on a check, with its author, as logged.")
SavedFilterRecord = row_model(SavedFilter, "SavedFilterRecord", "One of a reviewer's saved queue filters.")


class QueueCriteria(RequestBody):
    """Filters (each optional) and a sort, as the queue page and ``GET /v1/review-queue`` take them."""

    service: str = Field(default="", max_length=200)
    project: str = Field(default="", max_length=200)
    policy: str = Field(default="", max_length=200, description="a policy id among the check's reasons")
    channel: str = Field(default="", max_length=200,
                         description="perceptual, semantic, identity, voice, exact, or request (no frame matched)")
    assignee: str = Field(default="", max_length=100, description="me, none (unassigned) or a reviewer's key id")
    min_age_days: int | None = Field(default=None, ge=0, le=3650, description="decided at least this many days ago")
    release_before: date | None = Field(default=None, description="release date on or before this day")
    sort: Literal["oldest", "newest", "release", "service", "project"] = "oldest"


class Assignee(_Open):
    key_id: str
    name: str


class QueueItem(_Open):
    """A check awaiting review as the queue lists it."""

    check_id: str
    log_index: int = Field(description="the check.decided entry")
    decided_at: str
    age_s: int = Field(description="seconds since the check was decided")
    clip_id: str
    filename: str
    service: str
    project: str
    release_date: str
    policies: list[str] = Field(description="the policies that sent the check to review")
    reasons: list[dict[str, str]] = Field(description="each of those policies with its sentence")
    channels: list[str] = Field(description="the channels that matched (request: none did)")
    assignee: Assignee | None


class QueuePage(_Open):
    items: list[QueueItem]
    total: int = Field(description="how many checks the filter selects")
    total_pending: int = Field(description="how many checks await review in all")
    facets: dict[str, list[str]] = Field(description="values found among all pending checks, per filter")
    next_cursor: str | None
    limit: int


class AssignRequest(RequestBody):
    assignee_key_id: str | None = Field(max_length=100, description="a key with role admin or legal; null releases it")


class Assigned(_Open):
    assignment: AssignmentRecord  # type: ignore[valid-type]
    log: LogReceipt = Field(description="the review.assigned entry")


class NoteRequest(RequestBody):
    text: str = Field(min_length=1, max_length=4000)


class Noted(_Open):
    note: NoteRecord  # type: ignore[valid-type]
    log: LogReceipt = Field(description="the review.noted entry")


class Notes(_Open):
    items: list[NoteRecord]  # type: ignore[valid-type]


class Reviewer(_Open):
    key_id: str
    name: str
    role: str


class Reviewers(_Open):
    items: list[Reviewer]


class SaveFilterRequest(RequestBody):
    name: str = Field(min_length=1, max_length=80)
    criteria: QueueCriteria


class FilterSaved(_Open):
    filter: SavedFilterRecord  # type: ignore[valid-type]
    log: LogReceipt = Field(description="the review.filter_saved entry")


class SavedFilters(_Open):
    items: list[SavedFilterRecord]  # type: ignore[valid-type]


class FilterDeleted(_Open):
    log: LogReceipt = Field(description="the review.filter_deleted entry")
