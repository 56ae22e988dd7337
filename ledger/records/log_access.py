"""Which roles may read which log payloads, and what the log API withholds from the others.

A role that may not read a kind of record through the records API gets none of
that kind's payloads through the log API either, and personal-data fields
(:mod:`ledger.records.personal_data`) go only to the roles that answer for them.
What is withheld is only the payload: the envelope and leaf are served whole
(the leaf commits to the payload's hash), so every proof still verifies.
"""

from __future__ import annotations

from typing import Any

from ledger import roles
from ledger.records.enums import Role
from ledger.records.kinds import KINDS
from ledger.records.personal_data import WITHHELD_REASON, withheld_from

RECORD_READERS: frozenset[Role] = frozenset(roles.READERS)
"""The roles that may read rights records over the API, and so their payloads in the log."""

PRODUCTION_READERS: frozenset[Role] = frozenset(roles.LEGAL)
"""The roles of the production routes (exports, protocols, privilege designations), and so of their events."""

_OTHER_PAYLOAD_READERS: dict[str | None, frozenset[Role]] = {
    "fingerprint_set": RECORD_READERS,  # whose works and faces are enrolled
    "clip": frozenset(Role),
    "check": frozenset(Role),
    "api_key": frozenset(roles.ADMINS),
    "production": PRODUCTION_READERS,  # export.produced
    "export_protocol": PRODUCTION_READERS,  # export.protocol_saved
    None: frozenset(Role),  # log.initialized: the log's own origin and public key
}
"""Per subject kind that is not a record kind, the roles that may read its payloads; any other kind is
served to admins only."""

_EVENT_PAYLOAD_READERS: dict[str, frozenset[Role]] = {
    "privilege.": PRODUCTION_READERS,  # the privilege claimed and its description: work product
    "export.": PRODUCTION_READERS,
    "review.": frozenset(roles.LEGAL) | {Role.auditor},  # the review queue's readers: notes, assignments, filters
}
"""Per event type prefix, the roles that may read its payloads whatever record it is about (a privilege
designation names a party or an asset, which registrar and auditor may read, but not the claim)."""

_NESTED_FIELDS = ("changes", "residual")
"""Where record fields sit inside a payload besides its top level: amendments and redactions."""


def payload_readers(kind: str | None, event_type: str = "") -> frozenset[Role]:
    """The roles that may read the payload of an event of ``event_type`` about a subject of ``kind``."""
    for prefix, readers in _EVENT_PAYLOAD_READERS.items():
        if event_type.startswith(prefix):
            return readers
    if kind in KINDS:
        return RECORD_READERS
    return _OTHER_PAYLOAD_READERS.get(kind, frozenset(roles.ADMINS))


def may_read_payload(role: Role, kind: str | None, event_type: str = "") -> bool:
    return role in payload_readers(kind, event_type)


def _without(fields: frozenset[str], values: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    kept = {k: v for k, v in values.items() if k not in fields}
    return kept, set(values) - set(kept)


def disclose(entry: dict[str, Any], role: Role) -> dict[str, Any]:
    """An entry as ``role`` may see it: the payload whole, without personal fields, or withheld.

    ``entry`` is the JSON of one log entry (``envelope`` and ``payload``); the answer adds
    ``withheld``: None, or ``{"payload": true|false, "fields": [...], "reason": ...}``.
    """
    payload = entry.get("payload")
    envelope = entry.get("envelope") or {}
    kind = (envelope.get("subject") or {}).get("kind")
    event_type = str(envelope.get("type") or "")
    if payload is None:
        return {**entry, "withheld": None}
    if not may_read_payload(role, kind, event_type):
        what = f"{event_type} events" if any(event_type.startswith(p) for p in _EVENT_PAYLOAD_READERS) \
            else f"{kind or 'this kind of'} records"
        return {**entry, "payload": None, "withheld": {
            "payload": True, "fields": sorted(payload),
            "reason": f"role '{role.value}' may not read {what}"}}
    fields = withheld_from(role, kind or "")
    if not fields:
        return {**entry, "withheld": None}
    shown, removed = _without(fields, payload)
    for name in _NESTED_FIELDS:
        if isinstance(shown.get(name), dict):
            shown[name], nested = _without(fields, shown[name])
            removed |= {f"{name}.{field}" for field in nested}
    if not removed:
        return {**entry, "withheld": None}
    return {**entry, "payload": shown, "withheld": {
        "payload": False, "fields": sorted(removed), "reason": WITHHELD_REASON}}
