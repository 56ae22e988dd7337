"""Database upgrades by `clearance init` (64-bit byte sizes, external ids) and the NUL backstop."""

from __future__ import annotations

import pytest

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
