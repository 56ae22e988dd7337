"""Browse and search records, read one with its proved history, revoke a grant after seeing its impact."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import String, cast, func, or_
from sqlmodel import col, select

from ledger.api.deps import READERS, REVOKERS, get_ctx
from ledger.checks.models import Check, Clip
from ledger.context import Clearance
from ledger.errors import NotFound
from ledger.records import service
from ledger.records.kinds import KINDS, RecordKind
from ledger.records.personal_data import shown_to
from ledger.db import table_of
from ledger.web.auth import form, page
from ledger.audit.history import history
from ledger.web.sessions import WebSession
from ledger.web.templating import render

router = APIRouter()
BY_PLURAL: dict[str, RecordKind[Any, Any]] = {kind.plural: kind for kind in KINDS.values()}
PAGE_SIZE = 50


def _kind(plural: str) -> RecordKind[Any, Any]:
    kind = BY_PLURAL.get(plural)
    if kind is None:
        raise NotFound(f"no kind of record called {plural[:60]!r}; one of {', '.join(BY_PLURAL)} or clips")
    return kind


def _label(record: dict[str, Any]) -> str:
    return str(record.get("name") or record.get("title") or record.get("contract_ref") or record.get("label") or "")


def _search(ctx: Clearance, kind: RecordKind[Any, Any], q: str, offset: int) -> tuple[int, list[dict[str, Any]]]:
    table = table_of(kind.table)
    query = select(kind.table)
    if q:
        needle = f"%{q.lower()}%"
        searched = [c for c in table.columns if c.name in ("id", "name", "title", "contract_ref", "reason")]
        query = query.where(or_(*(func.lower(cast(c, String)).like(needle) for c in searched)))
    with ctx.db.reader() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(table.c.log_index).offset(offset).limit(PAGE_SIZE)).all()
        return int(total), [service.record_dict(kind, row) for row in rows]


def _clips(ctx: Clearance, q: str, offset: int) -> tuple[int, list[dict[str, Any]]]:
    query = select(Clip, Check).join(Check, col(Check.clip_id) == col(Clip.id), isouter=True)
    if q:
        needle = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Clip.id).like(needle), func.lower(Clip.filename).like(needle),
                                func.lower(Clip.project).like(needle), func.lower(Clip.prompt).like(needle)))
    with ctx.db.reader() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(col(Clip.log_index).desc()).offset(offset).limit(PAGE_SIZE)).all()
        return int(total), [{"id": clip.id, "label": clip.filename, "project": clip.project,
                             "check_id": check.id if check else None,
                             "verdict": check.verdict if check else None,
                             "review_state": check.review_state if check else None} for clip, check in rows]


@router.get("/records")
def browse(request: Request, kind: str = Query("parties", max_length=40), q: str = Query("", max_length=200),
           offset: int = Query(0, ge=0), ctx: Clearance = Depends(get_ctx),
           _: WebSession = Depends(page(*READERS))) -> Response:
    if kind == "clips":
        total, items = _clips(ctx, q.strip(), offset)
    else:
        total, records = _search(ctx, _kind(kind), q.strip(), offset)
        items = [{"id": r["id"], "label": _label(r), "revoked": bool(r.get("revoked_at"))} for r in records]
    kinds = [(k.plural, k.summary) for k in KINDS.values()] + [("clips", "Generated clips and their checks")]
    return render(request, "records.html", {"kinds": kinds, "kind": kind, "q": q, "items": items, "total": total,
                                            "offset": offset, "page_size": PAGE_SIZE})


@router.get("/records/{plural}/{record_id}")
def record_page(plural: str, record_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
                session: WebSession = Depends(page(*READERS))) -> Response:
    kind = _kind(plural)
    record = shown_to(session.caller.role, kind.name, service.get_record(ctx, kind, record_id))
    log = history(ctx, [(kind.name, record["id"])], session.caller.role)
    may_revoke = kind.revocable and session.caller.role in REVOKERS and not record.get("revoked_at")
    return render(request, "record.html", {"kind": kind, "record": record, "label": _label(record),
                                           "history": log, "may_revoke": may_revoke})


def _impact(ctx: Clearance, kind: RecordKind[Any, Any], record_id: str) -> dict[str, list[str]]:
    with ctx.db.reader() as db:
        service.get_row(db, kind, record_id)
        affected = service.dependents(db, kind, record_id)
        affected["released_clips"] = service.released_clips(db, kind, record_id)
    return affected


@router.get("/records/{plural}/{record_id}/revoke")
def revoke_preview(plural: str, record_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
                   session: WebSession = Depends(page(*REVOKERS))) -> Response:
    """What revoking would touch, shown before the revocation can be confirmed."""
    kind = _kind(plural)
    if not kind.revocable:
        raise NotFound(f"{kind.plural} cannot be revoked")
    record = shown_to(session.caller.role, kind.name, service.get_record(ctx, kind, record_id))
    return render(request, "revoke.html", {"kind": kind, "record": record, "label": _label(record),
                                           "impact": _impact(ctx, kind, record_id), "done": None})


@router.post("/records/{plural}/{record_id}/revoke")
def revoke(plural: str, record_id: str, request: Request, reason: str = Form(default=""),
           ctx: Clearance = Depends(get_ctx), session: WebSession = Depends(form(*REVOKERS))) -> Response:
    kind = _kind(plural)
    written, affected = service.revoke(ctx, kind, record_id, reason, session.caller.actor)
    record = shown_to(session.caller.role, kind.name, written.record)
    return render(request, "revoke.html", {"kind": kind, "record": record, "label": _label(record),
                                           "impact": affected, "done": written.receipt.as_json()})
