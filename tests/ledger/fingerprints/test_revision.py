"""The index revision is found from the last fingerprint event without reading the whole log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from ledger.context import Clearance
from ledger.fingerprints.indexing import records_revision
from ledger.fingerprints.models import FINGERPRINT_EVENTS
from ledger.log import store
from ledger.log.events import Event


def test_revision_is_the_last_fingerprint_event_before_a_bound(ctx: Clearance) -> None:
    # Raw events, not projected: only their types matter here.
    with ctx.db.transaction() as session:
        store.append(session, [Event("log.initialized", {"i": i}) for i in range(5)])
        added = store.append(session, [Event("fingerprints.added", {})])[0].index
        store.append(session, [Event("log.initialized", {"i": i}) for i in range(5)])
        erased = store.append(session, [Event("fingerprints.erased", {})])[0].index
        store.append(session, [Event("log.initialized", {})])
    with ctx.db.reader() as session:
        assert records_revision(session) == erased
        assert records_revision(session, before=erased) == added
        assert records_revision(session, before=added) == -1
    assert set(FINGERPRINT_EVENTS) <= ctx.projections.event_types  # the types the index names are real event types


def test_sqlite_answers_from_the_partial_index(sqlite_ctx: Clearance) -> None:
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters))

    engine = sqlite_ctx.db.read_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with sqlite_ctx.db.reader() as session:
            records_revision(session, before=10)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    [(statement, parameters)] = [s for s in statements if "max" in s[0].lower()]
    with sqlite_ctx.db.reader() as session:
        plan = " ".join(str(row[-1]) for row in
                        session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    assert "ix_log_entries_fingerprint_events" in plan, plan
