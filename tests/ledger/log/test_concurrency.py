"""Concurrent writers in separate processes never fork the log."""

from __future__ import annotations

import multiprocessing as mp

from ledger.context import Clearance
from ledger.log import audit, store
from ledger.records.kinds import KINDS
from ledger.records.service import create_event
from ledger.settings import Settings

WRITERS, EVENTS_EACH = 4, 500


def _writer(home: str, url: str, worker: int, start: mp.Event) -> None:  # type: ignore[valid-type]
    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": home, "CLEARANCE_DATABASE_URL": url}))
    start.wait()  # type: ignore[attr-defined]
    kind = KINDS["party"]
    for i in range(EVENTS_EACH):
        with ctx.db.transaction() as session:
            ctx.record(session, [create_event(session, kind, {"kind": "organisation",
                                                              "name": f"writer {worker} #{i}"}, f"w{worker}")])
    ctx.db.dispose()


def test_four_processes_append_500_events_each(ctx: Clearance) -> None:
    spawn = mp.get_context("spawn")
    start = spawn.Event()
    procs = [spawn.Process(target=_writer, args=(str(ctx.settings.home), ctx.settings.resolved_database_url, w, start))
             for w in range(WRITERS)]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(timeout=600)
        assert proc.exitcode == 0
    with ctx.db.reader() as session:
        assert store.tree_size(session) == 1 + WRITERS * EVENTS_EACH
    report = audit.verify(ctx)
    assert report.ok, report.findings[:5]
    assert report.rows_compared == WRITERS * EVENTS_EACH
