"""Signing in to the console from a test client."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance

ROLES = ("admin", "registrar", "generator", "legal", "auditor")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Console:
    """A key per role (named after the role's holder) and an HTTPS test client (the cookie is Secure)."""

    def __init__(self, ctx: Clearance) -> None:
        self.ctx = ctx
        self.keys = {role: create_key(ctx, role, label=f"{role}-jo")[0] for role in ROLES}
        self.app = create_app(ctx)

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="https://testserver")

    def signed_in(self, role: str) -> TestClient:
        client = self.client()
        page = client.get("/ui/login")
        answer = client.post("/ui/login", data={"api_key": self.keys[role], "csrf_token": csrf_of(page.text)},
                             follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return client
