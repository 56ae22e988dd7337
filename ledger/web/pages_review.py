"""The check page: evidence side by side, approve or reject, sign, verify (the queue is pages_queue)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ledger import signing
from ledger.api.deps import LEGAL, READERS, get_ctx
from ledger.checks import evidence, release, reviews, service
from ledger.context import Clearance
from ledger.errors import FieldProblem, ValidationFailed
from ledger.records.enums import Role
from ledger.records.personal_data import shown_to
from ledger.web.auth import form, page
from ledger.audit.history import history
from ledger.web.sessions import WebSession
from ledger.web.templating import render

router = APIRouter()
CHECK_READERS = (*READERS, Role.generator)  # GET /v1/checks/{id}
SIGNERS = (Role.admin, Role.generator, Role.legal)  # POST /v1/checks/{id}/sign
_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _valid_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValidationFailed("not a valid check id", problems=[FieldProblem("check_id", "letters, digits, _ and -")])
    return value


def _check_page(request: Request, ctx: Clearance, session: WebSession, check_id: str,
                verified: dict[str, Any] | None = None, status: int = 200) -> Response:
    check, clip = service.get_check(ctx, _valid_id(check_id))
    role = session.caller.role
    clip = shown_to(role, "clip", clip)
    log = history(ctx, [("clip", clip["id"]), ("check", check["id"])], role)
    return render(request, "check.html", {
        "check": check, "clip": clip, "history": log, "verified": verified,
        "may_decide": role in LEGAL and check["review_state"] == "pending",
        "may_sign": role in SIGNERS and not check["signed_sha256"]
                    and (check["verdict"] == "pass" or check["review_state"] == "approved"),
    }, status=status)


@router.get("/checks/{check_id}")
def check_page(check_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
               session: WebSession = Depends(page(*CHECK_READERS))) -> Response:
    return _check_page(request, ctx, session, check_id)


@router.get("/checks/{check_id}/evidence/{sha256}")
def evidence_image(check_id: str, sha256: str, ctx: Clearance = Depends(get_ctx),
                   _: WebSession = Depends(page(*CHECK_READERS))) -> Response:
    """A thumbnail, only when this check's evidence names it (the media store holds other files too)."""
    check, _clip = service.get_check(ctx, _valid_id(check_id))
    return Response(evidence.image(ctx, check, sha256), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400, immutable", "X-Content-Type-Options": "nosniff"})


@router.post("/checks/{check_id}/review")
def decide(check_id: str, request: Request, decision: str = Form(default=""), reason: str = Form(default=""),
           ctx: Clearance = Depends(get_ctx), session: WebSession = Depends(form(*LEGAL))) -> Response:
    """Approve (and sign the clip) or reject, with a reason; the reviewer is the session's key."""
    caller = session.caller
    reviewer = reviews.Reviewer(caller.name or caller.key_id, caller.role.value)
    check, _receipt = reviews.decide(ctx, _valid_id(check_id), decision, reason, caller.actor, reviewer)
    if check["review_state"] == "approved":
        _, clip = service.get_check(ctx, check_id)
        release.sign_into(ctx, check_id, release.signed_store_path(ctx, clip["filename"])(check_id), caller.actor)
    return RedirectResponse(f"/ui/checks/{check_id}", status_code=303)


@router.post("/checks/{check_id}/sign")
def sign(check_id: str, ctx: Clearance = Depends(get_ctx), session: WebSession = Depends(form(*SIGNERS))) -> Response:
    _, clip = service.get_check(ctx, _valid_id(check_id))
    release.sign_into(ctx, check_id, release.signed_store_path(ctx, clip["filename"])(check_id), session.caller.actor)
    return RedirectResponse(f"/ui/checks/{check_id}", status_code=303)


@router.post("/checks/{check_id}/verify")
def verify(check_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
           session: WebSession = Depends(form(*CHECK_READERS))) -> Response:
    """Verify the signed clip as a stranger would: C2PA, log inclusion of the decision and the approval, content."""
    report = signing.verify_media(ctx, signing.signed_path(ctx, _valid_id(check_id)))
    return _check_page(request, ctx, session, check_id, verified=report.as_json())


@router.get("/checks/{check_id}/signed")
def download(check_id: str, ctx: Clearance = Depends(get_ctx),
             _: WebSession = Depends(page(*CHECK_READERS))) -> Response:
    from fastapi.responses import FileResponse

    _check, clip = service.get_check(ctx, _valid_id(check_id))
    return FileResponse(signing.signed_path(ctx, check_id), filename=f"signed-{clip['filename']}")
