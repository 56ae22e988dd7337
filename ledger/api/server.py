"""Running the API under uvicorn: the options one server process and several share.

uvicorn's several-process mode (``clearance serve --workers N``) binds the listening socket
itself, without naming the protocol, so asyncio does not recognise the connections it accepts
as TCP and leaves Nagle's algorithm on. A response written in more than one piece then waits
for the client's delayed acknowledgement: about 40 ms added to every request, measured on
loopback (one process: 2 ms for a checkpoint read; two processes: 48 ms). The protocol class
here turns Nagle off on every accepted connection, in both modes.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def disable_nagle(transport: asyncio.BaseTransport) -> None:
    """Send small writes at once on a TCP connection (no-op for other transports)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with Nagle's algorithm off on each connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn declares it
        disable_nagle(transport)
        super().connection_made(transport)


def uvicorn_options(host: str, port: int) -> dict[str, Any]:
    """What every ``uvicorn.run`` of ours passes: where to listen, the protocol, and no logging of its own.

    uvicorn's logging setup and access log stay off: its access line would record query strings,
    where a client may have put a key; ``RequestLogMiddleware`` writes one without them. Its
    forwarded-header handling is off too: by default it believes ``X-Forwarded-For`` from 127.0.0.1,
    so any local client could name itself any address; ``ledger.api.client_address`` reads the header
    only from the proxies the ``trusted_proxies`` setting names.
    """
    return {"host": host, "port": port, "http": NoDelayHttpProtocol, "loop": "uvloop", "log_config": None,
            "access_log": False, "proxy_headers": False}
