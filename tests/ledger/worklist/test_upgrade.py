"""An installation made before the review queue existed: the server refuses to start until ``clearance init``
creates the queue's tables, which it does without touching anything else."""

from __future__ import annotations

import pytest

from ledger.context import Clearance
from ledger.errors import ConfigurationError
from ledger.setup import initialise

QUEUE_TABLES = ("review_assignments", "review_notes", "review_saved_filters")


def test_init_creates_the_queue_tables_an_earlier_version_lacked(ctx: Clearance) -> None:
    with ctx.db.write_engine.begin() as conn:  # what the version before the team queue created
        for name in QUEUE_TABLES:
            conn.exec_driver_sql(f"DROP TABLE {name}")
    with pytest.raises(ConfigurationError, match="clearance init") as caught:
        ctx.check_ready()
    assert all(name in str(caught.value) for name in QUEUE_TABLES)
    result = initialise(ctx)
    assert {f"table {name}" for name in QUEUE_TABLES} <= set(result.upgraded)
    ctx.check_ready()
    assert initialise(ctx).upgraded == ()
