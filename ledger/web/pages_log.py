"""The log page (checkpoint, size, the last full verification and a button that runs one) and the datasets page."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import col, select

from ledger.api.deps import LEGAL, LOG_READERS, READERS, get_ctx
from ledger.audit import replay, verifications
from ledger.checks.training import audit_training
from ledger.context import Clearance
from ledger.errors import NotFound
from ledger.log import store
from ledger.log.note import open_checkpoint
from ledger.records import models as m
from ledger.reports.audit_service import audits_dir, report_paths, stored_report
from ledger.reports.models import DatasetAudit
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
    with ctx.db.reader() as db:
        models = [{"id": i, "name": n} for i, n in db.exec(select(m.AiModel.id, m.AiModel.name)
                                                          .order_by(col(m.AiModel.log_index).desc()).limit(200)).all()]
    return render(request, "datasets.html", {"versions": listed, "chosen": chosen, "report": report,
                                             "territory": territory, "audits": logged_audits(ctx, chosen),
                                             "models": models})


def logged_audits(ctx: Clearance, version: str | None, limit: int = 50) -> list[dict[str, Any]]:
    """The audits logged for ``version``, newest first, with whether their report is stored here."""
    if version is None:
        return []
    with ctx.db.reader() as db:
        rows = db.exec(select(DatasetAudit).where(DatasetAudit.dataset_version_id == version)
                       .order_by(col(DatasetAudit.log_index).desc()).limit(limit)).all()
    out = []
    for row in rows:
        html, _ = report_paths(audits_dir(ctx) / row.id, row.id)
        out.append({"id": row.id, "log_index": row.log_index, "recorded_at": row.recorded_at, "by": row.actor,
                    "model": row.model_id, "territories": ", ".join(row.territories), "use_date": row.use_date,
                    "knowledge": (f"log size {row.knowledge_size}" if row.knowledge_size is not None
                                  else f"all, to log size {row.checkpoint_size}"),
                    "totals": row.totals, "stored": html.is_file()})
    return out


@router.post("/datasets/audit")
async def run_logged_audit(request: Request, ctx: Clearance = Depends(get_ctx),
                           session: WebSession = Depends(form(*READERS))) -> Response:
    """Run ``clearance audit`` for the chosen version (logged as ``audit.recorded``) and show its report."""
    from starlette.concurrency import run_in_threadpool

    from ledger.reports.audit_service import AuditOptions, audit_dataset
    from ledger.web.forms import audit_form

    posted = audit_form(await request.form())
    result = await run_in_threadpool(audit_dataset, ctx, posted.version, posted.model, [posted.territory],
                                     session.caller.actor, None, None,
                                     AuditOptions(use_date=posted.as_of, project=posted.project))
    return RedirectResponse(f"/ui/audits/{result.audit_id}/report.html", status_code=303)


@router.get("/audits/{audit_id}/report.{suffix}")
def audit_report(audit_id: str, suffix: str, ctx: Clearance = Depends(get_ctx),
                 _: WebSession = Depends(page(*READERS))) -> Response:
    """A logged audit's HTML report or CSV, for a signed-in reader (the roles of GET /v1/audits/.../report)."""
    if suffix not in ("html", "csv"):
        raise NotFound("an audit has report.html and report.csv")
    path = stored_report(ctx, audit_id, suffix)
    media = "text/html; charset=utf-8" if suffix == "html" else "text/csv; charset=utf-8"
    return FileResponse(path, media_type=media, filename=path.name if suffix == "csv" else None,
                        content_disposition_type="attachment" if suffix == "csv" else "inline", headers=REPORT_HEADERS)


#: A stored report is self-contained: its own inline styles and SVG, no script, nothing fetched, never framed.
REPORT_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; "
                                            "frame-ancestors 'none'; base-uri 'none'",
                  "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}
