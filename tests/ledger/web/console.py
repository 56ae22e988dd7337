"""Signing in to the console from a test client."""

from __future__ import annotations

import copy
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
        created = {role: create_key(ctx, role, label=f"{role}-jo") for role in ROLES}
        self.keys = {role: secret for role, (secret, _) in created.items()}
        self.key_ids = {role: row.id for role, (_, row) in created.items()}
        self.app = create_app(ctx)

    def another_process(self) -> Console:
        """A second server process of the same installation: an app of its own, the same keys."""
        other = copy.copy(self)
        other.app = create_app(self.ctx)
        return other

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="https://testserver")

    def signed_in(self, role: str) -> TestClient:
        client = self.client()
        page = client.get("/ui/login")
        answer = client.post("/ui/login", data={"api_key": self.keys[role], "csrf_token": csrf_of(page.text)},
                             follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return client
