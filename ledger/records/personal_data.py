"""Which fields are personal data, and who sees them.

This is the one table of personal-data fields and the one rule for showing them: redaction
(``clearance log redact``) erases these fields, and everything that hands a record or a payload to a
caller (the record routes and lists, the log API, the console's pages) passes it through
:func:`shown_to`, or, for log payloads, removes what :func:`withheld_from` names
(:mod:`ledger.records.log_access`). Admin and legal answer for personal data (erasure, legal holds,
productions) and see it; every other role sees the fields as withheld.
"""

from __future__ import annotations

from typing import Any

from ledger.records.enums import Role

PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "party": frozenset({"contact_email", "contact_phone", "postal_address"}),
    "clip": frozenset({"requested_by"}),
}
"""Per subject kind, the fields of its records and payloads that are personal data."""

PERSONAL_DATA_READERS: frozenset[Role] = frozenset({Role.admin, Role.legal})
"""The roles that answer for personal data (erasure, legal holds, productions); to others it is withheld."""

WITHHELD_REASON = ("personal data; served to "
                   + ", ".join(sorted(role.value for role in PERSONAL_DATA_READERS)) + " only")


def personal_fields(kind: str) -> frozenset[str]:
    return PERSONAL_FIELDS.get(kind, frozenset())


def withheld_from(role: Role | None, kind: str) -> frozenset[str]:
    """The personal fields of ``kind`` that ``role`` may not see: none for admin and legal, all of them
    for any other role (and for no role at all)."""
    if role in PERSONAL_DATA_READERS:
        return frozenset()
    return personal_fields(kind)


def shown_to(role: Role | None, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` (one record of ``kind`` as the API shows it) as ``role`` may see it.

    Each personal field the role may not see is set to null and named under ``withheld``, whatever
    its value (so the answer does not tell whether there was one); records of kinds without personal
    fields, and every record shown to admin and legal, are returned unchanged.
    """
    hidden = withheld_from(role, kind)
    if not hidden:
        return record
    shown = {name: (None if name in hidden else value) for name, value in record.items()}
    shown["withheld"] = {"fields": sorted(hidden), "reason": WITHHELD_REASON}
    return shown
