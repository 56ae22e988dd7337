"""Making a current database look like one an earlier version created, for the ``clearance init`` upgrade tests."""

from __future__ import annotations

from ledger.context import Clearance


def drop_columns(ctx: Clearance, columns: dict[str, list[str]]) -> None:
    """Drop ``columns`` (table -> column names), as a database from before they existed lacks them."""
    with ctx.db.write_engine.connect() as conn:
        for table, names in columns.items():
            for name in names:
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {name}")
        conn.commit()
