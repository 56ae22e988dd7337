"""Field-level privilege: which fields of a record a designation can withhold, and how they are produced.

A designation with ``fields`` produces the record, but each named field reads ``REDACTED`` in the DAT
and the text rendering, and every produced event that logs it shows it as ``{"redacted": <commitment>}``
(envelope version 2, see :mod:`ledger.log.events`), so the event's inclusion proof still verifies and the
redaction is provable. Only fields logged by events that commit per field can be withheld this way; the
table below names them with the logged field they come from and the DAT columns they fill.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import FieldProblem, ValidationFailed

REDACTED_TEXT = "REDACTED"


@dataclass(frozen=True)
class RedactableField:
    event_type: str
    logged_as: str
    """The top-level payload field of ``event_type`` that holds it."""
    columns: tuple[str, ...]
    """The record's columns (DAT ``F_`` fields, text lines) that show it."""


REDACTABLE: dict[str, dict[str, RedactableField]] = {
    "check": {
        "review_reason": RedactableField("check.reviewed", "reason", ("review_reason",)),
        "reviewer": RedactableField("check.reviewed", "reviewer", ("reviewer", "reviewer_role")),
    },
}


def validate(kind: str, fields: list[str]) -> list[str]:
    """The names, checked and sorted; a ValidationFailed naming each that cannot be redacted."""
    allowed = REDACTABLE.get(kind, {})
    if not allowed:
        raise ValidationFailed(f"no field of a {kind} can be redacted: its events commit to the payload as a whole; "
                               "withhold the whole record instead", problems=[FieldProblem("fields", "omit")])
    unknown = [name for name in fields if name not in allowed]
    if unknown or not fields:
        raise ValidationFailed(f"fields of a {kind} that can be redacted: {', '.join(sorted(allowed))}",
                               problems=[FieldProblem("fields", name) for name in unknown or ["(none given)"]])
    return sorted(set(fields))


def logged_fields(kind: str, fields: list[str]) -> dict[str, set[str]]:
    """Event type -> the payload fields to show redacted, for a designation's ``fields``."""
    found: dict[str, set[str]] = {}
    for name in fields:
        spec = REDACTABLE.get(kind, {}).get(name)
        if spec is not None:
            found.setdefault(spec.event_type, set()).add(spec.logged_as)
    return found


def redacted_columns(kind: str, fields: list[str]) -> set[str]:
    return {column for name in fields for column in REDACTABLE.get(kind, {}).get(name, RedactableField("", "", ())).columns}
