"""Assign checks to reviewers (or take the next unassigned), leave notes, keep filters: each a logged event."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from ledger import roles
from ledger.auth.keys import Caller
from ledger.checks.models import Check
from ledger.context import Clearance, Receipt
from ledger.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from ledger.log.events import Event
from ledger.log.store import Appended
from ledger.log.tables import LogHead
from ledger.records.models import ApiKey
from ledger.worklist import queue
from ledger.worklist.criteria import Criteria, parse
from ledger.worklist.models import ReviewAssignment, ReviewNote, SavedFilter

REVIEWER_ROLES = frozenset(roles.LEGAL)
"""Who may be assigned a check: the roles that decide reviews."""
MAX_NOTE = 4000
MAX_FILTERS = 50


def _row(row: Any) -> dict[str, Any]:
    from ledger.checks.service import _row_json

    return _row_json(row)


def reviewers(ctx: Clearance) -> list[dict[str, str]]:
    """The keys that may be assigned a check (not revoked), by name."""
    with ctx.db.reader() as session:
        keys = session.exec(select(ApiKey).where(col(ApiKey.role).in_(list(REVIEWER_ROLES)))
                            .where(col(ApiKey.revoked_at).is_(None)).order_by(col(ApiKey.log_index))).all()
        return [{"key_id": k.id, "name": k.label or k.id, "role": k.role.value} for k in keys]


def _serialised(session: Session) -> None:
    """Take the log head's lock first, so two reviewers taking the next check queue here, not both take it.

    (SQLite's write transactions are serialised already; PostgreSQL's appends lock this row anyway.)"""
    session.exec(select(LogHead).with_for_update()).first()


def _pending(session: Session, check_id: str) -> Check:
    check = session.get(Check, check_id)
    if check is None:
        raise NotFound(f"no check with id {check_id!r}")
    if check.review_state != "pending":
        raise Conflict(f"check {check_id} is not awaiting review (review {check.review_state}): "
                       "only a pending check is assigned")
    return check


def _assign_in(ctx: Clearance, session: Session, check_id: str, assignee: ApiKey | None,
               actor: str) -> tuple[dict[str, Any], Appended]:
    payload = {"assignee_key_id": assignee.id if assignee else None,
               "assignee_name": (assignee.label or assignee.id) if assignee else None}
    appended = ctx.record(session, [Event("review.assigned", payload, "check", check_id, actor)])[0]
    return _row(session.get(ReviewAssignment, check_id)), appended


def assign(ctx: Clearance, check_id: str, assignee_key_id: str | None, caller: Caller) -> tuple[dict[str, Any], Receipt]:
    """Assign a pending check to a reviewer's key, or release it (``None``); logged as ``review.assigned``."""
    with ctx.db.transaction() as session:
        _serialised(session)
        _pending(session, check_id)
        key = None
        if assignee_key_id:
            key = session.get(ApiKey, assignee_key_id)
            if key is None or key.revoked_at is not None or key.role not in REVIEWER_ROLES:
                raise ValidationFailed("cannot assign to that key", problems=[FieldProblem(
                    "assignee", "the id of a key with role admin or legal that is not revoked")])
        row, appended = _assign_in(ctx, session, check_id, key, caller.actor)
    return row, ctx.receipt(appended)


def take_next(ctx: Clearance, criteria: Criteria, caller: Caller) -> tuple[dict[str, Any], Receipt]:
    """Assign to the caller the first unassigned pending check the criteria select (in their order)."""
    if caller.role not in REVIEWER_ROLES:
        raise ValidationFailed("only a reviewer takes checks", problems=[FieldProblem("role", "admin or legal")])
    unassigned = Criteria(**{**criteria.__dict__, "assignee": "none"})
    with ctx.db.transaction() as session:
        _serialised(session)
        rows = queue.select_rows(queue.pending_rows(session), unassigned, caller.key_id, queue.now())
        if not rows:
            raise NotFound("no unassigned check awaiting review matches this filter")
        key = session.get(ApiKey, caller.key_id)
        row, appended = _assign_in(ctx, session, rows[0].check_id, key, caller.actor)
    return row, ctx.receipt(appended)


