"""The review queue for a team: filtered and sorted, assignments, taking the next check, notes, saved filters."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Query

from ledger.api.deps import ADMINS, LEGAL, get_ctx, require
from ledger.api.pagination import MAX_LIMIT, cursor_query, limit_query, position
from ledger.api.schemas.common import AS_GIVEN
from ledger.api.schemas.worklist import (AssignRequest, Assigned, FilterDeleted, FilterSaved, NoteRequest, Noted,
                                         Notes, QueueCriteria, QueuePage, Reviewers, SavedFilters, SaveFilterRequest)
from ledger.auth.keys import Caller
from ledger.context import Clearance
from ledger.errors import FieldProblem, ValidationFailed
from ledger.records.enums import Role
from ledger.worklist import queue, team
from ledger.worklist.criteria import Criteria, parse

router = APIRouter(tags=["reviews"])
QUEUE_READERS = (*ADMINS, Role.legal, Role.auditor)  # as GET /v1/reviews
_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _id(value: str, name: str) -> str:
    if not _ID.fullmatch(value):
        raise ValidationFailed(f"not a valid {name}", problems=[FieldProblem(name, "letters, digits, _ and -")])
    return value


def _criteria(body: QueueCriteria | None) -> Criteria:
    return parse(body.model_dump(mode="json") if body else {})


@router.get("/review-queue", summary="Checks awaiting review, filtered and sorted, with age and assignee",
            response_model=QueuePage, **AS_GIVEN)
def read_queue(criteria: QueueCriteria = Depends(), saved: str | None = Query(None, max_length=100,
                                                                              description="a saved filter's id"),
               limit: int = limit_query(), cursor: str | None = cursor_query(), ctx: Clearance = Depends(get_ctx),
               caller: Caller = Depends(require(*QUEUE_READERS))) -> dict[str, Any]:
    chosen = team.saved_filter(ctx, _id(saved, "saved"), caller.key_id) if saved else _criteria(criteria)
    view = queue.view(ctx, chosen, caller.key_id)
    start = position(cursor)
    rows = view.rows[start:start + min(limit, MAX_LIMIT)]
    now = queue.now()
    end = start + len(rows)
    return {"items": [r.as_json(now) for r in rows], "total": len(view.rows), "total_pending": view.total_pending,
            "facets": view.facets, "next_cursor": str(end) if end < len(view.rows) else None, "limit": limit}


@router.get("/review-queue/reviewers", summary="The keys a check may be assigned to (admin and legal)",
            response_model=Reviewers)
def list_reviewers(ctx: Clearance = Depends(get_ctx), _: Caller = Depends(require(*QUEUE_READERS))) -> dict[str, Any]:
    return {"items": team.reviewers(ctx)}


@router.post("/review-queue/take", summary="Assign yourself the next unassigned check the filter selects",
             response_model=Assigned, **AS_GIVEN)
def take_next(body: QueueCriteria, ctx: Clearance = Depends(get_ctx),
              caller: Caller = Depends(require(*LEGAL))) -> dict[str, Any]:
    row, receipt = team.take_next(ctx, _criteria(body), caller)
    return {"assignment": row, "log": receipt.as_json()}


@router.post("/checks/{check_id}/assignment", summary="Assign a check awaiting review to a reviewer (or release it)",
             response_model=Assigned, **AS_GIVEN)
def assign(check_id: str, body: AssignRequest, ctx: Clearance = Depends(get_ctx),
           caller: Caller = Depends(require(*LEGAL))) -> dict[str, Any]:
    row, receipt = team.assign(ctx, _id(check_id, "check_id"), body.assignee_key_id, caller)
    return {"assignment": row, "log": receipt.as_json()}


@router.get("/checks/{check_id}/notes", summary="Notes on a check, oldest first", response_model=Notes)
def read_notes(check_id: str, ctx: Clearance = Depends(get_ctx),
               _: Caller = Depends(require(*QUEUE_READERS))) -> dict[str, Any]:
    return {"items": team.notes_of(ctx, _id(check_id, "check_id"))}


@router.post("/checks/{check_id}/notes", summary="Leave a note on a check (logged with its author)",
             response_model=Noted, status_code=201, **AS_GIVEN)
def add_note(check_id: str, body: NoteRequest, ctx: Clearance = Depends(get_ctx),
             caller: Caller = Depends(require(*LEGAL))) -> dict[str, Any]:
    row, receipt = team.add_note(ctx, _id(check_id, "check_id"), body.text, caller)
    return {"note": row, "log": receipt.as_json()}


@router.get("/review-queue/filters", summary="Your saved queue filters", response_model=SavedFilters)
def my_filters(ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(require(*LEGAL))) -> dict[str, Any]:
    return {"items": team.filters_of(ctx, caller.key_id)}


@router.post("/review-queue/filters", summary="Save a queue filter under a name (replaces yours of that name)",
             response_model=FilterSaved, status_code=201, **AS_GIVEN)
def save_filter(body: SaveFilterRequest, ctx: Clearance = Depends(get_ctx),
                caller: Caller = Depends(require(*LEGAL))) -> dict[str, Any]:
    row, receipt = team.save_filter(ctx, body.name, _criteria(body.criteria), caller)
    return {"filter": row, "log": receipt.as_json()}


@router.delete("/review-queue/filters/{filter_id}", summary="Delete one of your saved filters",
               response_model=FilterDeleted, **AS_GIVEN)
def delete_filter(filter_id: str, ctx: Clearance = Depends(get_ctx),
                  caller: Caller = Depends(require(*LEGAL))) -> dict[str, Any]:
    return {"log": team.delete_filter(ctx, _id(filter_id, "filter_id"), caller).as_json()}
