"""Human review of checks that ended in ``review``: approve (releasable) or reject, with a reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import col, select

from ledger.checks.models import Check, Clip
from ledger.checks.service import _row_json
from ledger.context import Clearance, Receipt
from ledger.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from ledger.log.events import Event

Decision = Literal["approved", "rejected"]


@dataclass(frozen=True)
class Reviewer:
    """Who decided: an API key's name and role, or the person named to ``review decide --reviewer``."""

    name: str
    role: str

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise ValidationFailed("a review must name its reviewer",
                                   problems=[FieldProblem("reviewer", "1 to 200 characters")])


REASON_CODES = {
    "licensed_elsewhere": "Licensed elsewhere",
    "fair_use": "Fair use asserted",
    "not_same_work": "Not the same work",
    "consent_on_file": "Consent on file",
    "other": "Other",
}
"""Why a reviewer decided as they did, as a code kept in ``check.reviewed`` beside the free-text reason
(``ReviewRequest.reason_code`` in the API lists the same codes)."""


def pending(ctx: Clearance) -> list[dict[str, Any]]:
    with ctx.db.reader() as session:
        rows = session.exec(select(Check).where(Check.review_state == "pending").order_by(col(Check.log_index))).all()
        return [{**_row_json(row), "clip": _row_json(session.get(Clip, row.clip_id))} for row in rows]


def pending_page(ctx: Clearance, start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """How many checks await review, and ``limit`` of them from position ``start`` (oldest first)."""
    waiting = select(Check).where(Check.review_state == "pending")
    with ctx.db.reader() as session:
        total = session.exec(select(func.count()).select_from(waiting.subquery())).one()
        rows = session.exec(waiting.order_by(col(Check.log_index)).offset(start).limit(limit)).all()
        return total, [{**_row_json(row), "clip": _row_json(session.get(Clip, row.clip_id))} for row in rows]


def decide(ctx: Clearance, check_id: str, decision: str, reason: str, actor: str,
           reviewer: Reviewer, reason_code: str | None = None) -> tuple[dict[str, Any], Receipt]:
    """Record ``check.reviewed``; ``reason_code`` (one of :data:`REASON_CODES`) is logged when given."""
    normalised = {"approve": "approved", "approved": "approved", "reject": "rejected", "rejected": "rejected"}.get(decision)
    if normalised is None:
        raise ValidationFailed("unknown review decision", problems=[FieldProblem("decision", "approve or reject")])
    if reason_code is not None and reason_code not in REASON_CODES:
        raise ValidationFailed("unknown reason code",
                               problems=[FieldProblem("reason_code", ", ".join(REASON_CODES))])
    if not reason.strip():
        raise ValidationFailed("a review needs a reason", problems=[FieldProblem("reason", "must not be empty")])
    with ctx.db.transaction() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise NotFound(f"no check with id {check_id!r}")
        if check.review_state != "pending":
            raise Conflict(f"check {check_id} is not awaiting review (verdict {check.verdict}, "
                           f"review {check.review_state})")
        payload: dict[str, Any] = {"decision": normalised, "reason": reason, "reviewer": asdict(reviewer)}
        if reason_code is not None:
            payload["reason_code"] = reason_code
        # committed per field: a privilege designation can produce the reason redacted, still provable
        appended = ctx.record(session, [Event.committed("check.reviewed", payload, "check", check_id, actor)])[0]
        row = _row_json(check)
    return row, ctx.receipt(appended)
