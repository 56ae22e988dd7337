"""How record events change the record tables.

:func:`register` hands these handlers, and the tables they write, to the log's
projection registry; the composition root calls it. The same handlers run for
live writes and for replay during ``clearance log verify``."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, Table, inspect
from sqlmodel import Session, SQLModel

from ledger.db import table_of
from ledger.errors import IntegrityError
from ledger.log.events import Envelope
from ledger.log.projection import Projections
from ledger.records import models as m
from ledger.records.kinds import KINDS, LINK_TABLES, RecordKind


def column_values(table: type[SQLModel], fields: SQLModel) -> dict[str, Any]:
    """Python values for ordinary columns, JSON-ready values for JSON columns."""
    python, jsonable = fields.model_dump(), fields.model_dump(mode="json")
    json_columns = {c.name for c in table_of(table).columns if isinstance(c.type, JSON)}
    return {name: jsonable[name] if name in json_columns else value for name, value in python.items()}


def row_fields(kind: RecordKind[Any, Any], row: SQLModel) -> SQLModel:
    """A table row's record fields, validated back into the kind's ``*Fields`` class."""
    fields: SQLModel = kind.fields.model_validate({name: getattr(row, name) for name in kind.fields.model_fields})
    return fields


def _time(envelope: Envelope) -> datetime:
    return datetime.fromisoformat(envelope.time.replace("Z", "+00:00"))


def _subject(session: Session, envelope: Envelope) -> Any:
    kind = KINDS.get(envelope.subject_kind or "")
    table = kind.table if kind else {"api_key": m.ApiKey}.get(envelope.subject_kind or "")
    row = session.get(table, envelope.subject_id) if table else None
    if row is None:
        raise IntegrityError(f"entry {envelope.index} refers to {envelope.subject_kind} "
                             f"{envelope.subject_id}, which does not exist")
    return row


def _initialized(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    """The first entry names the log's origin and key; it changes no table."""


_CREATED_ROWS = "ledger.records.created_rows"


def created_row(session: Session, record_id: str) -> SimpleNamespace | None:
    """The row a ``record.created`` event inserted earlier in this session: one attribute per column.

    A write answers with the record it created; reading it back would cost a query while the log
    head is still locked (the transaction has appended). The row is what the insert wrote, column
    defaults included: record tables have no server-side defaults or triggers, so that is what the
    database holds (a test compares every kind's answer with a later read).
    """
    rows: dict[str, SimpleNamespace] = session.info.get(_CREATED_ROWS, {})
    return rows.get(record_id)


def _with_defaults(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` and, for each column they leave out, its client-side default (or NULL)."""
    row = dict(values)
    for column in table.columns:
        if column.name not in row:
            default = column.default
            row[column.name] = None if default is None else \
                default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
    return row


def _created(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    """Insert the row (and its index rows) with Core statements: the ORM's unit of work for one
    new row costs more than the rest of a record's write. Later reads in the session load it."""
    kind = KINDS[envelope.subject_kind or ""]
    fields = kind.fields.model_validate(payload)
    session.flush()  # anything the session holds goes first, as it would in one ORM flush
    connection = session.connection()
    table = table_of(kind.table)
    row = _with_defaults(table, {**column_values(kind.table, fields), "id": envelope.subject_id,
                                 "log_index": envelope.index})
    connection.execute(table.insert(), row)
    session.info.setdefault(_CREATED_ROWS, {})[envelope.subject_id] = SimpleNamespace(**row)
    links = kind.links(envelope.subject_id or "", fields) if kind.links else []
    for link_type in dict.fromkeys(type(link) for link in links):  # a model indexes its training and its parents
        table = table_of(link_type)
        rows = [{c.name: getattr(link, c.name) for c in table.columns} for link in links if type(link) is link_type]
        connection.execute(table.insert(), rows)


def _revoked(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _subject(session, envelope)
    row.revoked_at = _time(envelope)
    row.revoked_on = datetime.fromisoformat(payload["revoked_on"]).date()
    row.revocation_reason = payload["reason"]
    row.revoked_by = envelope.actor
    session.add(row)
    session.flush()


def _amended(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    """Write the changed fields and append the amendment, with each field's value before, to the history."""
    kind = KINDS[envelope.subject_kind or ""]
    row = _subject(session, envelope)
    current = row_fields(kind, row)
    before = current.model_dump(mode="json")
    amended = kind.fields.model_validate({**before, **payload["changes"]})
    values = column_values(kind.table, amended)
    for name in payload["changes"]:
        setattr(row, name, values[name])
    row.amendments = [*row.amendments, {
        "log_index": envelope.index, "at": envelope.time, "by": envelope.actor, "reason": payload["reason"],
        "document_sha256": payload["document_sha256"], "effective_on": payload["effective_on"],
        "changed": {name: {"from": before[name], "to": value} for name, value in payload["changes"].items()},
    }]
    session.add(row)
    if kind.links:
        _replace_links(session, kind.links(row.id, current), kind.links(row.id, amended))
    session.flush()


def _replace_links(session: Session, old: list[SQLModel], new: list[SQLModel]) -> None:
    """Swap a record's index rows (e.g. the assets a license covers) for those of its amended fields."""
    for link in old:
        key = tuple(inspect(link).mapper.primary_key_from_instance(link))
        session.delete(session.get(type(link), key))
    session.flush()
    session.add_all(new)


def _released(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _subject(session, envelope)
    row.released_at = _time(envelope)
    row.release_reason = payload["reason"]
    session.add(row)
    session.flush()


def _redacted(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _subject(session, envelope)
    for name in payload["fields"]:
        setattr(row, name, None)
    row.redacted = True
    session.add(row)
    session.flush()


def _key_created(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    session.add(m.ApiKey(id=envelope.subject_id or "", role=payload["role"], label=payload.get("label"),
                         secret_sha256=payload["secret_sha256"], log_index=envelope.index))
    session.flush()


def _key_revoked(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _subject(session, envelope)
    row.revoked_at = _time(envelope)
    session.add(row)
    session.flush()


def _flagged(session: Session, envelope: Envelope, payload: dict[str, Any]) -> None:
    row = _subject(session, envelope)
    row.revocation_flags = [*row.revocation_flags, payload]
    session.add(row)
    session.flush()


def register(projections: Projections) -> None:
    """Hand the record events' handlers and tables to the log's registry."""
    projections.on_each({
        "log.initialized": _initialized, "record.created": _created, "record.revoked": _revoked,
        "record.amended": _amended, "legal_hold.released": _released, "payload.redacted": _redacted,
        "apikey.created": _key_created, "apikey.revoked": _key_revoked, "dataset_version.flagged": _flagged,
    })
    projections.replays([*(kind.table for kind in KINDS.values()), *LINK_TABLES, m.ApiKey])
