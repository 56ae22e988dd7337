"""``log verify`` detects every way of rewriting history behind the log's back."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from ledger.context import Clearance
from ledger.audit import replay
from ledger.records.kinds import KINDS
from ledger.records.service import create_record


def _world(ctx: Clearance) -> list[dict]:
    studio = create_record(ctx, KINDS["party"], {"kind": "organisation", "name": "Studio"}, "t").record
    people = [create_record(ctx, KINDS["party"], {"kind": "person", "name": f"P{i}"}, "t").record for i in range(4)]
    return [studio, *people]


def _sql(ctx: Clearance, statement: str, **params: object) -> None:
    with ctx.db.write_engine.connect() as conn:
        conn.execute(sa.text(statement), params)
        conn.commit()


def _rewrite_entry(ctx: Clearance, index: int, column: str, change: Callable[[bytes], bytes]) -> bytes:
    """Rewrite one stored column of entry ``index`` behind the log's back; return what it held."""
    with ctx.db.reader() as s:
        before = bytes(s.connection().execute(sa.text(f"SELECT {column} FROM log_entries WHERE idx = :i"),
                                              {"i": index}).scalar_one())
    _sql(ctx, f"UPDATE log_entries SET {column} = :v WHERE idx = :i", v=change(before), i=index)
    return before


def _forge_actor(leaf: bytes) -> bytes:
    return leaf.replace(b'"actor":"t"', b'"actor":"x"')


def _wheres(ctx: Clearance) -> list[str]:
    report = replay.verify(ctx)
    assert not report.ok
    return [f.where for f in report.findings]


def test_untouched_log_verifies(ctx: Clearance) -> None:
    _world(ctx)
    report = replay.verify(ctx)
    assert report.ok, report.findings
    assert report.size == 6 and report.rows_compared == 5


def test_edited_entry_is_named(ctx: Clearance) -> None:
    _world(ctx)
    _rewrite_entry(ctx, 3, "leaf", _forge_actor)
    assert "entry 3" in _wheres(ctx)


def test_edited_payload_is_named(ctx: Clearance) -> None:
    _world(ctx)
    _rewrite_entry(ctx, 2, "payload", lambda payload: payload.replace(b"P0", b"Q0"))
    assert "entry 2" in _wheres(ctx)


def test_edited_leaf_is_named_once(ctx: Clearance) -> None:
    _world(ctx)
    _rewrite_entry(ctx, 1, "leaf", _forge_actor)
    report = replay.verify(ctx)
    entry_findings = [str(f) for f in report.findings if f.where.startswith("entry")]
    assert entry_findings == ["entry 1: leaf bytes differ from the hash recorded when it was appended"]


def test_edited_tree_node_is_named(ctx: Clearance) -> None:
    """A node proofs are served from (the subtree over entries 0..3, kept by entry 3) is forged."""
    _world(ctx)
    hashes = _rewrite_entry(ctx, 3, "hashes", lambda stored: stored[:64] + bytes(32))
    assert len(hashes) == 3 * 32  # the leaf, then the subtrees over 2..3 and over 0..3
    report = replay.verify(ctx)
    assert "entry 3: the tree nodes stored with it differ from those recomputed from the stored leaf hashes" \
        in [str(f) for f in report.findings]


def test_deleted_entry_is_named(ctx: Clearance) -> None:
    _world(ctx)
    _sql(ctx, "DELETE FROM log_entries WHERE idx = 4")
    assert "entry 4" in _wheres(ctx)


def test_reordered_entries_are_named(ctx: Clearance) -> None:
    _world(ctx)
    _sql(ctx, "UPDATE log_entries SET idx = -1 WHERE idx = 2")
    _sql(ctx, "UPDATE log_entries SET idx = 2 WHERE idx = 3")
    _sql(ctx, "UPDATE log_entries SET idx = 3 WHERE idx = -1")
    wheres = _wheres(ctx)
    assert "entry 2" in wheres and "entry 3" in wheres


def test_edited_table_row_is_named(ctx: Clearance) -> None:
    records = _world(ctx)
    _sql(ctx, "UPDATE parties SET name = 'Forged' WHERE id = :id", id=records[2]["id"])
    report = replay.verify(ctx)
    assert [str(f) for f in report.findings] == [f"table parties record {records[2]['id']}: differs from the log in name"]


def test_row_inserted_without_event_is_named(ctx: Clearance) -> None:
    _world(ctx)
    _sql(ctx, "INSERT INTO parties (id, kind, name, aliases, log_index, redacted) "
              "VALUES ('ghost', 'person', 'Ghost', '[]', 99, false)")
    assert "table parties record ghost" in _wheres(ctx)


def test_forged_checkpoint_is_named(ctx: Clearance) -> None:
    _world(ctx)
    _sql(ctx, "UPDATE log_checkpoints SET note = replace(note, '\n6\n', '\n7\n') WHERE size = 6")
    assert "checkpoint at size 6" in _wheres(ctx)
