"""``/docs`` (Swagger UI) and ``/redoc`` from files this server holds, so the API docs work offline.

The scripts and styles come from the installed ``fastapi-offline`` package; no
page loads anything from a CDN or a font service.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

FAVICON = "/ui/static/favicon.svg"
REDOC_JS = "/redoc-offline.js"
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
"""ReDoc's bundle shows its maker's logo from a CDN; the bundle is served with the console's icon in its place."""


def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/docs-assets", StaticFiles(directory=assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css", swagger_favicon_url=FAVICON,
                                   swagger_ui_parameters={"validatorUrl": None})  # no badge from validator.swagger.io

    redoc_bundle = (assets_dir() / "redoc.standalone.js").read_bytes().replace(REDOC_CDN_LOGO, FAVICON.encode())

    @app.get(REDOC_JS, include_in_schema=False)
    def redoc_js() -> Response:
        return Response(redoc_bundle, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{app.title} API",
                              redoc_js_url=REDOC_JS, redoc_favicon_url=FAVICON,
                              with_google_fonts=False)
