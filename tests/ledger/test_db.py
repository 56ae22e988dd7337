"""Database upgrades by `clearance init` (64-bit byte sizes, external ids), the NUL backstop, the pool,
the driver reader and transactions shared by threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from ledger.context import Clearance
from ledger.db import Database
from ledger.errors import ConfigurationError, Conflict, ValidationFailed
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, get_record
from ledger.setup import initialise

THREE_GB = 3_000_000_000
ASSET = {"role": "training_asset", "title": "Long take", "media_type": "video/mp4", "sha256": "a" * 64,
         "acquisition_method": "licensed", "size_bytes": THREE_GB}


def test_byte_sizes_past_32_bits_are_stored(ctx: Clearance) -> None:
    written = create_record(ctx, KINDS["asset"], ASSET, "test")
    assert get_record(ctx, KINDS["asset"], written.record["id"])["size_bytes"] == THREE_GB


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_init_widens_an_old_32_bit_size_column_and_adds_external_id(ctx: Clearance) -> None:
    with ctx.db.write_engine.connect() as conn:  # what an earlier version created
        conn.exec_driver_sql("ALTER TABLE assets ALTER COLUMN size_bytes TYPE INTEGER")
        conn.exec_driver_sql("ALTER TABLE clips ALTER COLUMN size_bytes TYPE INTEGER")
        conn.exec_driver_sql("ALTER TABLE parties DROP COLUMN external_id")
        conn.commit()
    with pytest.raises(ConfigurationError, match="clearance init") as caught:
        ctx.check_ready()
    assert "assets.size_bytes" in str(caught.value) and "parties.external_id" in str(caught.value)
    result = initialise(ctx)
    assert {"assets.size_bytes (now 64-bit)", "clips.size_bytes (now 64-bit)", "parties.external_id",
            "index ix_parties_external_id"} <= set(result.upgraded)
    ctx.check_ready()
    written = create_record(ctx, KINDS["asset"], ASSET, "test")
    assert get_record(ctx, KINDS["asset"], written.record["id"])["size_bytes"] == THREE_GB
    create_record(ctx, KINDS["party"], {"kind": "person", "name": "A", "external_id": "HR-1"}, "test")
    with pytest.raises(Conflict, match="external_id"):
        create_record(ctx, KINDS["party"], {"kind": "person", "name": "B", "external_id": "HR-1"}, "test")


def test_no_text_with_a_nul_reaches_the_database(ctx: Clearance) -> None:
    from sqlalchemy import text

    with pytest.raises(ValidationFailed, match="NUL"):
        with ctx.db.transaction() as session:
            session.execute(text("SELECT id FROM parties WHERE id = :id"), {"id": "a\x00b"})
    with pytest.raises(ValidationFailed) as caught:
        create_record(ctx, KINDS["party"], {"kind": "person", "name": "Ana\x00"}, "test")
    assert [p.field for p in caught.value.problems] == ["name"]


def test_a_postgres_pool_keeps_the_configured_number_of_connections(ctx: Clearance) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite writes go through one connection per process")
    db = Database(ctx.settings.resolved_database_url, pool_size=7)
    try:
        pool = db.write_engine.pool
        assert pool.size() == 7  # type: ignore[attr-defined]  # QueuePool's
        connections = [db.write_engine.connect() for _ in range(10)]  # a burst beyond it is still served
        for connection in connections:
            connection.close()
        assert pool.checkedin() == 7  # type: ignore[attr-defined]  # the burst's extra ones were closed
    finally:
        db.dispose()


def test_the_driver_reader_sees_committed_rows_on_both_databases(ctx: Clearance) -> None:
    create_record(ctx, KINDS["party"], {"id": "pty_driver_reader", "kind": "organisation", "name": "Reader"}, "t")
    with ctx.db.driver_reader() as (driver, dialect):
        cursor = driver.cursor()
        cursor.execute("SELECT name FROM parties WHERE id = " + ("?" if dialect == "sqlite" else "%s"),
                       ("pty_driver_reader",))
        assert cursor.fetchone() == ("Reader",)


def test_the_driver_reader_leaves_pooled_postgres_connections_as_the_pool_expects(ctx: Clearance) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite's driver reads run outside a transaction already")
    with ctx.db.driver_reader() as (driver, _):
        assert driver.autocommit  # one round trip per statement: no BEGIN, no ROLLBACK
        driver.cursor().execute("SELECT 1")
        assert driver.info.transaction_status.name == "IDLE"
    with ctx.db.read_engine.connect() as conn:  # the same pooled connection, back in SQLAlchemy's hands
        assert not conn.connection.driver_connection.autocommit  # type: ignore[union-attr]
        conn.exec_driver_sql("SELECT 1")
        assert conn.in_transaction()


# ---------------------------------------------------------------- transactions shared by threads

def _party(record_id: str) -> dict[str, str]:
    return {"id": record_id, "kind": "organisation", "name": record_id}


def _behind_a_held_front(ctx: Clearance, units: list[Callable[[], object]]) -> list[object]:
    """Run ``units`` (each in a thread) while another thread holds the front of the shared-transaction
    line, so that they wait and are served together; each one's answer or error, in order."""
    release, holding = threading.Event(), threading.Event()

    def hold(session: Session) -> None:
        holding.set()
        release.wait(10)

    front = threading.Thread(target=ctx.db.shared_transaction, args=(hold,))
    front.start()
    assert holding.wait(10)
    outcomes: list[object] = [None] * len(units)

    def run(n: int) -> None:
        try:
            outcomes[n] = units[n]()
        except Exception as exc:  # noqa: BLE001  (compared by the test)
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(units))]
    for thread in threads:
        thread.start()
    while len(ctx.db._shared._waiting) < len(units):  # noqa: SLF001  (all of them in line)
        time.sleep(0.01)
    release.set()
    for thread in [front, *threads]:
        thread.join(30)
    return outcomes


