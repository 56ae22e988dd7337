"""The FastAPI application: routers per resource, problem details for every error."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sqlalchemy.exc import DBAPIError

from ledger.api.body_guard import BodyGuard
from ledger.api.rate_limits import RateLimits
from ledger.api.request_log import RequestLogMiddleware
from ledger.context import Clearance
from ledger.errors import ClearanceError, FieldProblem, RateLimited, Unauthorized, ValidationFailed
from ledger.fsutil import sweep_temporaries
from ledger.jobs import Executor, executor_for
from ledger.resolution import UnsupportedQuery
from ledger.storage_errors import is_disk_full, storage_full

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)


def _problem(error: ClearanceError, request: Request, headers: dict[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="clearance"'
    return JSONResponse(error.problem_details(str(request.url.path)), status_code=error.status,
                        media_type=PROBLEM_JSON, headers=headers)


def _serving(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """What the server sets up once it runs: at most ``threads`` requests at work at once.

    Routes that touch the database or files run in a thread each. Many more threads than the
    database pool and the cores can use only contend for the interpreter lock, and a thread that
    holds the log head waits longest for it (measured in RELIABILITY.md); requests beyond the
    limit wait on the event loop instead.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route offers at the request's path (from the OpenAPI paths: the one route table)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


def create_app(ctx: Clearance | None = None, jobs: Executor | None = None) -> FastAPI:
    from ledger import web
    from ledger.api import contract
    from ledger.api.routers import checks, exports, keys, log, media, records, reports, sbr, worklist
    from ledger.web import errors as web_errors

    ctx = ctx or Clearance.open()
    app = FastAPI(title="Clearance", version="0.1.0", docs_url=None, redoc_url=None,
                  lifespan=_serving(ctx.settings.api_threads),
                  description="Rights-clearance and provenance ledger for generative video. "
                              "Authenticate with `Authorization: Bearer <key>` (see `clearance keys create`).")
    app.state.clearance = ctx
    app.state.jobs = jobs or executor_for(ctx)  # background checks: this process, or the queue's workers
    app.state.rate_limits = RateLimits(ctx.settings)
    app.state.rate_limits.check_storage()
    swept = sweep_temporaries(ctx.settings.home)
    if swept:
        logger.warning("removed %d temporary files left by interrupted writes", len(swept))
    _ = ctx.policy_engine  # a policy file that does not validate stops start-up here, naming file and line

    app.add_middleware(BodyGuard, max_bytes=lambda: ctx.settings.max_upload_bytes)
    app.add_middleware(RequestLogMiddleware)  # added last, so outermost: every answer gets a request id

    @app.exception_handler(ClearanceError)
    async def clearance_error(request: Request, exc: ClearanceError) -> Response:
        if web_errors.is_page(request):  # the console answers with a page (or the sign-in page)
            return web_errors.page_error(request, exc)
        if exc.status == 422 and request.url.path.startswith(sbr.PREFIX):  # the SBR contract says 400
            exc = UnsupportedQuery(exc.detail, problems=exc.problems, extra=exc.extra)
        return _problem(exc, request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [FieldProblem(".".join(str(p) for p in e["loc"] if p != "body") or "body", e["msg"])
                    for e in exc.errors()]
        if request.url.path.startswith(sbr.PREFIX):  # the SBR contract answers an invalid query with 400
            return _problem(UnsupportedQuery("the query does not match what this route expects",
                                             problems=problems), request)
        return _problem(ValidationFailed("the request does not match what this route expects", problems=problems),
                        request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body" (a malformed multipart or form body)
            return _problem(ValidationFailed(f"the request body could not be read: {exc.detail}",
                                             problems=[FieldProblem("body", "malformed for its content type")]),
                            request)
        error = ClearanceError(str(exc.detail))
        error.status, error.title, error.slug = exc.status_code, str(exc.detail), "http"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette names the methods of one route; a path may have several
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _problem(error, request, headers)

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: OSError) -> JSONResponse:
        if is_disk_full(exc):
            return _problem(storage_full(ctx.settings.home), request)
        raise exc  # anything else is unexpected: logged once and answered 500 by RequestLogMiddleware

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if is_disk_full(exc):
            return _problem(storage_full(ctx.settings.home), request)
        raise exc

    app.include_router(media.router, prefix="/v1")
    app.include_router(checks.router, prefix="/v1")
    app.include_router(records.router, prefix="/v1")
    app.include_router(log.router, prefix="/v1")
    app.include_router(keys.router, prefix="/v1")
    app.include_router(reports.router, prefix="/v1")
    app.include_router(worklist.router, prefix="/v1")
    web.install(app, ctx)
    app.include_router(exports.router, prefix="/v1")
    app.include_router(sbr.router)
    app.include_router(sbr.well_known)
    contract.install(app)
    return app
