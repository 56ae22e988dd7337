"""Per-request logging for the API: a request id on every line, one access line, unexpected errors once.

A pure ASGI middleware (not ``BaseHTTPMiddleware``) so the request id is set in the context
before anything else runs and stays set for the route, its thread-pool work and the access line.
The access line records method, path (never the query string), status and duration; the request
id comes from the client's ``X-Request-ID`` when it is well formed, else a fresh one, and is echoed
in the response.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.errors import InternalError
from ledger.observability import log_context
from ledger.observability.masking import mask_secrets

REQUEST_ID_HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")

access_log = logging.getLogger("ledger.api.access")
error_log = logging.getLogger("ledger.api.errors")


def request_id_from(headers: Headers) -> str:
    """The client's request id if it is well formed (and not secret-looking), else a new one."""
    given = headers.get(REQUEST_ID_HEADER, "")
    if _WELL_FORMED.fullmatch(given) and mask_secrets(given) == given:
        return given
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope))
        method, path = scope["method"], scope["path"]
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with log_context(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:  # noqa: BLE001 - the one place unexpected errors are logged, then answered
                error_log.exception("unexpected error in %s %s", method, path)
                if not response_started:
                    error = InternalError(f"an unexpected error occurred; quote request id {request_id}",
                                          extra={"request_id": request_id})
                    response = JSONResponse(error.problem_details(path), status_code=error.status,
                                            media_type="application/problem+json")
                    await response(scope, receive, send_with_id)
            finally:
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                access_log.info("%s %s %d %.1f ms", method, path, status, duration_ms,
                                extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms})
