"""Pre-release checks, reviews and training audits over HTTP."""

import logging
import re
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import Field, ValidationError

from ledger.api.schemas.common import RequestBody
from ledger.api.deps import ADMINS, LEGAL, READERS, get_ctx, require
from ledger.api.pagination import Page, cursor_query, limit_query, page, position
from ledger.api.schemas import AS_GIVEN
from ledger.api.schemas.checks import (CheckAccepted, CheckOutcome, CheckWithClip, JobDecided, JobRunning,
                                       ModelTrainingAudit, PendingReview, Reviewed, SignedClip, TrainingAudit,
                                       Verification)
from ledger.api.routers.media import read_upload
from ledger.auth.keys import Caller
from ledger.records.personal_data import shown_to
from ledger import json_limits, signing
from ledger.checks import evidence, release, reviews, service, training
from ledger.checks.request import CheckRequest
from ledger.context import Clearance
from ledger.errors import ClearanceError, FieldProblem, ValidationFailed
from ledger.jobs import Executor
from ledger.media_store import read_stored, require_sha256, safe_suffix, stored_name
from ledger.observability import log_context
from ledger.records.enums import Role
from ledger.records.service import problems_from

logger = logging.getLogger(__name__)
router = APIRouter(tags=["checks"])
SUBMITTERS = (Role.admin, Role.generator)
CHECK_READERS = (*READERS, Role.generator)
_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


class ReviewRequest(RequestBody):
    decision: Literal["approve", "reject", "approved", "rejected"] = Field(description="approve or reject")
    reason: str = Field(min_length=1, pattern=r"\S", description="why; kept in the log")
    reason_code: Literal["licensed_elsewhere", "fair_use", "not_same_work", "consent_on_file", "other"] | None = Field(
        default=None, description="the kind of reason, kept in the log with it (the console asks for one)")


def _parse_request(text: str) -> CheckRequest:
    value = json_limits.loads(text, "request")  # nesting bounded before parsing; no NUL
    try:
        return CheckRequest.model_validate(value)
    except ValidationError as exc:
        raise ValidationFailed("invalid check request", problems=problems_from(exc, "request.")) from None


def get_jobs(request: Request) -> Executor:
    """Where background checks go: this process's executor or the queue (see ``ledger.jobs``)."""
    jobs: Executor = request.app.state.jobs
    return jobs


@router.post("/checks", summary="Check a clip before release (multipart: file or clip_sha256, plus request JSON)",
             response_model=CheckOutcome, **AS_GIVEN,
             responses={200: {"description": "the decided check (and the signed clip when it passed)"},
                        202: {"description": "long clip: accepted, poll the job URL", "model": CheckAccepted}})
async def submit_check(request: str = Form(..., description="CheckRequest as JSON"),
                       file: UploadFile | None = File(default=None),
                       clip_sha256: str | None = Form(default=None, description="bytes already stored"),
                       wait: bool = Query(default=True, description="false: always answer 202 at once"),
                       ctx: Clearance = Depends(get_ctx), jobs: Executor = Depends(get_jobs),
                       caller: Caller = Depends(require(*SUBMITTERS))) -> Any:
    from starlette.concurrency import run_in_threadpool

    check_request = _parse_request(request)
    clip_sha256 = clip_sha256 or None  # an empty form field is no field
    if file is not None and clip_sha256 is not None:
        raise ValidationFailed("give the clip as file or clip_sha256, not both",
                               problems=[FieldProblem("clip_sha256", "not allowed together with file")])
    if file is not None:
        data, name = await read_upload(file, ctx.settings.max_upload_bytes), file.filename or "clip"
    elif clip_sha256 is not None:
        data = await run_in_threadpool(read_stored, ctx.settings, require_sha256(clip_sha256, "clip_sha256"),
                                       "clip_sha256")
        name = stored_name(clip_sha256, data)
    else:
        raise ValidationFailed("give the clip as file or clip_sha256",
                               problems=[FieldProblem("file", "missing (or give clip_sha256)")])
    if not wait or len(data) > ctx.settings.check_sync_max_bytes:
        clip_id = await run_in_threadpool(service.submit, ctx, check_request, data, name, caller.actor)
        logger.info("clip of %d bytes submitted; checking in the background", len(data), extra={"clip_id": clip_id})
        with log_context(clip_id=clip_id):
            await run_in_threadpool(jobs.submit_check, clip_id, caller.actor)
        return JSONResponse({"clip_id": clip_id, "state": "running", "job": f"/v1/checks/jobs/{clip_id}"},
                            status_code=202)
    outcome = await run_in_threadpool(release.release, ctx, check_request, data, name, caller.actor,
                                      release.signed_store_path(ctx, name))
    return outcome.as_json()


def _valid_id(value: str, field: str) -> str:
    """Check and clip ids are made here (``chk_...``, ``clp_...``); anything else is refused before it reaches
    a query or a file name."""
    if not _ID.fullmatch(value):
        raise ValidationFailed(f"not a valid {field}", problems=[FieldProblem(field, "letters, digits, _ and - only")])
    return value


@router.post("/checks/{check_id}/sign", summary="Sign the clip of a passed check or an approved review",
             description="409 when the check is not releasable, or when the clip's AI disclosure lacks a field the "
                         "law requires (SB 942: provider, system name and version, time, identifier): `errors` "
                         "names each and where to supply it",
             response_model=SignedClip, **AS_GIVEN)
