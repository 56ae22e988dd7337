"""Who is asking, by network address: the peer, or the client a trusted proxy names.

``X-Forwarded-For`` is only text a client wrote, so it is read only when the connection comes from a
proxy named in the ``trusted_proxies`` setting (empty by default: never). The header is read from
the right, past every trusted proxy: the first address that is not one is the client (an address a
client put further left is its own claim, so it is not believed). The failed-authentication limits
count against this address, so rotating the header from an untrusted address changes nothing.
uvicorn's own forwarded-header handling is off (``ledger.api.server``), so this is the one place.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in trusted)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: list[str], trusted: tuple[str, ...]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, then the rightmost untrusted
    address of the ``X-Forwarded-For`` values (all proxies trusted: the leftmost address)."""
    networks = _networks(trusted)
    if not networks or not _trusted(peer, networks):
        return peer
    chain = [part.strip() for value in forwarded_for for part in value.split(",") if part.strip()]
    for address in reversed(chain):
        if not _trusted(address, networks):
            return address
    return chain[0] if chain else peer


def client_address(request: Request) -> str:
    """The address of the client making ``request`` (see :func:`forwarded_client`)."""
    peer = request.client.host if request.client else "unknown"
    trusted = tuple(request.app.state.clearance.settings.trusted_proxies)
    if not trusted:
        return peer
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), trusted)
