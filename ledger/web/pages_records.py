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


def _search(ctx: Clearance, kind: RecordKind[Any, Any], q: str, offset: int,
            limit: int = PAGE_SIZE) -> tuple[int, list[dict[str, Any]]]:
    table = table_of(kind.table)
    query = select(kind.table)
    if q:
        needle = f"%{q.lower()}%"
        searched = [c for c in table.columns if c.name in ("id", "name", "title", "contract_ref", "reason")]
        query = query.where(or_(*(func.lower(cast(c, String)).like(needle) for c in searched)))
    with ctx.db.reader() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(table.c.log_index).offset(offset).limit(limit)).all()
        return int(total), [service.record_dict(kind, row) for row in rows]


def _clips(ctx: Clearance, q: str, offset: int, limit: int = PAGE_SIZE) -> tuple[int, list[dict[str, Any]]]:
    query = select(Clip, Check).join(Check, col(Check.clip_id) == col(Clip.id), isouter=True)
    if q:
        needle = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Clip.id).like(needle), func.lower(Clip.filename).like(needle),
                                func.lower(Clip.project).like(needle), func.lower(Clip.prompt).like(needle)))
    with ctx.db.reader() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(col(Clip.log_index).desc()).offset(offset).limit(limit)).all()
        return int(total), [{"id": clip.id, "label": clip.filename, "project": clip.project,
                             "check_id": check.id if check else None,
                             "verdict": check.verdict if check else None,
                             "review_state": check.review_state if check else None} for clip, check in rows]


ALL = "all"
PER_KIND = 10
"""How many matches of each kind a search of every kind lists (a link leads to the rest)."""


def _everywhere(ctx: Clearance, q: str) -> tuple[int, list[dict[str, Any]], dict[str, int]]:
    """A search of every kind of record and the clips: up to PER_KIND of each, and each kind's count."""
    items: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for kind in KINDS.values():
        total, records = _search(ctx, kind, q, 0, PER_KIND)
        counts[kind.plural] = total
        items += [{"kind": kind.plural, "kind_label": kind.name.replace("_", " "), "id": r["id"], "label": _label(r),
                   "revoked": bool(r.get("revoked_at"))} for r in records]
    total, clips = _clips(ctx, q, 0, PER_KIND)
    counts["clips"] = total
    items += [{**c, "kind": "clips", "kind_label": "clip"} for c in clips]
    return sum(counts.values()), items, counts


@router.get("/records")
def browse(request: Request, kind: str = Query(ALL, max_length=40), q: str = Query("", max_length=200),
           offset: int = Query(0, ge=0), ctx: Clearance = Depends(get_ctx),
           _: WebSession = Depends(page(*READERS))) -> Response:
    """Search by id, name or title: every kind at once unless one kind is chosen."""
    counts: dict[str, int] = {}
    if kind == ALL:
        total, items, counts = _everywhere(ctx, q.strip())
    elif kind == "clips":
        total, items = _clips(ctx, q.strip(), offset)
    else:
        total, records = _search(ctx, _kind(kind), q.strip(), offset)
        items = [{"id": r["id"], "label": _label(r), "revoked": bool(r.get("revoked_at"))} for r in records]
    kinds = ([(ALL, "Every kind of record")] + [(k.plural, k.summary) for k in KINDS.values()]
             + [("clips", "Generated clips and their checks")])
    return render(request, "records.html", {"kinds": kinds, "kind": kind, "q": q, "items": items, "total": total,
                                            "offset": offset, "page_size": PAGE_SIZE, "counts": counts,
                                            "per_kind": PER_KIND})


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


def named_impact(ctx: Clearance, impact: dict[str, list[str]]) -> dict[str, list[dict[str, str]]]:
    """The impact's ids with what a person knows them by: works by title, versions and models by name,
    clips by file name and project (each with the page that shows it)."""
    from ledger.records import models as m

    def rows(table: Any, ids: list[str]) -> dict[str, Any]:
        if not ids:
            return {}
        return {row.id: row for row in db.exec(select(table).where(col(table.id).in_(ids))).all()}

    with ctx.db.reader() as db:
        assets = rows(m.Asset, impact.get("assets", []))
        versions = rows(m.DatasetVersion, impact.get("dataset_versions", []))
        datasets = rows(m.Dataset, sorted({v.dataset_id for v in versions.values()}))
        models = rows(m.AiModel, impact.get("models", []))
        clips = rows(Clip, impact.get("released_clips", []))
        checks = {c.clip_id: c.id for c in db.exec(select(Check).where(col(Check.clip_id).in_(list(clips)))).all()
                  if c.releasable} if clips else {}

    def named(ids: list[str], label: Any, href: Any) -> list[dict[str, str]]:
        return [{"id": i, "label": label(i), "href": href(i)} for i in ids]

    def version_label(i: str) -> str:
        v = versions.get(i)
        return f"{datasets[v.dataset_id].name if v.dataset_id in datasets else v.dataset_id} {v.version}" if v else i

    return {
        "assets": named(impact.get("assets", []), lambda i: assets[i].title if i in assets else i,
                        lambda i: f"/ui/records/assets/{i}"),
        "dataset_versions": named(impact.get("dataset_versions", []), version_label,
                                  lambda i: f"/ui/records/dataset-versions/{i}"),
        "models": named(impact.get("models", []),
                        lambda i: f"{models[i].name} {models[i].version}" if i in models else i,
                        lambda i: f"/ui/records/models/{i}"),
        "released_clips": named(impact.get("released_clips", []),
                                lambda i: f"{clips[i].filename} ({clips[i].project})" if i in clips else i,
                                lambda i: f"/ui/checks/{checks[i]}" if i in checks else ""),
    }


@router.get("/records/{plural}/{record_id}/revoke")
def revoke_preview(plural: str, record_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
                   session: WebSession = Depends(page(*REVOKERS))) -> Response:
    """What revoking would touch, shown before the revocation can be confirmed."""
    kind = _kind(plural)
    if not kind.revocable:
        raise NotFound(f"{kind.plural} cannot be revoked")
    record = shown_to(session.caller.role, kind.name, service.get_record(ctx, kind, record_id))
    return render(request, "revoke.html", {"kind": kind, "record": record, "label": _label(record),
                                           "impact": named_impact(ctx, _impact(ctx, kind, record_id)), "done": None})


@router.post("/records/{plural}/{record_id}/revoke")
def revoke(plural: str, record_id: str, request: Request, reason: str = Form(default=""),
           ctx: Clearance = Depends(get_ctx), session: WebSession = Depends(form(*REVOKERS))) -> Response:
    kind = _kind(plural)
    written, affected = service.revoke(ctx, kind, record_id, reason, session.caller.actor)
    record = shown_to(session.caller.role, kind.name, written.record)
    return render(request, "revoke.html", {"kind": kind, "record": record, "label": _label(record),
                                           "impact": named_impact(ctx, affected), "done": written.receipt.as_json()})
