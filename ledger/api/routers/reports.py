"""Dataset audits, training-content summaries and bills of materials over HTTP."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, PlainTextResponse, Response

from ledger.api.deps import READERS, get_ctx, require
from ledger.api.schemas import AS_GIVEN
from ledger.api.schemas.reports import AuditRun, TrainingSummary
from ledger.auth.keys import Caller
from ledger.context import Clearance
from ledger.errors import FieldProblem, NotFound, ValidationFailed
from ledger.records.service import ID_PATTERN

router = APIRouter(tags=["reports"])
readers = require(*READERS)


CYCLONEDX_JSON = "application/vnd.cyclonedx+json; version=1.6"

def _record_id(value: str, field: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValidationFailed(f"not a valid {field}", problems=[FieldProblem(field, "letters, digits and _.:- only")])
    return value


@router.post("/dataset-versions/{version_id}/audit", tags=["dataset-versions"],
             summary="Audit a dataset version for training: HTML report and CSV, logged as audit.recorded",
             response_model=AuditRun, **AS_GIVEN)
def audit(version_id: str, model_id: str | None = None, territory: list[str] = Query(default=["US"]),
          as_of: date | None = Query(default=None, description="the date of the use judged (default: today)"),
          at_checkpoint: int | None = Query(default=None, ge=1, description="judge with the records of the log's "
                                            "first N entries only"),
          project: str | None = Query(default=None, min_length=1, max_length=200,
                                      description="the training project consents must name (default: the model's name)"),
          ctx: Clearance = Depends(get_ctx), caller: Caller = Depends(readers)) -> dict[str, Any]:
    from ledger.reports.audit_service import AuditOptions, audit_dataset

    model = _record_id(model_id, "model_id") if model_id else None
    result = audit_dataset(ctx, _record_id(version_id, "version_id"), model, territory, caller.actor,
                           options=AuditOptions(use_date=as_of, at_checkpoint=at_checkpoint, project=project))
    return {"audit_id": result.audit_id, "totals": result.totals, "log": result.log,
            "report": f"/v1/audits/{result.audit_id}/report.html", "csv": f"/v1/audits/{result.audit_id}/report.csv",
            "use_date": result.use_date, "knowledge_size": result.knowledge_size}


@router.get("/audits/{audit_id}/report.{suffix}", summary="The HTML report or CSV of an audit run here",
            response_class=FileResponse)
def audit_file(audit_id: str, suffix: str, ctx: Clearance = Depends(get_ctx),
               _: Caller = Depends(readers)) -> FileResponse:
    from ledger.reports.audit_service import stored_report

    if suffix not in ("html", "csv"):
        raise NotFound("an audit has report.html and report.csv")
    path = stored_report(ctx, audit_id, suffix)
    media = "text/html; charset=utf-8" if suffix == "html" else "text/csv; charset=utf-8"
    return FileResponse(path, media_type=media, filename=path.name)


class CycloneDxResponse(Response):
    """A CycloneDX 1.6 JSON document, under its registered media type."""

    media_type = CYCLONEDX_JSON


@router.get("/models/{model_id}/training-summary", tags=["models"],
            summary="EU AI Act Art. 53(1)(d) public summary of training content (JSON, or ?format=markdown)",
            response_model=TrainingSummary,
            responses={200: {"description": "the summary", "content": {"text/markdown": {}}}})
def summary(model_id: str, format: str = Query(default="json", pattern="^(json|markdown)$"),
            territory: list[str] = Query(default=["US"]), ctx: Clearance = Depends(get_ctx),
            _: Caller = Depends(readers)) -> Response:
    from ledger.reports import training_summary

    with ctx.db.reader() as session:
        built = training_summary.build_summary(ctx.policy_engine, session, _record_id(model_id, "model_id"),
                                               ctx.settings.provider_name, territories=tuple(territory))
    if format == "markdown":
        return PlainTextResponse(training_summary.to_markdown(built), media_type="text/markdown; charset=utf-8")
    TrainingSummary.model_validate(built)  # answered as built, so checked against its model here
    return Response(json.dumps(built), media_type="application/json")


@router.get("/models/{model_id}/bom", tags=["models"], summary="CycloneDX 1.6 ML-BOM of a model and its datasets",
            response_class=CycloneDxResponse,
            responses={200: {"description": "the ML-BOM, validated against the CycloneDX 1.6 schema",
                             "content": {CYCLONEDX_JSON: {"schema": {"type": "object"}}}}})
def model_bom(model_id: str, territory: list[str] = Query(default=["US"]), ctx: Clearance = Depends(get_ctx),
              _: Caller = Depends(readers)) -> Response:
    """The BOM is documented as a JSON object, not modelled here: its schema is CycloneDX 1.6's own, and the
    document is validated against that schema when it is built."""
    from ledger.reports import bom

    with ctx.db.reader() as session:
        text = bom.cyclonedx_json(ctx.policy_engine, session, _record_id(model_id, "model_id"), tuple(territory))
    return CycloneDxResponse(text)
