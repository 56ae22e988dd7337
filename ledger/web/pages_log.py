"""The log page (checkpoint, size, the last full verification and a button that runs one) and the datasets page."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select

from ledger.api.deps import LEGAL, LOG_READERS, READERS, get_ctx
from ledger.audit import replay, verifications
from ledger.checks.training import audit_training
from ledger.context import Clearance
from ledger.log import store
from ledger.log.note import open_checkpoint
from ledger.records import models as m
from ledger.web.auth import form, page
from ledger.web.sessions import WebSession
from ledger.web.templating import render
from ledger.witness import records
from ledger.witness.cosigning import cosigned_note
from ledger.witness.status import witness_report

router = APIRouter()
VERIFIERS = LEGAL  # the console's button: admin and legal (GET /v1/log/verify also admits auditors)
_verifying = threading.Lock()


def _log_page(request: Request, ctx: Clearance, session: WebSession, status: int = 200) -> Response:
    note = ctx.checkpoint()
    checkpoint = open_checkpoint(note, ctx.log_key.verifier)
    with ctx.db.reader() as db:
        size = store.tree_size(db)
        latest = store.latest_checkpoint(db)
    with ctx.log_reader() as log:  # the note as cosigned so far: witnesses answer in the background
        note = cosigned_note(note, records.cosignatures(log, checkpoint.size))
    return render(request, "log.html", {
        "note": note, "size": size, "checkpoint": checkpoint, "signed_at": latest.signed_at if latest else None,
        "vkey": ctx.log_key.vkey, "last": verifications.latest(ctx), "witnesses": witness_report(ctx),
        "may_verify": session.caller.role in VERIFIERS}, status=status)


@router.get("/log")
def log_page(request: Request, ctx: Clearance = Depends(get_ctx),
             session: WebSession = Depends(page(*LOG_READERS))) -> Response:
    return _log_page(request, ctx, session)


@router.post("/log/verify")
def run_verification(request: Request, ctx: Clearance = Depends(get_ctx),
                     session: WebSession = Depends(form(*VERIFIERS))) -> Response:
    """Recompute the tree, check every checkpoint and replay the events against the tables (one at a time)."""
    with _verifying:
        started = time.monotonic()
        report = replay.verify(ctx)
        verifications.record_verification(ctx, report, time.monotonic() - started,
                                          session.caller.name or session.caller.key_id, session.caller.actor)
    return _log_page(request, ctx, session)


@router.get("/datasets")
def datasets(request: Request, version: str | None = Query(None, max_length=100),
             territory: str = Query("US", pattern=r"^[A-Z]{2}$|^WORLD$"), ctx: Clearance = Depends(get_ctx),
             _: WebSession = Depends(page(*READERS))) -> Response:
    """Each dataset version's training audit: which assets may be used to train, and why not."""
    with ctx.db.reader() as db:
        versions = db.exec(select(m.DatasetVersion).order_by(col(m.DatasetVersion.log_index).desc()).limit(200)).all()
        names = {d.id: d.name for d in db.exec(select(m.Dataset)).all()}
        listed = [{"id": v.id, "dataset": names.get(v.dataset_id, v.dataset_id), "version": v.version,
                   "assets": len(v.asset_ids)} for v in versions]
    chosen = version or (versions[0].id if versions else None)
    report: dict[str, Any] | None = audit_training(ctx, chosen, None, [territory]) if chosen else None
    return render(request, "datasets.html", {"versions": listed, "chosen": chosen, "report": report,
                                             "territory": territory})
