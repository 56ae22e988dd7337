"""What a request may carry, checked before any route reads it.

A pure ASGI middleware that:

- refuses a NUL character in the path or in any query parameter (422 naming it);
- refuses a body whose ``Content-Length`` passes ``max_upload_bytes`` (413) and, for bodies sent
  without a length (chunked), counts the bytes as they stream in and stops reading at the limit:
  the route's reader fails, whatever it answered is replaced by the 413, and nothing past the
  limit is ever spooled;
- reads a JSON body (``application/json``) whole, refuses it when nested deeper than
  :data:`ledger.json_limits.MAX_DEPTH` (before it is parsed) or when a string holds a NUL,
  then hands the same bytes on to the route.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, unquote

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger import json_limits
from ledger.errors import ClearanceError, FieldProblem, PayloadTooLarge, ValidationFailed

PROBLEM_JSON = "application/problem+json"


class _BodyTooLarge(Exception):
    """Raised into the route's body reader once the streamed body passes the limit."""


def _answer(error: ClearanceError, scope: Scope) -> JSONResponse:
    body = error.problem_details(scope["path"])
    if error.status == 422 and scope["path"].startswith("/sbr/"):  # the C2PA SBR API answers bad input with 400
        body["status"] = 400
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON)


def _nul_in_target(scope: Scope) -> ClearanceError | None:
    raw_path = scope.get("raw_path") or scope["path"].encode()
    if "\x00" in scope["path"] or b"%00" in raw_path or b"\x00" in raw_path:
        return ValidationFailed("the path may not contain a NUL character (U+0000)",
                                problems=[FieldProblem("path", "contains a NUL character")])
    query = scope.get("query_string", b"").decode("latin-1")
    if "%00" in query or "\x00" in query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                field = unquote(name).replace("\x00", "\\0") or "(query)"
                return ValidationFailed("a query parameter may not contain a NUL character (U+0000)",
                                        problems=[FieldProblem(f"query.{field}", "contains a NUL character")])
    return None


class BodyGuard:
    def __init__(self, app: ASGIApp, max_bytes: Callable[[], int]) -> None:
        self.app = app
        self._max_bytes = max_bytes  # read per request: the setting may change while the app runs

    @property
    def max_bytes(self) -> int:
        return self._max_bytes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = _nul_in_target(scope)
        if refused is not None:
            await _answer(refused, scope)(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            await _answer(PayloadTooLarge(f"request body of {length} bytes exceeds max_upload_bytes "
                                          f"({self.max_bytes})"), scope)(scope, receive, send)
            return
        if headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
            await self._json(scope, receive, send)
            return
        await self._streamed(scope, receive, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        over = False
        started = False
        limit = self.max_bytes

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                raise _BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                return  # the route's answer to a body cut short is replaced by the 413 below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            pass
        except Exception:
            if not over:
                raise
        if over and not started:
            await _answer(PayloadTooLarge(f"request body passed max_upload_bytes ({limit}); "
                                          "reading stopped there"), scope)(scope, receive, send)

    async def _json(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await _answer(PayloadTooLarge(f"request body passed max_upload_bytes ({self.max_bytes})"),
                              scope)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            try:
                json_limits.loads(body, "body")
            except ValidationFailed as exc:
                if exc.problems and exc.problems[0].message.startswith("line "):
                    pass  # plain malformed JSON: the route's own validation names it as it always has
                else:
                    await _answer(exc, scope)(scope, receive, send)
                    return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
