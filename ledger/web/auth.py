"""Who is asking, for a page: the session's caller, held to the roles of the API route the page mirrors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from fastapi import Depends, Request

from ledger.api.deps import clearance_of
from ledger.api.rate_limits import RateLimits
from ledger.errors import Forbidden, Unauthorized
from ledger.records.enums import Role
from ledger.records.models import ApiKey
from ledger.web.sessions import COOKIE, Sessions, WebSession, tokens_match


class LoginRequired(Unauthorized):
    """No open session: a page answers with the sign-in page instead."""


def sessions_of(request: Request) -> Sessions:
    # Starlette's State holds attributes as Any; the app sets web_sessions to a Sessions at startup
    return cast(Sessions, request.app.state.web_sessions)


def page(*roles: Role) -> Callable[[Request], WebSession]:
    """A dependency: the open session (else LoginRequired) whose key is still valid and has one of ``roles``."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> WebSession:
        sessions = sessions_of(request)
        token = request.cookies.get(COOKIE)
        session = sessions.get(token)
        if session is None:
            raise LoginRequired("sign in to continue")
        with clearance_of(request).db.reader() as db:
            key = db.get(ApiKey, session.caller.key_id)
        if key is None or key.revoked_at is not None:
            sessions.close_key(session.caller.key_id)
            raise LoginRequired("the key this session was opened with has been revoked; sign in again")
        limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
        if limits is not None:
            limits.hit_key(session.caller.key_id)
        request.state.web_session = session
        if session.caller.role not in allowed:
            raise Forbidden(f"role '{session.caller.role.value}' may not open this page; it needs one of "
                            f"{', '.join(sorted(r.value for r in allowed))}")
        return session

    dependency.__name__ = f"page_{'_'.join(sorted(r.value for r in allowed))}"
    return dependency


def form(*roles: Role) -> Callable[..., Awaitable[WebSession]]:
    """Like :func:`page`, for a posted form: it must also carry the session's CSRF token."""
    base = page(*roles)

    async def dependency(request: Request, session: WebSession = Depends(base)) -> WebSession:
        posted = await request.form()
        presented = posted.get("csrf_token")
        if not tokens_match(session.csrf, presented if isinstance(presented, str) else None):
            raise Forbidden("this form lacks its CSRF token (or it is stale); reload the page and submit again")
        return session

    return dependency
