"""Errors on console pages: a sign-in redirect, or the error as a page (never a traceback)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ledger.errors import ClearanceError
from ledger.web.auth import LoginRequired
from ledger.web.templating import render


def is_page(request: Request) -> bool:
    return request.url.path == "/ui" or request.url.path.startswith("/ui/")


def page_error(request: Request, error: ClearanceError) -> Response:
    if isinstance(error, LoginRequired):
        target = request.url.path if request.method == "GET" else "/ui/"
        return RedirectResponse(f"/ui/login?next={quote(target)}&why={quote(str(error))}", status_code=303)
    problems = [{"field": p.field, "message": p.message} for p in getattr(error, "problems", []) or []]
    return render(request, "error.html", {"title": error.title, "detail": str(error), "problems": problems},
                  status=error.status)
