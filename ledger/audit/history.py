"""A record's history from the log, each entry proved included in the signed checkpoint while the page is made."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select

from ledger.audit.views import entry_json
from ledger.context import Clearance
from ledger.log import merkle, store
from ledger.log.note import NoteError, open_checkpoint
from ledger.log.tables import LogEntry
from ledger.records.enums import Role
from ledger.records.log_access import disclose


def history(ctx: Clearance, subjects: list[tuple[str, str]], role: Role, limit: int = 200) -> dict[str, Any]:
    """Entries about any of ``subjects`` ((kind, id) pairs), oldest first, as ``role`` may read them.

    Each entry carries ``proved``: its inclusion proof against the latest checkpoint was
    checked here, with the checkpoint's signature checked against the log key first.
    """
    note = ctx.checkpoint()
    try:
        checkpoint = open_checkpoint(note, ctx.log_key.verifier)
    except NoteError as error:
        return {"checkpoint": None, "problem": f"the latest checkpoint does not verify: {error}", "entries": []}
    wanted = or_(*(and_(col(LogEntry.subject_kind) == kind, col(LogEntry.subject_id) == record_id)
                   for kind, record_id in subjects))
    found = []
    with ctx.db.reader() as session:
        rows = session.exec(select(LogEntry).where(wanted).order_by(col(LogEntry.idx)).limit(limit)).all()
        for row in rows:
            item = disclose(entry_json(row), role)
            if row.idx < checkpoint.size:
                proof = store.inclusion_proof(session, row.idx, checkpoint.size)
                try:
                    merkle.verify_inclusion(row.idx, checkpoint.size, merkle.leaf_hash(row.leaf), proof,
                                            checkpoint.root)
                    item["proved"], item["proof_hashes"] = True, len(proof)
                except merkle.ProofError as error:
                    item["proved"], item["proof_problem"] = False, str(error)
            else:
                item["proved"], item["proof_problem"] = False, "not yet covered by a checkpoint"
            found.append(item)
    return {"checkpoint": {"size": checkpoint.size, "origin": checkpoint.origin}, "problem": None,
            "entries": found}
