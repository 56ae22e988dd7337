"""The one error hierarchy of Clearance.

Every error a user can cause derives from :class:`ClearanceError`. Each class
carries the HTTP status and CLI exit code it maps to, and ``diagnostics()``
renders a plain-text explanation for people. Error text never contains
secrets: callers pass field names and record ids, never key material.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class FieldProblem:
    """One thing wrong with one field of the input."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class ClearanceError(Exception):
    """Root of every error Clearance raises on purpose."""

    status: int = 500
    exit_code: int = 1
    title: str = "Clearance error"
    slug: str = "error"

    def __init__(self, detail: str, *, problems: list[FieldProblem] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[FieldProblem] = problems or []
        self.extra: dict[str, Any] = extra or {}

    def __str__(self) -> str:
        if not self.problems:
            return self.detail
        return self.detail + " (" + "; ".join(f"{p.field}: {p.message}" for p in self.problems) + ")"

    def diagnostics(self) -> str:
        """A human-readable, multi-line explanation of what went wrong."""
        lines = [f"{self.title}: {self.detail}"]
        if len(self.problems) == 1:  # one thing wrong: one line
            return f"{lines[0]} ({self.problems[0].field}: {self.problems[0].message})"
        for problem in self.problems:
            lines.append(f"  - {problem.field}: {problem.message}")
        return "\n".join(lines)

    def problem_details(self, instance: str | None = None) -> dict[str, Any]:
        """RFC 9457 problem details for this error."""
        body: dict[str, Any] = {
            "type": f"https://clearance.dev/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.problems:
            body["errors"] = [p.as_dict() for p in self.problems]
        body.update(self.extra)
        return body


class ValidationFailed(ClearanceError):
    """Input did not match what was expected; ``problems`` names the fields."""

    status = 422
    exit_code = 2
    title = "Invalid input"
    slug = "invalid-input"


class NotFound(ClearanceError):
    status = 404
    exit_code = 3
    title = "Not found"
    slug = "not-found"


class Conflict(ClearanceError):
    """The request contradicts the current state (duplicate id, revoked twice, legal hold)."""

    status = 409
    exit_code = 4
    title = "Conflict"
    slug = "conflict"


class Unauthorized(ClearanceError):
    status = 401
    exit_code = 5
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(ClearanceError):
    status = 403
    exit_code = 5
    title = "Forbidden"
    slug = "forbidden"


class PayloadTooLarge(ClearanceError):
    status = 413
    exit_code = 2
    title = "Payload too large"
    slug = "payload-too-large"


class ConfigurationError(ClearanceError):
    """The installation is not set up as needed (missing key, unreadable weights...)."""

    status = 503
    exit_code = 6
    title = "Configuration error"
    slug = "configuration"


class IntegrityError(ClearanceError):
    """The log or the tables do not verify."""

    status = 500
    exit_code = 7
    title = "Integrity failure"
    slug = "integrity"


class MediaRejected(ClearanceError):
    """A media file could not be decoded or exceeded a limit."""

    status = 422
    exit_code = 2
    title = "Media rejected"
    slug = "media-rejected"


class ProvenanceError(ClearanceError):
    """Signing or reading a C2PA manifest failed."""

    status = 422
    exit_code = 8
    title = "Provenance error"
    slug = "provenance"


class InternalError(ClearanceError):
    """Something failed that no check anticipated; the traceback is in the server log under the request id."""

    status = 500
    exit_code = 1
    title = "Internal error"
    slug = "internal"


class RateLimited(ClearanceError):
    """Too many requests for one API key, or too many failed authentications from one address.

    ``retry_after`` (whole seconds) becomes the ``Retry-After`` header and ``retry_after_s`` in the body.
    """

    status = 429
    title = "Too many requests"
    slug = "rate-limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, extra={"retry_after_s": retry_after})
        self.retry_after = retry_after


class StorageFull(ClearanceError):
    """The disk holding the data directory (or the database) has no room left; nothing was half-written."""

    status = 507
    exit_code = 9
    title = "Insufficient storage"
    slug = "storage-full"
