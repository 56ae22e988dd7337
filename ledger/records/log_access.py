"""Which roles may read which log payloads, and what the log API withholds from the others.

A role that may not read a kind of record through the records API gets none of
that kind's payloads through the log API either, and personal-data fields
(:mod:`ledger.records.personal_data`) go only to the roles that answer for them.
What is withheld is only the payload: the envelope and leaf are served whole
(the leaf commits to the payload's hash), so every proof still verifies.
"""

from __future__ import annotations

from typing import Any

from ledger.records.enums import Role
from ledger.records.kinds import KINDS
from ledger.records.personal_data import WITHHELD_REASON, withheld_from

RECORD_READERS: frozenset[Role] = frozenset({Role.admin, Role.registrar, Role.legal, Role.auditor})
"""The roles that may read rights records over the API, and so their payloads in the log."""

_OTHER_PAYLOAD_READERS: dict[str | None, frozenset[Role]] = {
    "fingerprint_set": RECORD_READERS,  # whose works and faces are enrolled
    "clip": frozenset(Role),
    "check": frozenset(Role),
    "api_key": frozenset({Role.admin}),
    None: frozenset(Role),  # log.initialized: the log's own origin and public key
}
"""Per subject kind that is not a record kind, the roles that may read its payloads; any other kind is
served to admins only."""

_NESTED_FIELDS = ("changes", "residual")
"""Where record fields sit inside a payload besides its top level: amendments and redactions."""


def payload_readers(kind: str | None) -> frozenset[Role]:
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
