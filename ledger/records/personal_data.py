"""Which fields are personal data.

This is the one table of personal-data fields: redaction (``clearance log
redact``) erases these fields, and the log API serves them only to the roles in
:data:`PERSONAL_DATA_READERS` (see :mod:`ledger.records.log_access`).
"""

from __future__ import annotations


from ledger.records.enums import Role

PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "party": frozenset({"contact_email", "contact_phone", "postal_address"}),
    "clip": frozenset({"requested_by"}),
}
"""Per subject kind, the fields of its payloads that are personal data."""

PERSONAL_DATA_READERS: frozenset[Role] = frozenset({Role.admin, Role.legal})
"""The roles that answer for personal data (erasure, legal holds); to others it is withheld in the log."""


def personal_fields(kind: str) -> frozenset[str]:
    return PERSONAL_FIELDS.get(kind, frozenset())


