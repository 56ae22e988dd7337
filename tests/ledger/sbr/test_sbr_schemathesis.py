"""Schemathesis over the SBR contract in sbr-openapi.yaml (not over our own OpenAPI document): whatever a
generated client sends, every answer is one the contract documents, with a body its schema accepts."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from ledger.api.app import create_app
from tests.ledger.sbr.conftest import Released
from tests.ledger.sbr.contract import CONTRACT

CHECK_NAMES = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
               "response_schema_conformance"]


@pytest.mark.slow
def test_the_api_conforms_to_the_sbr_contract(released: Released) -> None:
    import schemathesis
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
    from schemathesis.checks import CHECKS

    contract: dict[str, Any] = copy.deepcopy(CONTRACT)
    contract["servers"] = [{"url": "/sbr/v1"}]
    contract["paths"].pop("/.well-known/c2pa-soft-binding-resolution")  # at the root, not under apiEndpoint
    for operation in (op for ops in contract["paths"].values() for op in ops.values()):
        for status in ("401", "413", "429"):  # the key, body size and rate limits of the rest of the API
            operation["responses"].setdefault(status, {"description": "as the rest of the API"})
    released.ctx.settings.rate_limit_per_key = "1000000/minute"
    outer = FastAPI()
    outer.get("/sbr-contract.json", include_in_schema=False)(lambda: contract)
    outer.mount("/", create_app(released.ctx))
    schema = schemathesis.openapi.from_asgi("/sbr-contract.json", outer)
    checks = CHECKS.get_by_names(CHECK_NAMES)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            case.call_and_validate(headers=released.auth, checks=checks)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collected, so one run reports every operation that fails
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    assert not failures, "\n\n".join(failures)
