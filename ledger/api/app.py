"""The FastAPI application: routers per resource, problem details for every error."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.api.rate_limits import RateLimits
from ledger.api.request_log import RequestLogMiddleware
from ledger.context import Clearance
from ledger.errors import ClearanceError, FieldProblem, PayloadTooLarge, RateLimited, ValidationFailed
from ledger.jobs import Executor, executor_for

PROBLEM_JSON = "application/problem+json"


def _problem(error: ClearanceError, request: Request) -> JSONResponse:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
    return JSONResponse(error.problem_details(str(request.url.path)), status_code=error.status,
                        media_type=PROBLEM_JSON, headers=headers)


def create_app(ctx: Clearance | None = None, jobs: Executor | None = None) -> FastAPI:
    from ledger import web
    from ledger.api.routers import checks, exports, keys, log, media, records, reports
    from ledger.web import errors as web_errors

    ctx = ctx or Clearance.open()
    app = FastAPI(title="Clearance", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Rights-clearance and provenance ledger for generative video. "
                              "Authenticate with `Authorization: Bearer <key>` (see `clearance keys create`).")
    app.state.clearance = ctx
    app.state.jobs = jobs or executor_for(ctx)  # background checks: this process, or the queue's workers
    app.state.rate_limits = RateLimits(ctx.settings)
    app.state.rate_limits.check_storage()
    _ = ctx.policy_engine  # a policy file that does not validate stops start-up here, naming file and line

    @app.middleware("http")
    async def limit_body(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > ctx.settings.max_upload_bytes:
            return _problem(PayloadTooLarge(f"request body of {length} bytes exceeds max_upload_bytes "
                                            f"({ctx.settings.max_upload_bytes})"), request)
        return await call_next(request)

    app.add_middleware(RequestLogMiddleware)  # added last, so outermost: every answer gets a request id

    @app.exception_handler(ClearanceError)
    async def clearance_error(request: Request, exc: ClearanceError) -> Response:
        if web_errors.is_page(request):  # the console answers with a page (or the sign-in page)
            return web_errors.page_error(request, exc)
        return _problem(exc, request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [FieldProblem(".".join(str(p) for p in e["loc"] if p != "body") or "body", e["msg"])
                    for e in exc.errors()]
        return _problem(ValidationFailed("the request does not match what this route expects", problems=problems),
                        request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = ClearanceError(str(exc.detail))
        error.status, error.title, error.slug = exc.status_code, str(exc.detail), "http"
        return _problem(error, request)

    app.include_router(media.router, prefix="/v1")
    app.include_router(checks.router, prefix="/v1")
    app.include_router(records.router, prefix="/v1")
    app.include_router(log.router, prefix="/v1")
    app.include_router(keys.router, prefix="/v1")
    app.include_router(reports.router, prefix="/v1")
    web.install(app, ctx)
    app.include_router(exports.router, prefix="/v1")
    return app
