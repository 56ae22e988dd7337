"""Privilege designations: a record withheld from productions, with the privilege and who asserted it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger.checks.models import Check, Clip
from ledger.context import Clearance
from ledger.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from ledger.exports import redaction
from ledger.exports.models import PrivilegeDesignation
from ledger.exports.people import Person
from ledger.exports.selection import PRODUCED_KINDS
from ledger.log import store
from ledger.log.events import FIELD_COMMITTED, Envelope, Event
from ledger.records.kinds import KINDS

PRIVILEGES = ("attorney-client", "work-product", "common-interest", "joint-defense", "other")


def _table(kind: str) -> Any:
    if kind not in PRODUCED_KINDS:
        raise ValidationFailed("this kind of record cannot be designated privileged",
                               problems=[FieldProblem("record_kind", f"one of {', '.join(PRODUCED_KINDS)}")])
    return {"clip": Clip, "check": Check}.get(kind) or KINDS[kind].table


def assert_privilege(ctx: Clearance, record_kind: str, record_id: str, privilege: str, description: str,
                     actor: str, person: Person | None = None, fields: list[str] | None = None) -> dict[str, Any]:
    """Log ``privilege.asserted`` on a record: productions withhold it and list it on the privilege log.

    ``person`` is who asserts it (name and role); the log entry's ``actor`` is the key or ``cli``.
    ``fields``: withhold only these fields (ledger/exports/redaction.py): the record is produced with
    them redacted, provably, and the privilege log lists them."""
    record_kind = record_kind.replace("-", "_")
    table = _table(record_kind)
    named = redaction.validate(record_kind, fields) if fields else []
    if privilege not in PRIVILEGES:
        raise ValidationFailed("unknown privilege",
                               problems=[FieldProblem("privilege", f"one of {', '.join(PRIVILEGES)}")])
    if not description.strip():
        raise ValidationFailed("a privilege log entry needs a description of what is withheld",
                               problems=[FieldProblem("description", "required (describe it without its content)")])
    with ctx.db.transaction() as session:
        row = session.get(table, record_id)
        if row is None:
            raise NotFound(f"no {record_kind} with id {record_id!r}")
        payload: dict[str, Any] = {"privilege": privilege, "description": description}
        if named:
            _committed_per_field(session, record_kind, row)
            payload["fields"] = named
        if person is not None:
            payload["asserted_by"] = person.as_json()
        appended = ctx.record(session, [Event("privilege.asserted", payload, record_kind, record_id, actor)])[0]
    return {"record_kind": record_kind, "record_id": record_id, "privilege": privilege, "description": description,
            "fields": named, "asserted_by": person.label if person else actor, "log_index": appended.index}


def _committed_per_field(session: Session, kind: str, row: Any) -> None:
    """Refuse field redaction of a check whose review was logged before reviews committed per field."""
    index = getattr(row, "review_log_index", None) if kind == "check" else None
    if index is None:
        return
    if Envelope.parse(store.get_entry(session, index).leaf).version != FIELD_COMMITTED:
        raise Conflict(f"the review of check {row.id} (log entry {index}) was logged before reviews committed to "
                       "each field, so a redacted field could not be proved; withhold the whole check instead")


def withdraw_privilege(ctx: Clearance, record_kind: str, record_id: str, reason: str, actor: str,
                       person: Person | None = None) -> int:
    record_kind = record_kind.replace("-", "_")
    with ctx.db.transaction() as session:
        if session.get(PrivilegeDesignation, (record_kind, record_id)) is None:
            raise NotFound(f"{record_kind} {record_id} is not designated privileged")
        payload: dict[str, Any] = {"reason": reason}
        if person is not None:
            payload["withdrawn_by"] = person.as_json()
        return ctx.record(session, [Event("privilege.withdrawn", payload, record_kind, record_id, actor)])[0].index
