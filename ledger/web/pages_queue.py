"""The team's review queue page (filters, sort, assignment, taking the next check, saved filters) and the
assignment and notes on a check page (``_check_team.html``, fed by :func:`check_team`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from ledger.api.deps import ADMINS, LEGAL, get_ctx
from ledger.auth.keys import Caller
from ledger.checks.models import Check
from ledger.context import Clearance
from ledger.errors import FieldProblem, ValidationFailed
from ledger.records.enums import Role
from ledger.web.auth import form, page
from ledger.web.sessions import WebSession
from ledger.web.templating import render, templates
from ledger.worklist import criteria as criteria_mod
from ledger.worklist import queue, team
from ledger.worklist.criteria import parse

router = APIRouter()
QUEUE_READERS = (*ADMINS, Role.legal, Role.auditor)  # GET /v1/reviews and /v1/review-queue
PAGE_SIZE = 50
_BACK_PREFIXES = ("/ui/reviews", "/ui/checks/")


def _caller(session: WebSession) -> Caller:
    return session.caller


def _back(target: str, fallback: str) -> str:
    """Where a posted form returns to: a queue or check page only (no open redirect)."""
    if target.startswith(_BACK_PREFIXES) and "//" not in target and "\\" not in target and "\n" not in target:
        return target
    return fallback


def _valid_id(value: str, name: str) -> str:
    if not criteria_mod.ASSIGNEE.match(value) or value in ("", "me", "none"):
        raise ValidationFailed(f"not a valid {name}", problems=[FieldProblem(name, "letters, digits, _.:- only")])
    return value


def _thumbnails(ctx: Clearance, check_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The strongest evidence pair (both frames stored) of each listed check."""
    if not check_ids:
        return {}
    with ctx.db.reader() as db:
        rows = db.exec(select(Check.id, Check.evidence).where(col(Check.id).in_(check_ids))).all()
    found = {}
    for check_id, evidence in rows:
        pair = next((e for e in evidence or [] if e["query"].get("sha256") and e["matched"].get("sha256")), None)
        if pair:
            found[check_id] = pair
    return found


def age_text(seconds: int) -> str:
    """``45 s``, ``12 min``, ``5 h``, ``3 d``: how long a check has waited."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


templates.env.filters["age"] = age_text


@router.get("/reviews")
def queue_page(request: Request, saved: str = Query("", max_length=100), offset: int = Query(0, ge=0, le=10**9),
               ctx: Clearance = Depends(get_ctx), session: WebSession = Depends(page(*QUEUE_READERS))) -> Response:
    caller = _caller(session)
    may_work = caller.role in LEGAL
    if saved:
        chosen = team.saved_filter(ctx, _valid_id(saved, "saved"), caller.key_id)
    else:
        chosen = parse(request.query_params)
    view = queue.view(ctx, chosen, caller.key_id)
    now = queue.now()
    shown = view.rows[offset:offset + PAGE_SIZE]
    query = chosen.query()
    here = "/ui/reviews" + (f"?{urlencode(query)}" if query else "")
    return render(request, "queue.html", {
        "rows": [{**r.as_json(now), "age": age_text(r.age_s(now))} for r in shown],
        "thumbs": _thumbnails(ctx, [r.check_id for r in shown]), "total": len(view.rows),
        "total_pending": view.total_pending, "facets": view.facets, "criteria": chosen, "query": query,
        "sorts": criteria_mod.SORTS, "reviewers": team.reviewers(ctx), "may_work": may_work, "here": here,
        "saved_filters": team.filters_of(ctx, caller.key_id) if may_work else [], "saved": saved,
        "offset": offset, "page_size": PAGE_SIZE, "pages": urlencode(query)})


@router.post("/reviews/take")
async def take_next(request: Request, ctx: Clearance = Depends(get_ctx),
                    session: WebSession = Depends(form(*LEGAL))) -> Response:
    """Assign yourself the next unassigned check the shown filter selects, and open it."""
    posted = await request.form()
    row, _receipt = team.take_next(ctx, parse(posted), _caller(session))
    return RedirectResponse(f"/ui/checks/{row['check_id']}", status_code=303)


@router.post("/reviews/filters")
async def save_filter(request: Request, ctx: Clearance = Depends(get_ctx),
                      session: WebSession = Depends(form(*LEGAL))) -> Response:
    posted = await request.form()
    name = posted.get("name")
    row, _receipt = team.save_filter(ctx, name if isinstance(name, str) else "", parse(posted), _caller(session))
    return RedirectResponse(f"/ui/reviews?saved={row['id']}", status_code=303)


@router.post("/reviews/filters/{filter_id}/delete")
def delete_filter(filter_id: str, ctx: Clearance = Depends(get_ctx),
                  session: WebSession = Depends(form(*LEGAL))) -> Response:
    team.delete_filter(ctx, _valid_id(filter_id, "filter_id"), _caller(session))
    return RedirectResponse("/ui/reviews", status_code=303)


@router.post("/checks/{check_id}/assign")
def assign(check_id: str, assignee: str = Form(default=""), back: str = Form(default=""),
           ctx: Clearance = Depends(get_ctx), session: WebSession = Depends(form(*LEGAL))) -> Response:
    """Assign the check to the chosen reviewer (``me`` for oneself, empty to release it); logged."""
    caller = _caller(session)
    chosen = caller.key_id if assignee == "me" else assignee.strip() or None
    team.assign(ctx, _valid_id(check_id, "check_id"), chosen, caller)
    return RedirectResponse(_back(back, f"/ui/checks/{check_id}"), status_code=303)


@router.post("/checks/{check_id}/notes")
def add_note(check_id: str, text: str = Form(default=""), ctx: Clearance = Depends(get_ctx),
             session: WebSession = Depends(form(*LEGAL))) -> Response:
    team.add_note(ctx, _valid_id(check_id, "check_id"), text, _caller(session))
    return RedirectResponse(f"/ui/checks/{check_id}#team", status_code=303)


def check_team(request: Request, check: dict[str, Any]) -> dict[str, Any] | None:
    """What ``_check_team.html`` shows on a check page: None for a role that does not read the queue."""
    session: WebSession | None = getattr(request.state, "web_session", None)
    if session is None or session.caller.role not in QUEUE_READERS:
        return None
    ctx: Clearance = request.app.state.clearance
    pending = check.get("review_state") == "pending"
    may_work = session.caller.role in LEGAL
    return {"assignment": team.assignment_of(ctx, check["id"]), "notes": team.notes_of(ctx, check["id"]),
            "may_assign": may_work and pending, "may_note": may_work, "pending": pending,
            "reviewers": team.reviewers(ctx) if may_work and pending else []}


templates.env.globals["check_team"] = check_team
