"""Discovery productions over HTTP (legal and admin): export, download, protocols, privilege designations."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import Field

from ledger.api.deps import LEGAL, get_ctx, require
from ledger.api.schemas import AS_GIVEN
from ledger.api.schemas.common import RequestBody
from ledger.api.schemas.exports import (PrivilegeAsserted, ProductionSummary, ProtocolOut, ProtocolSaved,
                                        ProtocolSettingsIn, SelectionIn)
from ledger.auth.keys import Caller
from ledger.context import Clearance
from ledger.errors import NotFound, ValidationFailed
from ledger.exports import privilege, protocol, service
from ledger.exports.privilege import PRIVILEGES
from ledger.exports.selection import PRODUCED_KINDS
from ledger.exports.people import Person
from ledger.exports.volume import exports_dir

router = APIRouter(tags=["exports"])
_PRODUCTION_ID = re.compile(r"prd_[0-9a-f]{16}")


def _person(caller: Caller) -> Person:
    """The key's name (its label, else its id) and role act for the person behind it."""
    return Person(caller.name or caller.key_id, str(caller.role))


class ExportBody(RequestBody):
    selection: SelectionIn = Field(default_factory=lambda: SelectionIn.model_validate({}),
                                   description="matter, date_from, date_to, people, assets, datasets, "
                                               "dataset_versions, models, clips, checks, custodians")
    protocol: str | None = Field(default=None, description="a saved protocol's name")
    settings: ProtocolSettingsIn = Field(default_factory=ProtocolSettingsIn,
                                         description="protocol settings overriding the saved ones")
    zip: bool = Field(default=False, strict=True)


class PrivilegeBody(RequestBody):
    record_kind: Literal[PRODUCED_KINDS]  # type: ignore[valid-type]  # the kinds a production holds
    record_id: str = Field(min_length=1)
    privilege: Literal[PRIVILEGES]  # type: ignore[valid-type]
    description: str = Field(min_length=1, pattern=r"\S", description="what is withheld, without its content")
    fields: list[str] = Field(default_factory=list, max_length=20,
                              description="withhold only these fields (a check's review_reason, reviewer): the record "
                                          "is produced with them redacted, provably; empty: the whole record")


@router.post("/exports", status_code=201, summary="Produce records for discovery (a Bates-numbered volume)",
             response_model=ProductionSummary, **AS_GIVEN)
def create_export(body: ExportBody, caller: Caller = Depends(require(*LEGAL)),
                  ctx: Clearance = Depends(get_ctx)) -> dict[str, Any]:
    result = service.export(ctx, body.selection.model_dump(mode="json", exclude_unset=True), None, caller.actor,
                            body.protocol, body.settings.model_dump(mode="json", exclude_none=True), True,
                            _person(caller))
    result.pop("path", None)
    result.pop("zip", None)
    result["download"] = f"/v1/exports/{result['production_id']}/zip"
    return result


@router.get("/exports/{production_id}/zip", response_class=FileResponse, summary="Download a production volume",
            responses={200: {"description": "the production volume as a ZIP",
                             "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}})
def download_export(production_id: str, caller: Caller = Depends(require(*LEGAL)),
                    ctx: Clearance = Depends(get_ctx)) -> FileResponse:
    if not _PRODUCTION_ID.fullmatch(production_id):
        raise ValidationFailed("a production id reads prd_ and 16 hex digits")
    path = exports_dir(ctx) / f"{production_id}.zip"
    if not path.is_file():
        raise NotFound(f"no production {production_id} on this server")
    return FileResponse(path, media_type="application/zip", filename=path.name)


@router.post("/export-protocols/{name}", status_code=201, summary="Save a production protocol", response_model=ProtocolSaved, **AS_GIVEN)
def save_protocol(name: str, settings: ProtocolSettingsIn, caller: Caller = Depends(require(*LEGAL)),
                  ctx: Clearance = Depends(get_ctx)) -> dict[str, Any]:
    chosen = settings.model_dump(mode="json", exclude_none=True)
    return protocol.save_protocol(ctx, name, protocol.ProtocolSettings.from_json(chosen), caller.actor)


@router.get("/export-protocols/{name}", summary="Read a saved production protocol", response_model=ProtocolOut, **AS_GIVEN)
def show_protocol(name: str, caller: Caller = Depends(require(*LEGAL)),
                  ctx: Clearance = Depends(get_ctx)) -> dict[str, Any]:
    return {"name": name, "settings": protocol.load_protocol(ctx, name).as_json()}


@router.post("/privileges", status_code=201, summary="Designate a record privileged (logged)", response_model=PrivilegeAsserted, **AS_GIVEN)
def assert_privilege(body: PrivilegeBody, caller: Caller = Depends(require(*LEGAL)),
                     ctx: Clearance = Depends(get_ctx)) -> dict[str, Any]:
    return privilege.assert_privilege(ctx, body.record_kind, body.record_id, body.privilege, body.description,
                                      caller.actor, _person(caller), body.fields or None)
