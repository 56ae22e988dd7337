"""An installation made before the resolver role existed can issue resolver keys after `init` upgrades it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.auth.keys import authenticate, create_key
from ledger.context import Clearance
from ledger.records.enums import Role
from ledger.settings import Settings
from ledger.setup import initialise
from tests.ledger.conftest import _pg_connect, drop_database, make_database_url


@pytest.mark.postgres
def test_init_adds_the_resolver_role_to_an_older_postgres_role_type(tmp_path: Path,
                                                                     postgres_available: bool) -> None:
    url, name = make_database_url("postgres", tmp_path, postgres_available)
    try:
        with _pg_connect(name) as conn:  # the role type as the previous version created it
            conn.execute("CREATE TYPE role AS ENUM ('admin', 'registrar', 'generator', 'legal', 'auditor')")
        ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(tmp_path / "home"), "CLEARANCE_DATABASE_URL": url}))
        try:
            result = initialise(ctx)
            assert "role.resolver" in result.upgraded
            secret, _ = create_key(ctx, "resolver")
            assert authenticate(ctx, secret).role is Role.resolver
            assert "role.resolver" not in initialise(ctx).upgraded  # once is enough
        finally:
            ctx.db.dispose()
    finally:
        drop_database(name)
