"""The C2PA Soft Binding Resolution API (OpenAPI ``info.version`` 2.4.0) under ``/sbr/v1``.

Queries resolve to the manifests this ledger signed: ``/matches/byBinding`` takes an ``io.iscc.v0``
value, ``/matches/byContent`` the media itself (the check's full matcher), ``/manifests/{manifestId}``
returns the manifest store as signed (``application/c2pa``). Access: with ``sbr_public_read`` anyone
(rate-limited per address); otherwise an API key of role resolver, legal or admin. Invalid queries are
answered 400 (the SBR contract), as problem details.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from ledger.api.deps import api_key_header, bearer, clearance_of, get_ctx, require
from ledger.api.client_address import client_address
from ledger.api.rate_limits import RateLimits
from ledger.context import Clearance
from ledger.records.enums import Role
from ledger.resolution.by_binding import SUPPORTED, resolve_by_binding
from ledger.resolution.by_content import resolve_by_content
from ledger.resolution.matches import Match, UnsupportedQuery
from ledger.resolution.signed import manifest_store

PREFIX = "/sbr/v1"
C2PA_SPECIFICATION_VERSION = "2.4.0"
MAX_RESULTS_CAP = 100
RESOLVERS = (Role.admin, Role.legal, Role.resolver)
_keyed = require(*RESOLVERS)

router = APIRouter(prefix=PREFIX, tags=["soft binding resolution (C2PA)"])
well_known = APIRouter(tags=["soft binding resolution (C2PA)"])


def sbr_reader(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
               x_api_key: str | None = Depends(api_key_header)) -> None:
    """Public read when the setting says so (limited per address), else a key of a resolving role."""
    ctx = clearance_of(request)
    if not ctx.settings.sbr_public_read:
        _keyed(request, credentials, x_api_key)
        return
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    if limits is not None:  # the caller's address as the trusted proxies report it, rate limited like a key
        limits.hit_key(f"public:{client_address(request)}")


class SoftBindingMatch(BaseModel):
    manifestId: str = Field(description="the active manifest's C2PA identifier (urn:c2pa:...)")
    endpoint: str | None = Field(default=None, description="absent: fetch it from this service's /manifests")
    similarityScore: int | None = Field(default=None, ge=0, le=100,
                                        description="100 only for identical content")


class SoftBindingQueryResult(BaseModel):
    matches: list[SoftBindingMatch]


class SoftBindingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alg: str = Field(min_length=1, description="a soft binding algorithm name (io.iscc.v0)")
    value: str = Field(min_length=1, description="the soft binding value (Base64 of the ISCC, or ISCC:...)")


class SoftBindingAlg(BaseModel):
    alg: str


class SoftBindingAlgList(BaseModel):
    watermarks: list[SoftBindingAlg]
    fingerprints: list[SoftBindingAlg]


class Capabilities(BaseModel):
    c2paSpecificationVersion: str
    supportedCapabilities: list[str]


class ServiceStatus(BaseModel):
    status: Literal["ok", "degraded", "down"]
    timestamp: datetime


class Discovery(BaseModel):
    apiEndpoint: str
    c2paSpecificationVersion: str
    capabilitiesEndpoint: str
    statusEndpoint: str


MAX_RESULTS = Query(10, ge=1, description="the most matches to return (capped at 100)")


def _result(found: list[Match]) -> SoftBindingQueryResult:
    return SoftBindingQueryResult(matches=[SoftBindingMatch(manifestId=m.manifest_id,
                                                            similarityScore=m.similarity_score) for m in found])


@router.get("/matches/byBinding", summary="Manifests whose soft binding matches a value",
            response_model_exclude_none=True)
def by_binding_get(alg: str = Query(min_length=1), value: str = Query(min_length=1),
                   maxResults: int = MAX_RESULTS, ctx: Clearance = Depends(get_ctx),
                   _: None = Depends(sbr_reader)) -> SoftBindingQueryResult:
    return _result(resolve_by_binding(ctx, alg, value, min(maxResults, MAX_RESULTS_CAP)))


@router.post("/matches/byBinding", summary="Manifests whose soft binding matches a (large) value",
             response_model_exclude_none=True)
def by_binding_post(query: SoftBindingQuery, maxResults: int = MAX_RESULTS, ctx: Clearance = Depends(get_ctx),
                    _: None = Depends(sbr_reader)) -> SoftBindingQueryResult:
    return _result(resolve_by_binding(ctx, query.alg, query.value, min(maxResults, MAX_RESULTS_CAP)))


_MEDIA_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    media: {"schema": {"type": "string", "format": "binary"}}
    for media in ("video/mp4", "video/quicktime", "image/jpeg", "image/png", "image/webp", "application/octet-stream")}}}


@router.post("/matches/byContent", summary="Manifests of the signed clips the uploaded media is a copy of",
             response_model_exclude_none=True, openapi_extra=_MEDIA_BODY)
async def by_content(request: Request, alg: str | None = Query(None, description="io.iscc.v0 or absent"),
                     maxResults: int = MAX_RESULTS, hintAlg: str | None = Query(None),
                     hintValue: str | None = Query(None), ctx: Clearance = Depends(get_ctx),
                     _: None = Depends(sbr_reader)) -> SoftBindingQueryResult:
    if alg is not None and alg not in SUPPORTED:
        raise UnsupportedQuery(f"soft binding algorithm {alg!r} is not supported; this service resolves "
                               f"{', '.join(SUPPORTED)}")
    data = await request.body()
    if not data:
        raise UnsupportedQuery("the request body is empty; send the media file itself")
    found = await run_in_threadpool(resolve_by_content, ctx, data, "query", min(maxResults, MAX_RESULTS_CAP))
    return _result(found)


@router.get("/manifests/{manifestId}", summary="The C2PA manifest store as signed (or only its active manifest)",
            response_class=Response,
            responses={200: {"content": {"application/c2pa": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the manifest store"}})
def manifest(manifestId: str, returnActiveManifest: bool = Query(False), ctx: Clearance = Depends(get_ctx),
             _: None = Depends(sbr_reader)) -> Response:
    store = manifest_store(ctx, manifestId, active_only=returnActiveManifest)
    return Response(store, media_type="application/c2pa")


@router.get("/services/supportedAlgorithms", summary="The soft binding algorithms queries may name")
def supported_algorithms(_: None = Depends(sbr_reader)) -> SoftBindingAlgList:
    return SoftBindingAlgList(watermarks=[], fingerprints=[SoftBindingAlg(alg=a) for a in SUPPORTED])


@router.get("/services/capabilities", summary="The specification version and optional capabilities served")
def capabilities(_: None = Depends(sbr_reader)) -> Capabilities:
    return Capabilities(c2paSpecificationVersion=C2PA_SPECIFICATION_VERSION,
                        supportedCapabilities=["queryByContent"])


@router.get("/services/status", summary="Whether the service can answer")
def status(ctx: Clearance = Depends(get_ctx), _: None = Depends(sbr_reader)) -> ServiceStatus:
    try:
        with ctx.db.reader() as session:
            session.connection()
        state: Literal["ok", "degraded", "down"] = "ok"
    except Exception:  # noqa: BLE001  # any database failure means the service cannot resolve
        state = "down"
    return ServiceStatus(status=state, timestamp=datetime.now(UTC).replace(microsecond=0))


@well_known.get("/.well-known/c2pa-soft-binding-resolution", summary="Where this service's SBR API is")
def discovery(request: Request, _: None = Depends(sbr_reader)) -> Discovery:
    base = str(request.base_url).rstrip("/") + PREFIX
    return Discovery(apiEndpoint=base, c2paSpecificationVersion=C2PA_SPECIFICATION_VERSION,
                     capabilitiesEndpoint=f"{base}/services/capabilities", statusEndpoint=f"{base}/services/status")
