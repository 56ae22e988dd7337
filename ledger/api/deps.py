"""Request dependencies: the installation and the caller's role."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Header, Request

from ledger.api.rate_limits import RateLimits
from ledger.auth.keys import Caller, authenticate
from ledger.context import Clearance
from ledger.errors import Forbidden, Unauthorized
from ledger.records.enums import Role

READERS = (Role.admin, Role.registrar, Role.legal, Role.auditor)
WRITERS = (Role.admin, Role.registrar)
REVOKERS = (Role.admin, Role.registrar, Role.legal)
LEGAL = (Role.admin, Role.legal)
LOG_READERS = tuple(Role)
ADMINS = (Role.admin,)


def get_ctx(request: Request) -> Clearance:
    ctx: Clearance = request.app.state.clearance
    return ctx


def require(*roles: Role) -> Callable[..., Caller]:
    """A dependency that authenticates the caller, applies the rate limits and checks its role."""
    allowed = frozenset(roles)

    def dependency(request: Request, authorization: str | None = Header(default=None),
                   x_api_key: str | None = Header(default=None)) -> Caller:
        presented = x_api_key
        if authorization and authorization.lower().startswith("bearer "):
            presented = authorization[7:]
        limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
        address = request.client.host if request.client else "unknown"
        if limits is not None:
            limits.refuse_throttled_address(address)
        try:
            caller = authenticate(get_ctx(request), presented)
        except Unauthorized:
            if limits is not None and presented:  # a wrong key counts; no key at all is no guess
                limits.count_failure(address)
            raise
        if limits is not None:
            limits.hit_key(caller.key_id)
        if caller.role not in allowed:
            raise Forbidden(f"role '{caller.role.value}' may not do this; needs one of "
                            f"{', '.join(sorted(r.value for r in allowed))}")
        return caller

    dependency.__name__ = f"require_{'_'.join(sorted(r.value for r in allowed))}"
    return dependency
