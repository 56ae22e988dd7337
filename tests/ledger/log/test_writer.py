"""Receipts: each proves its entry in a signed checkpoint, and a burst of writes shares signatures."""

from __future__ import annotations

import threading

import pytest

from ledger.audit import replay
from ledger.context import Clearance, Receipt
from ledger.errors import NotFound
from ledger.log import merkle, sql, store
from ledger.log.events import Event
from ledger.log.note import open_checkpoint


def _append(ctx: Clearance, text: str) -> store.Appended:
    with ctx.db.transaction() as session:
        return ctx.record(session, [Event("log.initialized", {"note": text})])[0]


def _checkpoint_count(ctx: Clearance) -> int:
    with ctx.db.reader() as session:
        return int(session.connection().exec_driver_sql("SELECT count(*) FROM log_checkpoints").scalar_one())


def _assert_proves(ctx: Clearance, receipt: Receipt) -> None:
    """The receipt's checkpoint is signed by the log and its proof leads from the leaf to that root."""
    checkpoint = open_checkpoint(receipt.checkpoint, ctx.log_key.verifier)
    assert checkpoint.size == receipt.tree_size > receipt.index
    merkle.verify_inclusion(receipt.index, receipt.tree_size, receipt.leaf_hash, receipt.inclusion_proof,
                            checkpoint.root)


def test_a_receipt_signs_the_head_when_no_checkpoint_covers_its_entry(ctx: Clearance) -> None:
    appended = _append(ctx, "first")
    before = _checkpoint_count(ctx)
    receipt = ctx.receipt(appended)
    assert _checkpoint_count(ctx) == before + 1
    assert receipt.tree_size == appended.index + 1
    _assert_proves(ctx, receipt)


def test_a_receipt_reuses_the_latest_checkpoint_when_it_covers_the_entry(ctx: Clearance) -> None:
    earlier = [_append(ctx, f"entry {i}") for i in range(3)]
    note = ctx.checkpoint()  # covers all three
    _append(ctx, "written since")  # the head moved on: a receipt that signed the head would sign again
    signed = _checkpoint_count(ctx)
    receipts = [ctx.receipt(appended) for appended in earlier]
    assert _checkpoint_count(ctx) == signed, "a covered entry got a signature of its own"
    for receipt in receipts:
        assert receipt.checkpoint == note
        _assert_proves(ctx, receipt)


def test_an_entry_after_the_latest_checkpoint_gets_a_new_one_that_covers_both(ctx: Clearance) -> None:
    first = ctx.receipt(_append(ctx, "before"))
    second = ctx.receipt(_append(ctx, "after"))
    assert second.tree_size > first.tree_size
    _assert_proves(ctx, first)
    _assert_proves(ctx, second)
    assert replay.verify(ctx, replay=False).ok  # consecutive checkpoints are consistent


def test_receipts_written_by_many_threads_at_once_all_prove_their_entries(ctx: Clearance) -> None:
    threads_n, each = 8, 12
    receipts: list[Receipt] = []
    failures: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                receipts.append(ctx.receipt(_append(ctx, f"thread {n} write {i}")))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert len(receipts) == threads_n * each
    for receipt in receipts:
        _assert_proves(ctx, receipt)
    assert replay.verify(ctx, replay=False).ok


def _sign_proving(ctx: Clearance, indexes: list[int]) -> tuple[store.StoredCheckpoint, dict[int, list[bytes]]]:
    with ctx.db.transaction() as session:
        return sql.sign_proving(store.raw(session), ctx.log_key, indexes)


def _leaf_hash(ctx: Clearance, index: int) -> bytes:
    with ctx.db.reader() as session:
        return merkle.leaf_hash(store.get_entry(session, index).leaf)


def test_entries_proved_together_share_one_signature_and_each_proof_leads_to_its_root(ctx: Clearance) -> None:
    ctx.checkpoint()
    entries = [_append(ctx, f"waiting {i}").index for i in range(5)]
    before = _checkpoint_count(ctx)
    checkpoint, proofs = _sign_proving(ctx, entries)
    assert _checkpoint_count(ctx) == before + 1 and checkpoint.size == entries[-1] + 1
    for index in entries:
        merkle.verify_inclusion(index, checkpoint.size, _leaf_hash(ctx, index), proofs[index], checkpoint.root)
    again, proofs_again = _sign_proving(ctx, entries[:2])  # covered now: nothing more is signed
    assert again.note == checkpoint.note and _checkpoint_count(ctx) == before + 1
    assert proofs_again == {index: proofs[index] for index in entries[:2]}


def test_an_entry_beyond_the_log_is_not_proved(ctx: Clearance) -> None:
    size = _append(ctx, "last").index + 1
    with pytest.raises(NotFound, match=f"not in a tree of size {size}"):
        _sign_proving(ctx, [size - 1, size + 5])
