"""How export events change the tables: privilege designations, saved protocols, productions and Bates counters.

The Bates counter of a prefix is state kept by events alone: ``export.produced`` moves it
to one past the production's last number, and refuses a production whose first number is
not exactly where the prefix stands (a gap or a reuse), so ``clearance log verify`` replays
and checks the numbering like any other table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from ledger.errors import IntegrityError
from ledger.exports.models import BatesCounter, ExportProtocol, PrivilegeDesignation, Production
from ledger.exports.people import from_payload
from ledger.log.events import Envelope
from ledger.log.projection import Projections


def _time(envelope: Envelope) -> datetime:
    return datetime.fromisoformat(envelope.time.replace("Z", "+00:00"))


def _privilege_asserted(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    key = (envelope.subject_kind or "", envelope.subject_id or "")
    row = session.get(PrivilegeDesignation, key) or PrivilegeDesignation(record_kind=key[0], record_id=key[1],
                                                                         privilege="", description="",
                                                                         asserted_by="", asserted_at=_time(envelope),
                                                                         log_index=envelope.index)
    row.privilege = payload["privilege"]
    row.description = payload["description"]
    row.asserted_by = from_payload(payload.get("asserted_by"), envelope.actor)
    row.asserted_at = _time(envelope)
    row.log_index = envelope.index
    row.fields = list(payload.get("fields") or [])
    session.add(row)
    session.flush()


def _privilege_withdrawn(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = session.get(PrivilegeDesignation, (envelope.subject_kind or "", envelope.subject_id or ""))
    if row is None:
        raise IntegrityError(f"entry {envelope.index} withdraws a privilege never asserted on "
                             f"{envelope.subject_kind} {envelope.subject_id}")
    session.delete(row)
    session.flush()


def _protocol_saved(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = session.get(ExportProtocol, envelope.subject_id) or ExportProtocol(
        name=envelope.subject_id or "", saved_by=envelope.actor, log_index=envelope.index)
    row.settings = payload["settings"]
    row.saved_by = envelope.actor
    row.log_index = envelope.index
    session.add(row)
    session.flush()


def _produced(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    bates = payload["bates"]
    prefix, first, last = bates["prefix"], int(bates["first"]), int(bates["last"])
    counter = session.get(BatesCounter, prefix)
    expected = counter.next_number if counter is not None else int(bates["start"])
    if first != expected or last < first - 1:
        raise IntegrityError(f"entry {envelope.index}: production {envelope.subject_id} numbers {prefix} from "
                             f"{first}, but the prefix stands at {expected} (a gap or a reuse)")
    if counter is None:
        counter = BatesCounter(prefix=prefix, next_number=first, padding=int(bates["padding"]),
                               log_index=envelope.index)
    counter.next_number = last + 1
    counter.log_index = envelope.index
    session.add(counter)
    session.add(Production(id=envelope.subject_id or "", matter=payload.get("matter"), prefix=prefix,
                           first_number=first, last_number=last, checkpoint_size=int(payload["checkpoint_size"]),
                           manifest_sha256=payload["manifest_sha256"],
                           produced_by=from_payload(payload.get("exported_by"), envelope.actor),
                           produced_at=_time(envelope), log_index=envelope.index))
    session.flush()


def register(projections: Projections) -> None:
    """Hand the export events' handlers and tables to the log's registry."""
    projections.on_each({"privilege.asserted": _privilege_asserted, "privilege.withdrawn": _privilege_withdrawn,
                         "export.protocol_saved": _protocol_saved, "export.produced": _produced})
    projections.replays([PrivilegeDesignation, ExportProtocol, BatesCounter, Production])
