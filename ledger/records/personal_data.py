"""Which fields are personal data, and which roles may read which log payloads.

This is the one table of personal-data fields: redaction (``clearance log
redact``) erases these fields, and the log API serves them only to the roles in
:data:`PERSONAL_DATA_READERS`. A role that may not read a kind of record through
the records API gets none of that kind's payloads through the log API either.
What is withheld is only the payload: the envelope and leaf are served whole
(the leaf commits to the payload's hash), so every proof still verifies.
"""

from __future__ import annotations

from typing import Any

from ledger.records.enums import Role

PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "party": frozenset({"contact_email", "contact_phone", "postal_address"}),
    "clip": frozenset({"requested_by"}),
}
"""Per subject kind, the fields of its payloads that are personal data."""

PERSONAL_DATA_READERS: frozenset[Role] = frozenset({Role.admin, Role.legal})
"""The roles that answer for personal data (erasure, legal holds); to others it is withheld in the log."""

RECORD_READERS: frozenset[Role] = frozenset({Role.admin, Role.registrar, Role.legal, Role.auditor})
"""The roles that may read rights records over the API, and so their payloads in the log."""

_OTHER_PAYLOAD_READERS: dict[str | None, frozenset[Role]] = {
    "fingerprint_set": RECORD_READERS,  # whose works and faces are enrolled
    "model_offer": RECORD_READERS,  # a decision on licensing a model, read like the model license it decides
    "clip": frozenset(Role),
    "check": frozenset(Role),
    "api_key": frozenset({Role.admin}),
    None: frozenset(Role),  # log.initialized: the log's own origin and public key
}
"""Per subject kind that is not a record kind, the roles that may read its payloads; any other kind is
served to admins only."""

_NESTED_FIELDS = ("changes", "residual")
"""Where record fields sit inside a payload besides its top level: amendments and redactions."""


def personal_fields(kind: str) -> frozenset[str]:
    return PERSONAL_FIELDS.get(kind, frozenset())


def payload_readers(kind: str | None) -> frozenset[Role]:
    from ledger.records.kinds import KINDS

    if kind in KINDS:
        return RECORD_READERS
    return _OTHER_PAYLOAD_READERS.get(kind, frozenset({Role.admin}))


def may_read_payload(role: Role, kind: str | None) -> bool:
    return role in payload_readers(kind)


def _without(fields: frozenset[str], values: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    kept = {k: v for k, v in values.items() if k not in fields}
    return kept, set(values) - set(kept)


def disclose(entry: dict[str, Any], role: Role) -> dict[str, Any]:
    """An entry as ``role`` may see it: the payload whole, without personal fields, or withheld.

    ``entry`` is the JSON of one log entry (``envelope`` and ``payload``); the answer adds
    ``withheld``: None, or ``{"payload": true|false, "fields": [...], "reason": ...}``.
    """
    payload = entry.get("payload")
    kind = ((entry.get("envelope") or {}).get("subject") or {}).get("kind")
    if payload is None:
        return {**entry, "withheld": None}
    if not may_read_payload(role, kind):
        return {**entry, "payload": None, "withheld": {
            "payload": True, "fields": sorted(payload),
            "reason": f"role '{role.value}' may not read {kind or 'this kind of'} records"}}
    fields = personal_fields(kind or "")
    if role in PERSONAL_DATA_READERS or not fields:
        return {**entry, "withheld": None}
    shown, removed = _without(fields, payload)
    for name in _NESTED_FIELDS:
        if isinstance(shown.get(name), dict):
            shown[name], nested = _without(fields, shown[name])
            removed |= {f"{name}.{field}" for field in nested}
    if not removed:
        return {**entry, "withheld": None}
    readers = ", ".join(sorted(r.value for r in PERSONAL_DATA_READERS))
    return {**entry, "payload": shown, "withheld": {
        "payload": False, "fields": sorted(removed),
        "reason": f"personal data; served to {readers} only"}}
