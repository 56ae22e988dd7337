"""Sign-in with an API key, and logout."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ledger.api.deps import STAFF, get_ctx
from ledger.api.client_address import client_address
from ledger.api.rate_limits import RateLimits
from ledger.auth.keys import authenticate
from ledger.context import Clearance
from ledger.errors import Forbidden, Unauthorized
from ledger.records.enums import Role
from ledger.web.auth import form, sessions_of
from ledger.web.sessions import COOKIE, LOGIN_COOKIE, WebSession, tokens_match
from ledger.web.templating import render

router = APIRouter()
ALL_ROLES = tuple(Role)
HOME = {Role.admin: "/ui/reviews", Role.legal: "/ui/reviews", Role.auditor: "/ui/reviews",
        Role.registrar: "/ui/records", Role.generator: "/ui/log"}


def _safe_next(target: str | None) -> str | None:
    """Only a console path may be returned to after sign-in (no open redirect)."""
    if target and target.startswith("/ui/") and "//" not in target and "\\" not in target and "\n" not in target:
        return target
    return None


def _login_page(request: Request, next_: str | None, message: str | None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"login_csrf": token, "next": _safe_next(next_) or "",
                                              "message": message}, status=status)
    response.set_cookie(LOGIN_COOKIE, token, max_age=1800, path="/ui/login", secure=True, httponly=True,
                        samesite="strict")
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None, why: str | None = None) -> Response:
    return _login_page(request, next, why[:200] if why else None)


@router.get("/")
def home(request: Request) -> Response:
    session = sessions_of(request).get(request.cookies.get(COOKIE))
    return RedirectResponse(HOME[session.caller.role] if session else "/ui/login", status_code=303)


@router.post("/login")
def login(request: Request, api_key: str = Form(default=""), csrf_token: str = Form(default=""),
          next: str = Form(default=""), ctx: Clearance = Depends(get_ctx)) -> Response:
    if not tokens_match(request.cookies.get(LOGIN_COOKIE) or "", csrf_token) or not request.cookies.get(LOGIN_COOKIE):
        raise Forbidden("the sign-in form lacks its CSRF token (or it is stale); reload the page and sign in again")
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    try:
        caller = (authenticate(ctx, api_key.strip() or None) if limits is None
                  else limits.authenticate(ctx, api_key.strip() or None, client_address(request)))
    except Unauthorized as error:
        return _login_page(request, next, str(error), status=401)
    if caller.role not in STAFF:  # an outside resolver's key reads /sbr/v1 and the log, not the console
        return _login_page(request, next, f"a {caller.role.value} key reads the soft binding resolution API "
                           "only; sign in to the console with a staff key", status=403)
    token, _session = sessions_of(request).open(caller)
    response = RedirectResponse(_safe_next(next) or HOME[caller.role], status_code=303)
    response.set_cookie(COOKIE, token, max_age=sessions_of(request).ttl_s, path="/ui", secure=True, httponly=True,
                        samesite="strict")
    response.delete_cookie(LOGIN_COOKIE, path="/ui/login")
    return response


@router.post("/logout")
def logout(request: Request, _: WebSession = Depends(form(*ALL_ROLES))) -> Response:
    sessions_of(request).close(request.cookies.get(COOKIE))
    response = RedirectResponse("/ui/login?why=signed+out", status_code=303)
    response.delete_cookie(COOKIE, path="/ui", secure=True, httponly=True, samesite="strict")
    return response
