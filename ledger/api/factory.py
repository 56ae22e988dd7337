"""The application factory for ``clearance serve --workers N``: each server process builds its own.

uvicorn starts worker processes from an import string, so every process opens the installation
from the settings (environment and settings file, as the parent did), sets up logging the way
``serve`` does, and makes its own app. Jobs interrupted by a restart are dealt with once, by the
parent, before the workers start (``clearance serve``), never by each worker.
"""

from __future__ import annotations

from fastapi import FastAPI

from ledger.api.app import create_app
from ledger.context import Clearance
from ledger.observability import configure_logging


def app_from_settings() -> FastAPI:
    ctx = Clearance.open()
    configure_logging(ctx.settings.log_format or "json", ctx.settings.log_level or "INFO")
    ctx.check_ready()
    return create_app(ctx)
