"""A test client of an installation's API with one key per role."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance

ROLES = ("admin", "registrar", "generator", "legal", "auditor")
Headers = dict[str, dict[str, str]]


def role_headers(ctx: Clearance, roles: Iterable[str] = ROLES) -> Headers:
    """``{role: {"Authorization": "Bearer <a new key of that role>"}}``."""
    return {role: {"Authorization": f"Bearer {create_key(ctx, role)[0]}"} for role in roles}


def keyed_client(ctx: Clearance, roles: Iterable[str] = ROLES) -> tuple[TestClient, Headers]:
    return TestClient(create_app(ctx)), role_headers(ctx, roles)
