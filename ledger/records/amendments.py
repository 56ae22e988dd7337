"""Amending a grant (license, performer consent, estate permission) by a logged event.

An amendment is how a signed change to a contract reaches the records: new
intended uses added to a consent, a license's term extended or its territories
narrowed. The ``record.amended`` event carries only the new values of the
changed fields, the reason, the amendment document's hash and its effective
date; its projection writes them onto the row and appends an item to the row's
``amendments`` history that keeps each changed field's value before and after.
Earlier values stay provable from the log: the creating event and every
amendment are entries of it.

Rules, each refused with an error that names the field or record:

* the grant's parties are fixed (``RecordKind[Any, Any].parties_fixed``): a consent of
  another performer, or a license between other parties, is a new record;
* the amended record must validate as a whole, exactly as a new record would,
  and its references must exist;
* a revoked grant cannot be amended, nor one under an active legal hold;
* the effective date cannot lie in the future: record the amendment when it
  takes effect, so a check never relies on terms not yet in force.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import Session, SQLModel

from ledger.context import Clearance
from ledger.errors import Conflict, FieldProblem, ValidationFailed
from ledger.log.events import Event
from ledger.records.kinds import RecordKind
from ledger.records.models import SHA256
from ledger.records.projection import row_fields
from ledger import clock
from ledger.records.service import (
    Written,
    active_holds,
    check_references,
    dependents,
    get_row,
    record_dict,
    released_clips,
    validate_fields,
)


def _check_request(kind: RecordKind[Any, Any], changes: dict[str, Any], reason: str, document_sha256: str | None,
                   effective_on: date | None) -> None:
    problems = []
    if not kind.amendable:
        raise Conflict(f"{kind.plural} cannot be amended")
    if not changes:
        problems.append(FieldProblem("changes", "name at least one field to change"))
    for name in changes:
        if name == "id" or name not in kind.fields.model_fields:
            problems.append(FieldProblem(f"changes.{name}", f"{kind.name} has no amendable field {name!r}"))
        elif name in kind.parties_fixed:
            problems.append(FieldProblem(f"changes.{name}", f"the parties of a {kind.name} cannot be amended; "
                                         "register a new record instead"))
    if not reason.strip():
        problems.append(FieldProblem("reason", "must not be empty"))
    if document_sha256 is not None and not re.fullmatch(SHA256, document_sha256):
        problems.append(FieldProblem("document_sha256", "expected 64 lowercase hex digits (SHA-256)"))
    if effective_on is not None and effective_on > clock.today():
        problems.append(FieldProblem("effective_on", "is in the future; record the amendment when it takes effect"))
    if problems:
        raise ValidationFailed(f"invalid amendment of a {kind.name}", problems=problems)


def _amendment_event(session: Session, kind: RecordKind[Any, Any], row: SQLModel, changes: dict[str, Any], reason: str,
                     document_sha256: str | None, effective_on: date | None, actor: str) -> Event:
    before = row_fields(kind, row).model_dump(mode="json")
    try:
        fields = validate_fields(kind, {**before, **changes})
    except ValidationFailed as exc:
        problems = [FieldProblem(f"changes.{p.field}" if p.field.split(".")[0] in changes else p.field, p.message)
                    for p in exc.problems]
        raise ValidationFailed(f"the amended {kind.name} would not be valid", problems=problems) from None
    problems = check_references(session, kind, fields, getattr(row, "id"))
    if problems:
        raise ValidationFailed(f"the amended {kind.name} does not agree with the records it refers to",
                               problems=problems)
    after = fields.model_dump(mode="json")
    changed = {name: after[name] for name in changes if after[name] != before[name]}
    if not changed:
        raise ValidationFailed("the amendment changes nothing",
                               problems=[FieldProblem("changes", "every value given equals the current one")])
    payload = {"changes": changed, "reason": reason, "document_sha256": document_sha256,
               "effective_on": (effective_on or clock.today()).isoformat()}
    return Event("record.amended", payload, kind.name, getattr(row, "id"), actor)


def amend(ctx: Clearance, kind: RecordKind[Any, Any], record_id: str, changes: dict[str, Any], reason: str, actor: str,
          document_sha256: str | None = None,
          effective_on: date | None = None) -> tuple[Written, dict[str, list[str]]]:
    """Amend a grant; return it with its receipt and what relied on its earlier terms.

    The dependents (assets, dataset versions, models, released clips) are those of the
    terms before the amendment: a narrowed grant may no longer cover them.
    """
    _check_request(kind, changes, reason, document_sha256, effective_on)
    with ctx.db.transaction() as session:
        row = get_row(session, kind, record_id)
        if row.revoked_at is not None:
            raise Conflict(f"{kind.name} {record_id!r} was revoked on {row.revoked_on}; it cannot be amended")
        holds = active_holds(session, kind.name, record_id)
        if holds:
            raise Conflict(f"legal hold {holds[0].id} ({holds[0].matter}) keeps {kind.name} {record_id!r} "
                           "from being changed; release the hold first", extra={"legal_hold": holds[0].id})
        event = _amendment_event(session, kind, row, changes, reason, document_sha256, effective_on, actor)
        rule = ctx.record_rules.get(kind.name)  # e.g. a model license's wider terms are decided again
        decided = rule(ctx, session, record_id, validate_fields(kind, {**row_fields(kind, row).model_dump(
            mode="json"), **event.payload["changes"]}), actor) if rule else None
        refusal = decided.refusal if decided else None
        affected = dependents(session, kind, record_id)  # read before the amendment is applied
        affected["released_clips"] = released_clips(session, kind, record_id, affected["models"])
        if refusal is not None:
            ctx.record(session, decided.events if decided else [])
        else:
            appended = ctx.record(session, [*(decided.events if decided else []), event])[-1]
            record = record_dict(kind, row)
    if refusal is not None:
        raise refusal
    return Written(record, ctx.receipt(appended)), affected
