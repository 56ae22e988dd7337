"""What the ledger knew at an earlier log size: the log's first N entries replayed into a scratch database.

An audit "at checkpoint N" reads this database instead of the live tables, so records and
revocations logged at or after entry N do not count, exactly as the tables stood when the
log had N entries. Redacted payloads are replayed from their redaction's residual, as
``clearance log verify`` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from ledger.context import Clearance
from ledger.db import table_of
from ledger.errors import FieldProblem, ValidationFailed
from ledger.log import store
from ledger.log.events import Envelope


def _bytes(value: Any) -> Any:
    return value.encode() if isinstance(value, str) else value


def check_size(ctx: Clearance, size: int) -> tuple[int, str]:
    """``size`` if the log has reached it, with the Merkle root of its first ``size`` entries (hex)."""
    with ctx.db.reader() as session:
        head = store.tree_size(session)
        if not 1 <= size <= head:
            raise ValidationFailed("no such log size", problems=[
                FieldProblem("at_checkpoint", f"{size}: the log has {head} entries; give 1 to {head}")])
        return size, store.root_at(session, size).hex()


@contextmanager
def knowledge_at(ctx: Clearance, size: int) -> Iterator[Session]:
    """A read-only session over the tables as the log's first ``size`` entries make them."""
    projections = ctx.projections
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    SQLModel.metadata.create_all(engine, tables=[table_of(t) for t in projections.tables])
    try:
        with ctx.db.reader() as live:
            redacted: dict[int, Any] = {}
            for entry in store.iter_entries(live):
                if entry.payload is not None and Envelope.parse(_bytes(entry.leaf)).type == "payload.redacted":
                    body = json.loads(entry.payload)
                    redacted[int(body["entry"])] = body["residual"]
            with Session(engine) as scratch:
                for entry in store.iter_entries(live, 0, size):
                    envelope = Envelope.parse(_bytes(entry.leaf))
                    body = json.loads(entry.payload) if entry.payload is not None else redacted.get(entry.idx)
                    if body is not None:
                        projections.apply(scratch, envelope, body)
                scratch.commit()
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()
