"""Read-side helpers shared by the CLI and the API: entries as JSON, proofs, proof files."""

from __future__ import annotations

import base64
import json
from typing import Any

from ledger.context import Clearance
from ledger.errors import NotFound
from ledger.log import merkle, store
from ledger.log.events import Envelope
from ledger.log.note import Checkpoint
from ledger.log.proof_file import ProofFile
from ledger.log.tables import LogEntry


def entry_json(entry: LogEntry) -> dict[str, Any]:
    return {
        "index": entry.idx,
        "leaf": base64.b64encode(entry.leaf).decode(),
        "leaf_hash": base64.b64encode(merkle.leaf_hash(entry.leaf)).decode(),
        "envelope": json.loads(entry.leaf),
        "payload": json.loads(entry.payload) if entry.payload is not None else None,
        "redacted": entry.payload is None,
    }


def entries(ctx: Clearance, start: int, limit: int) -> list[dict[str, Any]]:
    with ctx.db.reader() as session:
        return [entry_json(e) for e in store.iter_entries(session, start, start + limit, batch=limit)]


def entries_page(ctx: Clearance, start: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit`` entries from ``start``, and the tree size (the list's total), read together."""
    with ctx.db.reader() as session:
        size = store.tree_size(session)
        if start >= size:
            return [], size
        return [entry_json(e) for e in store.iter_entries(session, start, min(start + limit, size), batch=limit)], size


def leaf(ctx: Clearance, index: int) -> bytes:
    with ctx.db.reader() as session:
        return store.get_entry(session, index).leaf


def inclusion(ctx: Clearance, index: int, size: int | None = None) -> dict[str, Any]:
    """Inclusion proof of entry ``index``; against the latest signed checkpoint unless ``size`` is given."""
    note = ctx.checkpoint() if size is None else None
    with ctx.db.reader() as session:
        entry = store.get_entry(session, index)
        if size is None:
            checkpoint = store.latest_checkpoint(session)
            assert checkpoint is not None
            size = checkpoint.size
        proof = store.inclusion_proof(session, index, size)
        root = store.root_at(session, size)
    return {"index": index, "tree_size": size, "leaf_hash": store.b64([merkle.leaf_hash(entry.leaf)])[0],
            "root": store.b64([root])[0], "proof": store.b64(proof), "checkpoint": note}


def consistency(ctx: Clearance, first: int, second: int) -> dict[str, Any]:
    with ctx.db.reader() as session:
        proof = store.consistency_proof(session, first, second)
        return {"first": first, "second": second, "first_root": store.b64([store.root_at(session, first)])[0],
                "second_root": store.b64([store.root_at(session, second)])[0], "proof": store.b64(proof)}


def tlog_proof(ctx: Clearance, index: int) -> str:
    """A ``c2sp.org/tlog-proof@v1`` file for entry ``index`` against the latest checkpoint."""
    note = ctx.checkpoint()
    size = Checkpoint.parse(note.partition("\n\n")[0] + "\n").size
    with ctx.db.reader() as session:
        store.get_entry(session, index)
        if index >= size:
            raise NotFound(f"entry {index} is not yet covered by a checkpoint")
        proof = store.inclusion_proof(session, index, size)
    from ledger.witness import records
    from ledger.witness.cosigning import cosigned_note

    with ctx.log_reader() as log:  # the witnesses' cosignatures of that checkpoint, as far as they came
        note = cosigned_note(note, records.cosignatures(log, size))
    return ProofFile(index, proof, note).render()


def envelope_of(ctx: Clearance, index: int) -> Envelope:
    return Envelope.parse(leaf(ctx, index))