def test_writes_handed_in_together_commit_in_one_transaction(ctx: Clearance) -> None:
    sessions: list[int] = []

    def unit(n: int) -> Callable[[], object]:
        def write(session: Session) -> str:
            sessions.append(id(session))
            return create_record_in(session, n)
        return lambda: ctx.db.shared_transaction(write)

    def create_record_in(session: Session, n: int) -> str:
        session.execute(text("INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES "
                             "(:size, :root, 'note', CURRENT_TIMESTAMP)"), {"size": 1000 + n, "root": b"r"})
        return f"wrote {n}"

    outcomes = _behind_a_held_front(ctx, [unit(n) for n in range(5)])
    assert outcomes == [f"wrote {n}" for n in range(5)]
    assert len(set(sessions)) == 1, "the five waiting writes did not share one transaction"
    with ctx.db.reader() as session:
        assert session.execute(text("SELECT count(*) FROM log_checkpoints WHERE size >= 1000")).scalar_one() == 5


def test_a_failing_write_in_a_shared_transaction_costs_the_others_nothing(ctx: Clearance) -> None:
    """One write refused by validation, one by the database, one duplicating a write of the same batch:
    each gets the error it would have had alone, and every other write is kept, once."""
    create_record(ctx, KINDS["party"], _party("pty_taken"), "test")
    party = KINDS["party"]
    outcomes = _behind_a_held_front(ctx, [
        lambda: create_record(ctx, party, _party("pty_first"), "test").record["id"],
        lambda: create_record(ctx, party, {"kind": "organisation"}, "test"),  # no name: refused by validation
        lambda: ctx.db.shared_transaction(lambda session: session.execute(  # refused by the database
            text("INSERT INTO parties (id) VALUES ('pty_taken')"))),
        lambda: create_record(ctx, party, _party("pty_second"), "test").record["id"],
        lambda: create_record(ctx, party, _party("pty_first"), "test"),  # the first write's id again
    ])
    assert outcomes[0] == "pty_first" and outcomes[3] == "pty_second"
    assert isinstance(outcomes[1], ValidationFailed)
    assert isinstance(outcomes[2], DBAPIError)
    assert isinstance(outcomes[4], Conflict)
    with ctx.db.reader() as session:
        created = session.execute(text("SELECT subject_id FROM log_entries WHERE event_type = 'record.created'"))
        assert sorted(row[0] for row in created) == ["pty_first", "pty_second", "pty_taken"]
    assert get_record(ctx, party, "pty_first")["name"] == "pty_first"


def test_a_shared_transaction_inside_a_write_transaction_is_refused_not_a_hang(ctx: Clearance) -> None:
    with ctx.db.transaction():
        with pytest.raises(RuntimeError, match="inside a write transaction"):
            ctx.db.shared_transaction(lambda session: None)
    assert ctx.db.shared_transaction(lambda session: "after") == "after"
