"""The review console: server-rendered pages in the API's own FastAPI app.

People sign in with an API key, which opens a session held by the server, in its
memory or in Redis (a Secure, HttpOnly, SameSite=Strict cookie carries only its random id); every form
carries the session's CSRF token, and every page checks the same roles as the
API route it mirrors. :func:`install` adds the pages, the static files and the
offline API docs to an app.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from ledger.context import Clearance

__all__ = ["install"]


def install(app: FastAPI, ctx: Clearance) -> None:
    """Add the console's routes, static files, ``/`` (to the console) and the offline ``/docs`` and ``/redoc``."""
    from ledger.web import docs, login, media, pages_log, pages_queue, pages_records, pages_review
    from ledger.web.sessions import sessions_for
    from ledger.web.templating import mount_static

    app.state.web_sessions = sessions_for(ctx.settings)
    app.state.web_sessions.check()
    mount_static(app)
    docs.install(app)
    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        """The server's root leads to the console: its home page for a session, else the sign-in page."""
        return RedirectResponse("/ui/", status_code=303)

    for module in (login, pages_queue, pages_review, media, pages_records, pages_log):
        app.include_router(module.router, prefix="/ui", include_in_schema=False)
