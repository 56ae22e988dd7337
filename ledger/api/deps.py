"""Request dependencies: the installation and the caller's role."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ledger.api.client_address import client_address
from ledger.api.rate_limits import RateLimits
from ledger.auth.keys import Caller, authenticate
from ledger.context import Clearance
from ledger.errors import Forbidden
from ledger.records.enums import Role
from ledger.roles import ADMINS, LEGAL, LOG_READERS, READERS, REVOKERS, STAFF, WRITERS  # the one role table

__all__ = ["ADMINS", "LEGAL", "LOG_READERS", "READERS", "REVOKERS", "STAFF", "WRITERS", "get_ctx", "require"]


# Declared through FastAPI's security classes so the OpenAPI document names both schemes and /docs can
# authorize; auto_error is off because a missing or wrong key is answered by `require` (401 with
# WWW-Authenticate, and the failed-authentication throttle), not by FastAPI's plain 403.
bearer = HTTPBearer(auto_error=False, scheme_name="BearerKey",
                    description="`Authorization: Bearer <key>` with a key from `clearance keys create`")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKeyHeader",
                              description="the same key in an `X-API-Key` header")


def clearance_of(request: Request) -> Clearance:
    """The installation the application serves."""
    ctx: Clearance = request.app.state.clearance
    return ctx


async def get_ctx(request: Request) -> Clearance:
    """The installation, as a dependency; ``async`` because FastAPI runs a plain function in a thread of its own."""
    return clearance_of(request)


def require(*roles: Role) -> Callable[..., Caller]:
    """A dependency that authenticates the caller, applies the rate limits and checks its role."""
    allowed = frozenset(roles)

    def dependency(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
                   x_api_key: str | None = Depends(api_key_header)) -> Caller:
        presented = credentials.credentials if credentials is not None else x_api_key
        limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
        if limits is None:
            caller = authenticate(clearance_of(request), presented)
        else:
            caller = limits.authenticate(clearance_of(request), presented, client_address(request))
            limits.hit_key(caller.key_id)
        if caller.role not in allowed:
            raise Forbidden(f"role '{caller.role.value}' may not do this; needs one of "
                            f"{', '.join(sorted(r.value for r in allowed))}")
        return caller

    dependency.__name__ = f"require_{'_'.join(sorted(r.value for r in allowed))}"
    return dependency
