"""Appends, proofs and checkpoints against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import update

from ledger.context import Clearance
from ledger.audit import replay, views
from ledger.errors import ConfigurationError, IntegrityError, NotFound
from ledger.log import merkle, sql, store
from ledger.log.events import Envelope, Event
from ledger.log.note import Verifier, open_checkpoint
from ledger.log.proof_file import ProofFile
from ledger.log.tables import LogEntry


def _append_notes(ctx: Clearance, count: int, batch: int = 1) -> None:
    for start in range(0, count, batch):
        with ctx.db.transaction() as session:
            store.append(session, [Event("log.initialized", {"n": i}) for i in range(start, min(count, start + batch))])


def test_leaves_are_canonical_envelopes_committing_to_their_payload(ctx: Clearance) -> None:
    _append_notes(ctx, 3)
    leaf = views.leaf(ctx, 2)
    envelope = Envelope.parse(leaf)
    assert envelope.index == 2 and envelope.type == "log.initialized"
    entry = views.entries(ctx, 2, 1)[0]
    assert entry["payload"] == {"n": 1}
    assert base64.b64decode(entry["leaf_hash"]) == merkle.leaf_hash(leaf)


def test_every_entry_proves_against_signed_checkpoint(ctx: Clearance) -> None:
    _append_notes(ctx, 37, batch=5)
    note = ctx.checkpoint()
    verifier = Verifier.from_vkey(ctx.log_key.vkey)
    checkpoint = open_checkpoint(note, verifier)
    assert checkpoint.size == 38
    for index in range(checkpoint.size):
        proof_file = ProofFile.parse(views.tlog_proof(ctx, index))
        assert proof_file.verify(views.leaf(ctx, index), verifier) == checkpoint
    with pytest.raises(merkle.ProofError):
        ProofFile.parse(views.tlog_proof(ctx, 5)).verify(views.leaf(ctx, 6), verifier)


def test_many_inclusion_proofs_in_one_read_are_the_single_proofs(ctx: Clearance) -> None:
    _append_notes(ctx, 45, batch=7)
    with ctx.db.reader() as session:
        wanted = [0, 3, 17, 31, 32, 44, 45]
        batch = store.inclusion_proofs(session, wanted, 46)
        assert batch == {i: store.inclusion_proof(session, i, 46) for i in wanted}
        assert store.inclusion_proofs(session, [], 46) == {}
        with pytest.raises(NotFound):
            store.inclusion_proofs(session, [46], 46)


def test_consistency_between_checkpoints(ctx: Clearance) -> None:
    _append_notes(ctx, 10)
    first = open_checkpoint(ctx.checkpoint(), ctx.log_key.verifier)
    _append_notes(ctx, 23, batch=7)
    second = open_checkpoint(ctx.checkpoint(), ctx.log_key.verifier)
    proof = views.consistency(ctx, first.size, second.size)["proof"]
    merkle.verify_consistency(first.size, second.size, first.root, second.root, [base64.b64decode(p) for p in proof])


def test_no_new_checkpoint_without_new_entries(ctx: Clearance) -> None:
    assert ctx.checkpoint() == ctx.checkpoint()


def test_refuses_to_sign_an_inconsistent_tree(ctx: Clearance) -> None:
    _append_notes(ctx, 6)
    ctx.checkpoint()
    _append_notes(ctx, 3)
    entry, offset = merkle.node_home((3, 0))  # the subtree over leaves 0..7, kept by entry 7
    with ctx.db.transaction() as session:  # someone rewrites history in the node store
        hashes = bytes(session.get(LogEntry, entry).hashes)
        forged = hashes[:offset] + b"\x00" * 32 + hashes[offset + 32:]
        session.connection().execute(update(LogEntry.__table__).where(LogEntry.__table__.c.idx == entry)
                                     .values(hashes=forged))
    with pytest.raises(IntegrityError, match="refusing to sign"):
        ctx.checkpoint()


def test_a_failed_transaction_leaves_no_entry(ctx: Clearance) -> None:
    with ctx.db.reader() as session:
        before = store.tree_size(session)
    with pytest.raises(RuntimeError):
        with ctx.db.transaction() as session:
            store.append(session, [Event("log.initialized", {})])
            raise RuntimeError("crash between the append and the commit")
    with ctx.db.reader() as session:
        assert store.tree_size(session) == before
        with pytest.raises(NotFound):
            store.get_entry(session, before)


def test_a_database_in_the_old_node_layout_is_refused_with_a_reason(ctx: Clearance) -> None:
    ctx.check_ready()
    with ctx.db.write_engine.connect() as conn:  # what a development build before nodes moved to entries wrote
        conn.exec_driver_sql("ALTER TABLE log_entries DROP COLUMN hashes")
        conn.commit()
    with pytest.raises(ConfigurationError, match="separate table"):
        ctx.check_ready()


def _note(text: str) -> Event:
    return Event("log.initialized", {"note": text})


def test_writers_in_turn_each_append_on_the_real_head(ctx: Clearance) -> None:
    """Two installations on one database (two processes, in effect) interleave appends.

    On PostgreSQL each remembers the head it last wrote and tries to write on top of it;
    after the other one wrote, that attempt must write nothing and fall back to the real head.
    """
    other = Clearance(ctx.settings)
    try:
        for i in range(6):
            for writer in (ctx, other, other, ctx):
                with writer.db.transaction() as session:
                    store.append(session, [_note(f"{i}"), _note(f"{i}b")])
        with ctx.db.reader() as session:
            assert store.tree_size(session) == 1 + 6 * 4 * 2
            indexes = [Envelope.parse(entry.leaf).index for entry in store.iter_entries(session)]
        assert indexes == list(range(1 + 6 * 4 * 2))
        assert replay.verify(ctx, replay=False).ok
    finally:
        other.db.dispose()


def test_an_append_after_a_rolled_back_one_takes_its_index(ctx: Clearance) -> None:
    with ctx.db.transaction() as session:
        size = store.append(session, [_note("kept")])[0].index + 1
    with pytest.raises(RuntimeError):
        with ctx.db.transaction() as session:
            store.append(session, [_note("rolled back")])
            raise RuntimeError("the caller fails after appending")
    with ctx.db.transaction() as session:
        assert store.append(session, [_note("next")])[0].index == size
    assert replay.verify(ctx, replay=False).ok


def test_a_lone_postgres_writer_appends_without_reading_the_head(ctx: Clearance, monkeypatch) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite reads the head on every append; it costs microseconds there")
    with ctx.db.transaction() as session:
        first = store.append(session, [_note("reads the head once")])[0].index

    def no_head_reads(*_args: object) -> None:
        raise AssertionError("the head was read and locked although this process wrote it last")

    monkeypatch.setattr(sql, "read_locked_head", no_head_reads)
    for i in range(3):
        with ctx.db.transaction() as session:
            assert store.append(session, [_note(f"on the remembered head {i}")])[0].index == first + 1 + i
    monkeypatch.undo()
    assert replay.verify(ctx, replay=False).ok
