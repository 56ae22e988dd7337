"""Routes that take media: register an asset with its file, enroll a likeness, match, doctor."""

from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile

from ledger.api.deps import ADMINS, LEGAL, STAFF, WRITERS, get_ctx, require
from ledger.auth.keys import Caller
from ledger.context import Clearance
from ledger import json_limits
from ledger.api.schemas import AS_GIVEN, LoggedOnly
from ledger.api.schemas.media import AssetRegistered, Doctor, Enrolled, MatchAnswer
from ledger.errors import FieldProblem, PayloadTooLarge, ValidationFailed
from ledger.fingerprints import service as fingerprints

router = APIRouter(tags=["media"])
CHUNK = 1 << 20


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """Read an uploaded file, refusing it as soon as it passes ``limit`` bytes."""
    chunks, total = [], 0
    while chunk := await upload.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"{upload.filename}: larger than max_upload_bytes ({limit})")
        chunks.append(chunk)
    if not total:
        raise ValidationFailed(f"{upload.filename}: the file is empty", problems=[FieldProblem("file", "empty")])
    return b"".join(chunks)


def _json_field(text: str, name: str) -> dict[str, Any]:
    value = json_limits.loads(text or "{}", name)  # nesting bounded before parsing; no NUL
    if not isinstance(value, dict):
        raise ValidationFailed(f"{name} must be a JSON object", problems=[FieldProblem(name, "expected an object")])
    return value


@router.post("/assets/upload", status_code=201,
             summary="Register an asset from its file: hashes, fingerprints and index entries included",
             response_model=AssetRegistered, **AS_GIVEN)
async def upload_asset(file: UploadFile = File(...),
                       record: str = Form("{}", description="asset fields as JSON (role, acquisition_method, ...)"),
                       title: str | None = Form(None, min_length=1, max_length=500,
                                                description="the work's real title, screened in prompts (without "
                                                "one, record.title or else the file name, which is not screened)"),
                       ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(require(*WRITERS))) -> dict[str, Any]:
    data = await read_upload(file, ctx.settings.max_upload_bytes)
    fields = _json_field(record, "record")
    if title is not None:
        fields |= {"title": title, "title_source": "entered"}
    from starlette.concurrency import run_in_threadpool

    result = await run_in_threadpool(fingerprints.register_asset, ctx, fields, data, file.filename or "upload",
                                     caller.actor)
    return result.as_json()


@router.post("/parties/{party_id}/likeness", status_code=201,
             summary="Enroll likeness references (photos or clips) of a person; only template hashes are logged",
             response_model=Enrolled, **AS_GIVEN)
async def enroll(party_id: str, files: list[UploadFile] = File(...),
                 face: int | None = Form(None, ge=1, description="which face of a group photo, counted from the left"),
                 ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(require(*WRITERS))) -> dict[str, Any]:
    items = [(f.filename or "upload", await read_upload(f, ctx.settings.max_upload_bytes)) for f in files]
    from starlette.concurrency import run_in_threadpool

    return {"enrolled": await run_in_threadpool(fingerprints.enroll, ctx, party_id, items, caller.actor, face)}


@router.post("/parties/{party_id}/voice", status_code=201,
             summary="Enroll voice references (recordings of the person speaking, 3 s of speech or more); "
                     "only template hashes are logged", response_model=Enrolled, **AS_GIVEN)
async def enroll_voice(party_id: str, files: list[UploadFile] = File(...), ctx: Clearance = Depends(get_ctx),
                       caller: Caller = Depends(require(*WRITERS))) -> dict[str, Any]:
    items = [(f.filename or "upload", await read_upload(f, ctx.settings.max_upload_bytes)) for f in files]
    from starlette.concurrency import run_in_threadpool

    return {"enrolled": await run_in_threadpool(fingerprints.enroll_voice, ctx, party_id, items, caller.actor)}


@router.post("/parties/{party_id}/likeness/erase",
             summary="Erase a person's face and voice templates (refused under a legal hold)")
def erase(party_id: str, reason: str = Form(..., min_length=1, pattern=r"\S"), ctx: Clearance = Depends(get_ctx),
          caller: Caller = Depends(require(*LEGAL))) -> LoggedOnly:
    receipt = fingerprints.erase_likeness(ctx, party_id, reason, caller.actor)
    return LoggedOnly.model_validate({"log": receipt.as_json()})


@router.post("/assets/{asset_id}/withdraw", summary="Take a registered work out of matching (record and log stay)")
def withdraw(asset_id: str, reason: str = Form(..., min_length=1, pattern=r"\S"), ctx: Clearance = Depends(get_ctx),
             caller: Caller = Depends(require(*WRITERS))) -> LoggedOnly:
    receipt = fingerprints.withdraw_asset(ctx, asset_id, reason, caller.actor)
    return LoggedOnly.model_validate({"log": receipt.as_json()})


@router.post("/match", summary="Which registered works or enrolled people does this image or video look like?",
             response_model=MatchAnswer, **AS_GIVEN)
async def match(file: UploadFile = File(...), ctx: Clearance = Depends(get_ctx),
                caller: Caller = Depends(require(*STAFF))) -> dict[str, Any]:
    data = await read_upload(file, ctx.settings.max_upload_bytes)
    from starlette.concurrency import run_in_threadpool

    _query, result = await run_in_threadpool(fingerprints.match_media, ctx, data, file.filename or "upload")
    return result.to_dict()


@router.get("/doctor", summary="Which channels this installation runs, which it cannot and why; index sizes",
            response_model=Doctor, **AS_GIVEN)
def doctor(ctx: Clearance = Depends(get_ctx), _: Caller = Depends(require(*ADMINS, *LEGAL))) -> dict[str, Any]:
    return {"channels": ctx.fingerprinter.status.to_dict(), "index": ctx.indexes.current().stats()}
