"""Concurrent writers, in separate processes or threads of one process, never fork the log."""

from __future__ import annotations

import multiprocessing as mp
import threading

import pytest

from ledger.context import Clearance
from ledger.audit import replay
from ledger.log import store
from ledger.log.events import Event
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
    report = replay.verify(ctx)
    assert report.ok, report.findings[:5]
    assert report.rows_compared == WRITERS * EVENTS_EACH


def test_eight_threads_append_200_events_each(ctx: Clearance) -> None:
    """SQLite lends its one write connection to one thread at a time; PostgreSQL pools them."""
    threads_n, each = 8, 200
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(each):
                with ctx.db.transaction() as session:
                    store.append(session, [Event("log.initialized", {"worker": worker, "i": i})])
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    with ctx.db.reader() as session:
        assert store.tree_size(session) == 1 + threads_n * each
    assert replay.verify(ctx, replay=False).ok


def test_a_write_transaction_inside_another_fails_at_once_on_sqlite(sqlite_ctx: Clearance) -> None:
    """Instead of waiting on its own database lock until the busy timeout."""
    with sqlite_ctx.db.transaction() as outer:
        store.append(outer, [Event("log.initialized", {"outer": True})])
        with pytest.raises(RuntimeError, match="inside another"):
            with sqlite_ctx.db.transaction():
                pass
    with sqlite_ctx.db.reader() as session:
        assert store.tree_size(session) == 2  # the outer transaction still committed
