"""Create, read, list (and revoke, release) routes for every record kind, from the registry."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from pydantic import Field

from ledger.api.schemas.common import RequestBody
from ledger.api.deps import LEGAL, READERS, REVOKERS, WRITERS, get_ctx, require
from ledger.api.pagination import INT64_MAX, Page, cursor_query, limit_query, page, position
from ledger.api.schemas import AS_GIVEN, Written, WrittenWithDependents
from ledger.api.schemas.records import CHANGED_MODELS, READ_MODELS, WRITTEN_MODELS, LineageNode
from ledger.auth.keys import Caller
from ledger.context import Clearance
from ledger.records import amendments, service
from ledger.records.personal_data import shown_to
from ledger.records.kinds import KINDS, RecordKind

router = APIRouter()


class RevokeRequest(RequestBody):
    reason: str = Field(min_length=1, description="why the record is revoked; kept in the log")
    revoked_on: date | None = Field(default=None, description="effective date; today when absent")


class AmendRequest(RequestBody):
    changes: dict[str, Any] = Field(description="the fields that change and their new values")
    reason: str = Field(min_length=1, description="why the terms change; kept in the log")
    document_sha256: str | None = Field(default=None, description="SHA-256 of the signed amendment document")
    effective_on: date | None = Field(default=None, description="when the amendment took effect; today when absent")


class ReleaseRequest(RequestBody):
    reason: str = Field(min_length=1)


def _seen_by(caller: Caller, kind_name: str, written: dict[str, Any]) -> dict[str, Any]:
    """A write's answer with its record as the caller may see it (personal data by role)."""
    return {**written, "record": shown_to(caller.role, kind_name, written["record"])}


def _add_routes(kind: RecordKind[Any, Any]) -> None:
    path = f"/{kind.plural}"
    writers = LEGAL if kind.name == "legal_hold" else WRITERS

    async def create(body: kind.fields,  # type: ignore[name-defined]  # the body model is the kind's, chosen at run time
                     id: str | None = Query(default=None, description="choose the record id (else one is made)"),
                     ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(require(*writers))) -> Written:
        # The busiest write route: only the database work goes to a thread, so FastAPI checks the
        # answer against its model on the event loop instead of in a second thread of its own.
        data = body.model_dump(mode="json", exclude_unset=True)
        if id is not None:
            data["id"] = id
        written = await run_in_threadpool(service.create_record, ctx, kind, data, caller.actor)
        return Written.model_validate(_seen_by(caller, kind.name, written.as_json()))

    def list_all(limit: int = limit_query(), cursor: str | None = cursor_query(),
                 offset: int = Query(0, ge=0, le=INT64_MAX, description="first page from here (a cursor wins)"),
                 ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(require(*READERS))) -> Page[dict[str, Any]]:
        start = position(cursor, offset)
        total, items = service.list_records(ctx, kind, limit, start)
        return page([shown_to(caller.role, kind.name, item) for item in items], start, limit, total)

    def read(record_id: str, ctx: Clearance = Depends(get_ctx),
             caller: Caller = Depends(require(*READERS))) -> dict[str, Any]:
        return shown_to(caller.role, kind.name, service.get_record(ctx, kind, record_id))

    tags: list[Any] = [kind.plural]
    stored = READ_MODELS[kind.name]
    router.add_api_route(path, create, methods=["POST"], status_code=201, tags=tags,
                         summary=f"Register a {kind.name.replace('_', ' ')}", name=f"create_{kind.name}",
                         response_model=WRITTEN_MODELS[kind.name])
    router.add_api_route(path, list_all, methods=["GET"], tags=tags, summary=f"List {kind.summary.lower()}",
                         name=f"list_{kind.name}", response_model=Page[stored], **AS_GIVEN)  # type: ignore[valid-type]
    router.add_api_route(path + "/{record_id}", read, methods=["GET"], tags=tags,
                         summary=f"Read one {kind.name.replace('_', ' ')}", name=f"read_{kind.name}",
                         response_model=stored, **AS_GIVEN)

    if kind.revocable:
        def revoke(record_id: str, body: RevokeRequest, ctx: Clearance = Depends(get_ctx),
                   caller: Caller = Depends(require(*REVOKERS))) -> WrittenWithDependents:
            written, affected = service.revoke(ctx, kind, record_id, body.reason, caller.actor, body.revoked_on)
            return WrittenWithDependents.model_validate({**_seen_by(caller, kind.name, written.as_json()),
                                                         "dependents": affected})

        router.add_api_route(path + "/{record_id}/revoke", revoke, methods=["POST"], tags=tags,
                             summary=f"Revoke a {kind.name.replace('_', ' ')} and list what depends on it",
                             name=f"revoke_{kind.name}", response_model=CHANGED_MODELS[kind.name])

    if kind.amendable:
        def amend(record_id: str, body: AmendRequest, ctx: Clearance = Depends(get_ctx),
                  caller: Caller = Depends(require(*REVOKERS))) -> WrittenWithDependents:
            written, affected = amendments.amend(ctx, kind, record_id, body.changes, body.reason, caller.actor,
                                                 body.document_sha256, body.effective_on)
            return WrittenWithDependents.model_validate({**_seen_by(caller, kind.name, written.as_json()),
                                                         "dependents": affected})

        router.add_api_route(path + "/{record_id}/amend", amend, methods=["POST"], tags=tags,
                             summary=f"Amend a {kind.name.replace('_', ' ')}'s terms; lists what relied on them",
                             name=f"amend_{kind.name}", response_model=CHANGED_MODELS[kind.name])


for _kind in KINDS.values():
    _add_routes(_kind)


@router.post("/legal-holds/{hold_id}/release", tags=["legal-holds"], summary="Release a legal hold",
             response_model=WRITTEN_MODELS["legal_hold"])
def release_hold(hold_id: str, body: ReleaseRequest, ctx: Clearance = Depends(get_ctx),
                 caller: Caller = Depends(require(*LEGAL))) -> Written:
    return Written.model_validate(_seen_by(caller, "legal_hold",
                                           service.release_hold(ctx, hold_id, body.reason, caller.actor).as_json()))


@router.get("/models/{model_id}/lineage", tags=["models"],
            summary="The model and its ancestors (fine-tuned, distilled, merged from, adapter on) as a tree",
            response_model=LineageNode, **AS_GIVEN)
def model_lineage(model_id: str, ctx: Clearance = Depends(get_ctx),
                  _: Caller = Depends(require(*READERS))) -> dict[str, Any]:
    return service.model_lineage(ctx, model_id)
