"""The check page: evidence side by side, approve or reject, sign, verify (the queue is pages_queue)."""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from ledger import clock, signing
from ledger.api.deps import LEGAL, READERS, REVOKERS, WRITERS, get_ctx
from ledger.checks import evidence, release, reviews, service
from ledger.context import Clearance
from ledger.errors import Conflict, FieldProblem, ValidationFailed
from ledger.records import models as m
from ledger.records.enums import AB1836Exception, Role
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from ledger.web import check_view
from ledger.web.media import WORK_WATCHERS
from ledger.records.personal_data import shown_to
from ledger.web.auth import form, page
from ledger.audit.history import history
from ledger.web.sessions import WebSession
from ledger.web.templating import render
from ledger.worklist import queue
from ledger.worklist.criteria import Criteria

router = APIRouter()
CHECK_READERS = (*READERS, Role.generator)  # GET /v1/checks/{id}
SIGNERS = (Role.admin, Role.generator, Role.legal)  # POST /v1/checks/{id}/sign
RECHECKERS = REVOKERS
"""Who may re-check a clip after records changed: those who change grants (admin, registrar, legal)."""
_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _valid_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValidationFailed("not a valid check id", problems=[FieldProblem("check_id", "letters, digits, _ and -")])
    return value


def _blocked_people(ctx: Clearance, check: dict[str, Any]) -> list[dict[str, Any]]:
    """Deceased people an AB 1836 reason blocked the check on: who an exception could be recorded for."""
    ids = {r["subject_id"] for r in check["reasons"]
           if r.get("policy_id", "").startswith("ab1836.") and r.get("subject_kind") == "person" and r.get("subject_id")}
    if check["verdict"] != "block" or not ids:
        return []
    with ctx.db.reader() as session:
        rows = [session.get(m.Party, person_id) for person_id in sorted(ids)]
    return [{"id": row.id, "name": row.name, "died_on": row.died_on} for row in rows if row is not None]


def _licensable_works(ctx: Clearance, check: dict[str, Any]) -> list[dict[str, Any]]:
    """Matched works a license could be recorded for from this check (it did not pass), with their rights holder."""
    if check["verdict"] == "pass":
        return []
    ids = sorted({x["subject_id"] for x in check["matches"] if x.get("subject") == "asset"})
    with ctx.db.reader() as session:
        rows = [session.get(m.Asset, asset_id) for asset_id in ids]
        return [{"id": row.id, "title": row.title, "licensor_id": row.rights_holder_id,
                 "licensor": (holder.name if (holder := session.get(m.Party, row.rights_holder_id)) else None)}
                for row in rows if row is not None and row.rights_holder_id]


def _organisations(ctx: Clearance) -> list[dict[str, str]]:
    """Who a license may be granted to: the registered organisations, by name."""
    with ctx.db.reader() as session:
        rows = session.exec(select(m.Party).where(m.Party.kind == "organisation").order_by(col(m.Party.name))
                            .limit(500)).all()
        return [{"id": row.id, "name": row.name} for row in rows]


def _check_page(request: Request, ctx: Clearance, session: WebSession, check_id: str,
                verified: dict[str, Any] | None = None, status: int = 200,
                typed: dict[str, Any] | None = None, notice: str | None = None) -> Response:
    check, clip = service.get_check(ctx, _valid_id(check_id))
    role = session.caller.role
    clip = shown_to(role, "clip", clip)
    log = history(ctx, [("clip", clip["id"]), ("check", check["id"])], role)
    titles = check_view.names(ctx, check)
    strength = ctx.settings.strength
    for match in check["matches"]:
        match["words"] = check_view.score_words(match.get("method"), match["score"], match.get("threshold"), strength)
    for item in check["evidence"] or []:
        item["words"] = check_view.score_words(item.get("method"), item["score"], item.get("threshold"), strength)
    blocked_people = _blocked_people(ctx, check)
    works = _licensable_works(ctx, check) if role in WRITERS else []
    return render(request, "check.html", {
        "check": check, "clip": clip, "history": log, "verified": verified, "titles": titles,
        "plans": check_view.play_plan(check, titles), "clip_is_video": check_view.is_video(
            mimetypes.guess_type(clip["filename"])[0]),
        "work_types": _work_types(ctx, titles), "may_watch_works": role in WORK_WATCHERS,
        "jurisdiction": check_view.jurisdiction_words, "channel_words": check_view.channel_words,
        "reason_codes": reviews.REASON_CODES, "typed": typed or {}, "notice": notice,
        "may_decide": role in LEGAL and check["review_state"] == "pending",
        "may_sign": role in SIGNERS and not check["signed_sha256"]
                    and (check["verdict"] == "pass" or check["review_state"] == "approved"),
        "may_recheck": role in RECHECKERS, "may_record": role in WRITERS,
        "blocked_people": blocked_people, "exceptions": [e.value for e in AB1836Exception],
        "licensable": works, "licensees": _organisations(ctx) if works else [],
        "today": clock.today().isoformat(),
        "rechecks": service.rechecks_of(ctx, check["id"]),
        "recheck_of": clip.get("recheck_of"),
        "next_id": queue.next_check(ctx, Criteria(), session.caller.key_id, after=check["id"]) if role in LEGAL else None,
    }, status=status)


