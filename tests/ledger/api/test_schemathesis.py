"""Schemathesis over every route, in process, on SQLite and PostgreSQL: no server errors, and every
answer conforms to the OpenAPI document (status, content type, headers, body schema).

Slow (a few minutes per backend); `scripts/fuzz_api.py` runs the same checks against a loopback
`clearance serve` with a larger budget and records the figures in RELIABILITY.md.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record

CHECK_NAMES = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
               "response_headers_conformance", "response_schema_conformance"]


@pytest.fixture
def admin_headers(ctx: Clearance) -> dict[str, str]:
    ctx.settings.rate_limit_per_key = "1000000/minute"
    return {"Authorization": f"Bearer {create_key(ctx, 'admin')[0]}"}


@pytest.mark.slow
def test_every_route_conforms_and_never_fails(ctx: Clearance, admin_headers: dict[str, str]) -> None:
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
    from schemathesis.checks import CHECKS

    create_record(ctx, KINDS["party"], {"kind": "person", "name": "Ana Lima", "id": "party_seed"}, "test")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(ctx))
    checks = CHECKS.get_by_names(CHECK_NAMES)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            # the generated values for the declared key schemes would replace the admin key: drop them
            case.headers = {k: v for k, v in (case.headers or {}).items()
                            if k.lower() not in ("authorization", "x-api-key")}
            case.call_and_validate(headers=admin_headers, checks=checks)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collected, so one run reports every route that fails
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert operations >= 60
    assert not failures, "\n\n".join(failures)
