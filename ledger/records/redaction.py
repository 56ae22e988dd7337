"""Erasing personal data from the log while the tree still verifies.

A leaf commits only to its payload's hash, so removing the stored payload
leaves every proof intact. The ``payload.redacted`` event records which entry
was redacted and why, and carries the payload with its personal fields removed
(the *residual*) so that replay can still rebuild the tables. An active legal
hold on the record blocks redaction.
"""

from __future__ import annotations

import json

from sqlalchemy import update

from ledger.db import table_of
from ledger.context import Clearance, Receipt
from ledger.errors import Conflict
from ledger.log import store
from ledger.log.events import Envelope, Event
from ledger.log.tables import LogEntry
from ledger.records.kinds import KINDS
from ledger.records.service import active_holds


def redact_entry(ctx: Clearance, index: int, reason: str, actor: str) -> Receipt:
    with ctx.db.transaction() as session:
        entry = store.get_entry(session, index)
        envelope = Envelope.parse(entry.leaf)
        kind = KINDS.get(envelope.subject_kind or "")
        if entry.payload is None:
            raise Conflict(f"entry {index} is already redacted")
        if envelope.type != "record.created" or kind is None or not kind.personal_fields:
            raise Conflict(f"entry {index} ({envelope.type} of {envelope.subject_kind}) holds no personal data "
                           "that can be redacted")
        holds = active_holds(session, kind.name, envelope.subject_id or "")
        if holds:
            raise Conflict(f"legal hold {holds[0].id} ({holds[0].matter}) blocks redaction of "
                           f"{kind.name} {envelope.subject_id}", extra={"legal_hold": holds[0].id})
        payload = json.loads(entry.payload)
        fields = sorted(kind.personal_fields)
        residual = {k: (None if k in kind.personal_fields else v) for k, v in payload.items()}
        event = Event("payload.redacted", {"entry": index, "reason": reason, "fields": fields, "residual": residual},
                      kind.name, envelope.subject_id, actor)
        appended = ctx.record(session, [event])[0]
        session.connection().execute(update(table_of(LogEntry)).where(table_of(LogEntry).c.idx == index)
                                     .values(payload=None))
    return ctx.receipt(appended)