def _work_types(ctx: Clearance, titles: dict[str, str]) -> dict[str, str]:
    """Each matched asset's media type: a video plays, a still is shown."""
    with ctx.db.reader() as session:
        return {asset_id: row.media_type for asset_id in titles
                if (row := session.get(m.Asset, asset_id)) is not None}


@router.get("/checks/{check_id}")
def check_page(check_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
               session: WebSession = Depends(page(*CHECK_READERS))) -> Response:
    recorded = request.query_params.get("recorded")
    notice = (f"Recorded {recorded}. Re-check the clip so the decision reads the new record."
              if recorded and _ID.fullmatch(recorded) else None)
    return _check_page(request, ctx, session, check_id, notice=notice)


@router.get("/checks/{check_id}/evidence/{sha256}")
def evidence_image(check_id: str, sha256: str, ctx: Clearance = Depends(get_ctx),
                   _: WebSession = Depends(page(*CHECK_READERS))) -> Response:
    """A thumbnail, only when this check's evidence names it (the media store holds other files too)."""
    check, _clip = service.get_check(ctx, _valid_id(check_id))
    return Response(evidence.image(ctx, check, sha256), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400, immutable", "X-Content-Type-Options": "nosniff"})


@router.post("/checks/{check_id}/review")
def decide(check_id: str, request: Request, decision: str = Form(default=""), reason: str = Form(default=""),
           reason_code: str = Form(default=""), ctx: Clearance = Depends(get_ctx), session: WebSession = Depends(form(*LEGAL))) -> Response:
    """Approve (and sign the clip) or reject, with a reason code and a note; the reviewer is the session's key.

    The note and code a reviewer typed survive a refusal: a missing field or a decision someone
    else recorded first re-renders the check page with them (422 or 409), never a bare error page.
    """
    caller = session.caller
    reviewer = reviews.Reviewer(caller.name or caller.key_id, caller.role.value)
    decision, after = decision.removesuffix("-next"), decision.endswith("-next")  # "Approve and next"
    typed: dict[str, Any] = {"decision": decision, "reason": reason, "reason_code": reason_code}
    code = reason_code.strip() or None
    note = reason.strip() or (reviews.REASON_CODES.get(code or "") if code and code != "other" else "")
    try:
        if code is None:
            raise ValidationFailed("choose a reason code", problems=[FieldProblem("reason_code", "choose one")])
        check, _receipt = reviews.decide(ctx, _valid_id(check_id), decision, note or "", caller.actor, reviewer, code)
    except Conflict:
        typed["conflict"] = True
        return _check_page(request, ctx, session, check_id, status=409, typed=typed)
    except ValidationFailed as error:
        typed["problems"] = [{"field": p.field, "message": p.message} for p in error.problems]
        typed["problem"] = str(error)
        return _check_page(request, ctx, session, check_id, status=422, typed=typed)
    if check["review_state"] == "approved" and (refused := _sign(ctx, check_id, caller.actor)):
        return _check_page(request, ctx, session, check_id, notice=f"Approved and logged, but {refused}")
    if after:
        following = queue.next_check(ctx, Criteria(), session.caller.key_id, after=check_id)
        return RedirectResponse(f"/ui/checks/{following}" if following else "/ui/reviews?done=1", status_code=303)
    return RedirectResponse(f"/ui/checks/{check_id}", status_code=303)


@router.post("/checks/{check_id}/sign")
def sign(check_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
         session: WebSession = Depends(form(*SIGNERS))) -> Response:
    if refused := _sign(ctx, _valid_id(check_id), session.caller.actor):
        return _check_page(request, ctx, session, check_id, notice=refused[0].upper() + refused[1:], status=409)
    return RedirectResponse(f"/ui/checks/{check_id}", status_code=303)


def _sign(ctx: Clearance, check_id: str, actor: str) -> str | None:
    """Sign the approved or passed clip; when the law's disclosure fields are unknown, say why it was not signed."""
    _, clip = service.get_check(ctx, check_id)
    try:
        release.sign_into(ctx, check_id, release.signed_store_path(ctx, clip["filename"])(check_id), actor)
    except signing.DisclosureIncomplete as refused:
        return (f"the clip was not signed: {refused}. An admin supplies the missing field "
                "(see the README's \"Disclosure of AI-generated content\"), then signs it here.")
    return None


@router.post("/checks/{check_id}/verify")
def verify(check_id: str, _: WebSession = Depends(form(*CHECK_READERS))) -> Response:
    """Verify the signed clip: the result is a page of its own (POST, redirect, GET), so reloading it works."""
    return RedirectResponse(f"/ui/checks/{_valid_id(check_id)}/verification", status_code=303)


@router.get("/checks/{check_id}/verification")
def verification(check_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
                 session: WebSession = Depends(page(*CHECK_READERS))) -> Response:
    """Verify the signed clip as a stranger would: C2PA, log inclusion of the decision and the approval, content.

    Reading only, so a GET: each load verifies the file again, as it is now.
    """
    report = signing.verify_media(ctx, signing.signed_path(ctx, _valid_id(check_id)))
    return _check_page(request, ctx, session, check_id, verified=report.as_json())


@router.post("/checks/{check_id}/recheck")
def recheck(check_id: str, ctx: Clearance = Depends(get_ctx),
            session: WebSession = Depends(form(*RECHECKERS))) -> Response:
    """Check the clip again against the records as they are now: a new check, linked to this one, logged."""
    outcome = service.recheck(ctx, _valid_id(check_id), session.caller.actor)
    return RedirectResponse(f"/ui/checks/{outcome.check['id']}", status_code=303)


@router.post("/checks/{check_id}/license")
async def record_license(check_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
                         session: WebSession = Depends(form(*WRITERS))) -> Response:
    """Record a license of a work this check matched, covering the clip's uses, media and territories."""
    check, clip = service.get_check(ctx, _valid_id(check_id))
    posted = await request.form()
    works = {w["id"]: w for w in _licensable_works(ctx, check)}
    asset_id, licensee = str(posted.get("asset_id") or ""), str(posted.get("licensee_id") or "")
    problems = []
    if asset_id not in works:
        problems.append(FieldProblem("asset_id", "a work this check matched"))
    if licensee not in {o["id"] for o in _organisations(ctx)}:
        problems.append(FieldProblem("licensee_id", "a registered organisation"))
    if problems:
        raise ValidationFailed("the license form has problems", problems=problems)
    fields: dict[str, Any] = {
        "licensor_id": works[asset_id]["licensor_id"], "licensee_id": licensee, "asset_ids": [asset_id],
        "permitted_uses": clip["uses"], "media": clip["media"], "territories": clip["territories"],
        "starts_on": str(posted.get("starts_on") or "").strip() or clock.today().isoformat()}
    written = create_record(ctx, KINDS["license"], fields, session.caller.actor)
    return RedirectResponse(f"/ui/checks/{check_id}?recorded={written.record['id']}#recheck", status_code=303)


@router.post("/checks/{check_id}/exception")
async def record_exception(check_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
                           session: WebSession = Depends(form(*WRITERS))) -> Response:
    """Record an AB 1836 exception, signed off by a legal reviewer, for a person this blocked check names."""
    check, clip = service.get_check(ctx, _valid_id(check_id))
    posted = await request.form()
    people = {p["id"]: p for p in _blocked_people(ctx, check)}
    person_id = str(posted.get("person_id") or "")
    problems = []
    if person_id not in people:
        problems.append(FieldProblem("person_id", "a person this check was blocked on"))
    ground = str(posted.get("exception") or "")
    if ground not in {e.value for e in AB1836Exception}:
        problems.append(FieldProblem("exception", "one of the statutory exceptions"))
    reviewer_name = str(posted.get("exception_reviewer") or "").strip()
    if not reviewer_name:
        problems.append(FieldProblem("exception_reviewer", "the legal reviewer who signs the exception off"))
    if problems:
        raise ValidationFailed("the exception form has problems", problems=problems)
    person = people[person_id]
    written = create_record(ctx, KINDS["estate_permission"], {
        "decedent_id": person_id, "died_on": person["died_on"].isoformat() if person["died_on"] else None,
        "exception": ground, "permitted_works": [clip["project"]], "exception_reviewer": reviewer_name,
        "exception_reviewed_on": str(posted.get("exception_reviewed_on") or "") or clock.today().isoformat(),
    }, session.caller.actor)
    return RedirectResponse(f"/ui/checks/{check_id}?recorded={written.record['id']}#recheck", status_code=303)


@router.get("/checks/{check_id}/signed")
def download(check_id: str, ctx: Clearance = Depends(get_ctx),
             _: WebSession = Depends(page(*CHECK_READERS))) -> Response:
    from fastapi.responses import FileResponse

    _check, clip = service.get_check(ctx, _valid_id(check_id))
    return FileResponse(signing.signed_path(ctx, check_id), filename=f"signed-{clip['filename']}")