def assignment_of(ctx: Clearance, check_id: str) -> dict[str, Any] | None:
    with ctx.db.reader() as session:
        row = session.get(ReviewAssignment, check_id)
        return _row(row) if row is not None and row.assignee_key_id else None


# ---------------------------------------------------------------- notes

def add_note(ctx: Clearance, check_id: str, text: str, caller: Caller) -> tuple[dict[str, Any], Receipt]:
    """A note on any check (pending or decided), logged as ``review.noted`` with its author."""
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > MAX_NOTE:
        raise ValidationFailed("a note needs text", problems=[FieldProblem("text", f"1 to {MAX_NOTE} characters")])
    note_id = f"note_{uuid.uuid4().hex[:20]}"
    with ctx.db.transaction() as session:
        if session.get(Check, check_id) is None:
            raise NotFound(f"no check with id {check_id!r}")
        payload = {"note_id": note_id, "text": text, "author": caller.name or caller.key_id,
                   "author_role": caller.role.value}
        appended = ctx.record(session, [Event("review.noted", payload, "check", check_id, caller.actor)])[0]
        row = _row(session.get(ReviewNote, note_id))
    return row, ctx.receipt(appended)


def notes_of(ctx: Clearance, check_id: str) -> list[dict[str, Any]]:
    """The check's notes, oldest first."""
    with ctx.db.reader() as session:
        if session.get(Check, check_id) is None:
            raise NotFound(f"no check with id {check_id!r}")
        rows = session.exec(select(ReviewNote).where(ReviewNote.check_id == check_id)
                            .order_by(col(ReviewNote.log_index))).all()
        return [_row(r) for r in rows]


# ---------------------------------------------------------------- saved filters

def filters_of(ctx: Clearance, key_id: str) -> list[dict[str, Any]]:
    with ctx.db.reader() as session:
        rows = session.exec(select(SavedFilter).where(SavedFilter.owner_key_id == key_id)
                            .order_by(col(SavedFilter.name))).all()
        return [_row(r) for r in rows]


def saved_filter(ctx: Clearance, filter_id: str, key_id: str) -> Criteria:
    """A reviewer's own saved filter (another's is not found)."""
    with ctx.db.reader() as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.owner_key_id != key_id:
            raise NotFound(f"you have no saved filter {filter_id[:60]!r}")
        return parse(row.criteria)


def save_filter(ctx: Clearance, name: str, criteria: Criteria, caller: Caller) -> tuple[dict[str, Any], Receipt]:
    """Save (or replace, by name) one of the caller's filters; logged as ``review.filter_saved``."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 80:
        raise ValidationFailed("a saved filter needs a name", problems=[FieldProblem("name", "1 to 80 characters")])
    with ctx.db.transaction() as session:
        mine = session.exec(select(SavedFilter).where(SavedFilter.owner_key_id == caller.key_id)).all()
        same = next((f for f in mine if f.name == name), None)
        if same is None and len(mine) >= MAX_FILTERS:
            raise Conflict(f"you have {MAX_FILTERS} saved filters already; delete one first")
        filter_id = same.id if same else f"flt_{uuid.uuid4().hex[:20]}"
        payload = {"owner_key_id": caller.key_id, "name": name, "criteria": criteria.as_json()}
        appended = ctx.record(session, [Event("review.filter_saved", payload, "review_filter", filter_id,
                                              caller.actor)])[0]
        row = _row(session.get(SavedFilter, filter_id))
    return row, ctx.receipt(appended)


def delete_filter(ctx: Clearance, filter_id: str, caller: Caller) -> Receipt:
    with ctx.db.transaction() as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.owner_key_id != caller.key_id:
            raise NotFound(f"you have no saved filter {filter_id[:60]!r}")
        appended = ctx.record(session, [Event("review.filter_deleted", {"name": row.name}, "review_filter",
                                              filter_id, caller.actor)])[0]
    return ctx.receipt(appended)