def sign_check(check_id: str, ctx: Clearance = Depends(get_ctx),
               caller: Caller = Depends(require(*SUBMITTERS, Role.legal))) -> dict[str, Any]:
    _, clip = service.get_check(ctx, _valid_id(check_id, "check_id"))
    return release.sign_into(ctx, check_id, release.signed_store_path(ctx, clip["filename"])(check_id), caller.actor)


@router.get("/checks/{check_id}/signed", summary="Download the signed clip", response_class=FileResponse)
def download_signed(check_id: str, ctx: Clearance = Depends(get_ctx),
                    _: Caller = Depends(require(*CHECK_READERS))) -> FileResponse:
    _check, clip = service.get_check(ctx, _valid_id(check_id, "check_id"))
    return FileResponse(signing.signed_path(ctx, check_id), filename=f"signed-{clip['filename']}")


@router.post("/verify", tags=["provenance"],
             summary="Verify a file: C2PA state under the trust anchors, log inclusion, content match",
             response_model=Verification, **AS_GIVEN)
async def verify(file: UploadFile = File(...), ctx: Clearance = Depends(get_ctx),
                 _: Caller = Depends(require(*CHECK_READERS))) -> dict[str, Any]:
    import tempfile

    from starlette.concurrency import run_in_threadpool

    data = await read_upload(file, ctx.settings.max_upload_bytes)
    suffix = safe_suffix(file.filename or "upload")
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        report = await run_in_threadpool(signing.verify_media, ctx, Path(handle.name))
    return report.as_json()


@router.get("/checks/jobs/{clip_id}", summary="Poll a background check: 202 while running, then its result",
            response_model=JobDecided, **AS_GIVEN,
            responses={200: {"description": "the check is decided"},
                       202: {"description": "still running (or waiting for a worker)", "model": JobRunning}})
def job(clip_id: str, ctx: Clearance = Depends(get_ctx), _: Caller = Depends(require(*CHECK_READERS))) -> Any:
    state = service.check_for_clip(ctx, _valid_id(clip_id, "clip_id"))
    if state is None:
        return JSONResponse({"clip_id": clip_id, "state": "running"}, status_code=202)
    if state["state"] == "failed":
        error = ClearanceError(state["detail"])
        error.status, error.title, error.slug = state["status"], "Check failed", "check-failed"
        raise error
    return {"clip_id": clip_id, "state": "decided", "check": state["check"]}


@router.get("/checks/{check_id}", summary="A decided check with its clip", response_model=CheckWithClip, **AS_GIVEN)
def read_check(check_id: str, ctx: Clearance = Depends(get_ctx),
               caller: Caller = Depends(require(*CHECK_READERS))) -> dict[str, Any]:
    check, clip = service.get_check(ctx, _valid_id(check_id, "check_id"))
    return {"check": check, "clip": shown_to(caller.role, "clip", clip)}


@router.get("/checks/{check_id}/evidence/{sha256}", summary="A thumbnail of a check's evidence (JPEG)",
            response_class=Response)
def evidence_image(check_id: str, sha256: str, ctx: Clearance = Depends(get_ctx),
                   _: Caller = Depends(require(*CHECK_READERS))) -> Response:
    check, _clip = service.get_check(ctx, _valid_id(check_id, "check_id"))
    return Response(evidence.image(ctx, check, sha256), media_type="image/jpeg")


@router.get("/reviews", summary="Checks awaiting a person's review", response_model=Page[PendingReview],  # type: ignore[valid-type]
            **AS_GIVEN)
def list_reviews(limit: int = limit_query(), cursor: str | None = cursor_query(), ctx: Clearance = Depends(get_ctx),
                 caller: Caller = Depends(require(*ADMINS, Role.legal, Role.auditor))) -> Page[dict[str, Any]]:
    start = position(cursor)
    total, items = reviews.pending_page(ctx, start, limit)
    return page([{**item, "clip": shown_to(caller.role, "clip", item["clip"])} for item in items], start, limit, total)


@router.post("/reviews/{check_id}", summary="Approve or reject a check in review, with a reason",
             response_model=Reviewed, **AS_GIVEN)
def review(check_id: str, body: ReviewRequest, ctx: Clearance = Depends(get_ctx),
           caller: Caller = Depends(require(*LEGAL))) -> dict[str, Any]:
    check, receipt = reviews.decide(ctx, _valid_id(check_id, "check_id"), body.decision, body.reason, caller.actor,
                                     reviews.Reviewer(caller.name or caller.key_id, caller.role.value),
                                     body.reason_code)
    return {"check": check, "log": receipt.as_json()}


@router.get("/dataset-versions/{version_id}/audit-training", tags=["dataset-versions"],
            summary="May each asset of this dataset version be used for training? (action train)",
            response_model=TrainingAudit, **AS_GIVEN)
def audit_training(version_id: str, model_id: str | None = None,
                   territory: list[str] = Query(default=["US"]),
                   ctx: Clearance = Depends(get_ctx), _: Caller = Depends(require(*READERS))) -> dict[str, Any]:
    return training.audit_training(ctx, version_id, model_id, territory)


@router.get("/models/{model_id}/audit-training", tags=["models"],
            summary="May the model's effective training data (its own and every ancestor's) be used for training?",
            response_model=ModelTrainingAudit, **AS_GIVEN)
def audit_model_training(model_id: str, territory: list[str] = Query(default=["US"]),
                         ctx: Clearance = Depends(get_ctx),
                         _: Caller = Depends(require(*READERS))) -> dict[str, Any]:
    return training.audit_model(ctx, model_id, territory)
