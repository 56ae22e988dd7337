"""What the OpenAPI document promises beyond the routes' own signatures.

Every error is answered as RFC 9457 problem details (``application/problem+json``), so every
operation documents the error statuses it can answer with that media type and the
:class:`Problem` schema: 401, 403, 413, 422 and 429 everywhere (every route authenticates,
checks the role and limits the request), 404 where the path names something or a write may
refer to something missing, 409 and 507 on writes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"

DESCRIPTIONS = {
    "400": "an invalid soft binding resolution query (the C2PA SBR contract answers 400, not 422)",
    "401": "no API key, or one that is malformed, unknown or revoked (with `WWW-Authenticate`)",
    "403": "the key's role may not use this route",
    "404": "what the path or the request names does not exist",
    "409": "the request contradicts the current state (duplicate id, already revoked, legal hold)",
    "413": "the request body passes max_upload_bytes",
    "422": "invalid input; `errors` names each field",
    "429": "too many requests for the key, or too many wrong keys from the address (`Retry-After`)",
    "507": "no space left where the data directory is; nothing was written",
}


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="a URI naming the kind of problem")
    title: str
    status: int
    detail: str
    instance: str | None = Field(default=None, description="the path that was requested")
    errors: list[FieldError] | None = Field(default=None, description="each field that was wrong")


def statuses_for(method: str, path: str) -> list[str]:
    statuses = ["401", "403", "413", "422", "429"]
    if path.startswith("/sbr/"):
        statuses.append("400")
    if "{" in path or method != "get" or path.startswith("/v1/log/proofs"):
        statuses.append("404")
    if method != "get" or path.startswith("/v1/log/proofs"):  # a proof between sizes the log never had: 409
        statuses.append("409")
    if method != "get":
        statuses.append("507")
    return sorted(statuses)


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses to every operation of an OpenAPI document (in place; returned)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in Problem.model_json_schema(ref_template="#/components/schemas/{model}").get(
            "$defs", {}).items():
        components[name] = definition
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem_schema.pop("$defs", None)
    components["Problem"] = problem_schema
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    reference = {"$ref": "#/components/schemas/Problem"}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in statuses_for(method, path):
                responses[status] = {"description": DESCRIPTIONS[status],
                                      "content": {PROBLEM_JSON: {"schema": reference}}}
    return schema


def install(app: FastAPI) -> None:
    """Serve the OpenAPI document with the problem responses added (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
