"""The log over HTTP: key, checkpoint, entries, inclusion and consistency proofs, redaction."""

from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import Field

from ledger.api.schemas.common import RequestBody
from ledger.api.deps import LEGAL, LOG_READERS, get_ctx, require
from ledger.api.pagination import INT64_MAX, Page, cursor_query, limit_query, page, position
from ledger.api.schemas import (AS_GIVEN, ConsistencyProofOut, InclusionProofOut, LogEntryOut, LoggedOnly,
                                LogVerification, WitnessStatusOut)
from ledger.auth.keys import Caller
from ledger.context import Clearance
from ledger.audit import replay, views
from ledger.records.enums import Role
from ledger.records.log_access import disclose
from ledger.records.redaction import redact_entry
from ledger.log import store
from ledger.storage_errors import is_disk_full

router = APIRouter(prefix="/log", tags=["log"])
readers = require(*LOG_READERS)
INDEX = Path(ge=0, le=INT64_MAX, description="the entry's index (0-based)")


class RedactRequest(RequestBody):
    reason: str = Field(min_length=1, description="e.g. the erasure request's reference")


@router.get("/key", response_class=PlainTextResponse, summary="The log's verifier key (signed-note vkey)")
def key(ctx: Clearance = Depends(get_ctx), _: Caller = Depends(readers)) -> str:
    return ctx.log_key.vkey + "\n"


@router.get("/checkpoint", response_class=PlainTextResponse,
            summary="Latest signed checkpoint (C2SP tlog-checkpoint) with the witnesses' cosignatures stored so far")
def checkpoint(ctx: Clearance = Depends(get_ctx), _: Caller = Depends(readers)) -> str:
    """The latest checkpoint with its cosignatures, signed now if entries were added since; on a full disk,
    where the new one cannot be stored, the latest stored one (a read never needs space: it is signed and
    still true)."""
    from ledger.witness.publish import stored_cosigned_checkpoint

    try:
        return stored_cosigned_checkpoint(ctx)
    except Exception as exc:  # noqa: BLE001  (a full disk shows as an OSError or the database's own error)
        if not is_disk_full(exc):
            raise
        with ctx.db.reader() as session:
            latest = store.latest_checkpoint(session)
        if latest is None:
            raise
        return latest.note


@router.get("/witnesses", summary="Who cosigned the latest checkpoint, who did not and why, and its timestamp")
def witnesses(ctx: Clearance = Depends(get_ctx), _: Caller = Depends(readers)) -> WitnessStatusOut:
    from ledger.witness.status import witness_report

    report = witness_report(ctx)
    return WitnessStatusOut.model_validate({**report.as_json(), "summary": report.lines()})


@router.get("/entries", summary="Entries with their envelopes and payloads (unless redacted, or withheld from "
                                 "this role: see `withheld`)")
def entries(start: int = Query(0, ge=0, le=INT64_MAX, description="first page from this index (a cursor wins)"),
            limit: int = limit_query(), cursor: str | None = cursor_query(),
            ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(readers)) -> Page[LogEntryOut]:
    first = position(cursor, start)
    found, size = views.entries_page(ctx, first, limit)
    return page([LogEntryOut.model_validate(disclose(e, caller.role)) for e in found], first, limit, size)


@router.get("/entries/{index}", summary="One entry (its payload as /entries serves it to this role)")
def entry(index: int = INDEX, ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(readers)) -> LogEntryOut:
    found, _ = views.entries_page(ctx, index, 1)  # reads nothing past the tree, so no index overflows a query
    if not found or found[0]["index"] != index:
        views.leaf(ctx, index)  # raises NotFound
    return LogEntryOut.model_validate(disclose(found[0], caller.role))


@router.get("/entries/{index}/leaf", summary="The leaf bytes exactly as hashed", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                 "format": "binary"}}},
                             "description": "the leaf (RFC 8785 canonical JSON of the envelope)"}})
def entry_leaf(index: int = INDEX, ctx: Clearance = Depends(get_ctx), _: Caller = Depends(readers)) -> Response:
    return Response(views.leaf(ctx, index), media_type="application/octet-stream")


@router.get("/entries/{index}/tlog-proof", response_class=PlainTextResponse,
            summary="Offline proof file (c2sp.org/tlog-proof@v1) against the latest checkpoint")
def entry_proof_file(index: int = INDEX, ctx: Clearance = Depends(get_ctx), _: Caller = Depends(readers)) -> str:
    return views.tlog_proof(ctx, index)


@router.get("/proofs/inclusion", summary="RFC 9162 inclusion proof")
def inclusion(index: int = Query(ge=0, le=INT64_MAX), size: int | None = Query(default=None, ge=1, le=INT64_MAX),
              ctx: Clearance = Depends(get_ctx), _: Caller = Depends(readers)) -> InclusionProofOut:
    return InclusionProofOut.model_validate(views.inclusion(ctx, index, size))


@router.get("/proofs/consistency", summary="RFC 9162 consistency proof between two tree sizes")
def consistency(first: int = Query(ge=1, le=INT64_MAX), second: int = Query(ge=1, le=INT64_MAX),
                ctx: Clearance = Depends(get_ctx), _: Caller = Depends(readers)) -> ConsistencyProofOut:
    return ConsistencyProofOut.model_validate(views.consistency(ctx, first, second))


@router.post("/entries/{index}/redact", summary="Remove an entry's personal data (blocked by legal holds)")
def redact(body: RedactRequest, index: int = INDEX, ctx: Clearance = Depends(get_ctx),
           caller: Caller = Depends(require(*LEGAL))) -> LoggedOnly:
    return LoggedOnly.model_validate({"log": redact_entry(ctx, index, body.reason, caller.actor).as_json()})


@router.get("/verify", summary="Recompute the tree, check checkpoints and replay events against the tables",
            response_model=LogVerification, **AS_GIVEN)
def verify(ctx: Clearance = Depends(get_ctx),
           _: Caller = Depends(require(Role.admin, Role.legal, Role.auditor))) -> dict[str, Any]:
    return replay.verify(ctx).as_json()
