"""The server's connections send small writes at once, in the several-process mode too."""

from __future__ import annotations

import socket
from typing import Any

from ledger.api.server import NoDelayHttpProtocol, disable_nagle, uvicorn_options


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default


def _accepted_like_uvicorns_workers() -> tuple[socket.socket, socket.socket, socket.socket]:
    """A connection accepted on a listening socket made as uvicorn makes it for several processes:
    without naming the protocol, which is why asyncio leaves Nagle's algorithm on."""
    listener = socket.socket(family=socket.AF_INET, type=socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    return listener, client, accepted


def test_a_connection_accepted_like_uvicorns_workers_starts_with_nagle_on() -> None:
    listener, client, accepted = _accepted_like_uvicorns_workers()
    with listener, client, accepted:
        assert accepted.proto == 0  # asyncio's own TCP_NODELAY is only for sockets that name IPPROTO_TCP
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0


def test_disable_nagle_turns_it_off_on_that_connection() -> None:
    listener, client, accepted = _accepted_like_uvicorns_workers()
    with listener, client, accepted:
        disable_nagle(_Transport(accepted))  # type: ignore[arg-type]
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_disable_nagle_leaves_a_unix_socket_alone() -> None:
    left, right = socket.socketpair()
    with left, right:
        disable_nagle(_Transport(left))  # type: ignore[arg-type]  # no TCP option to set: no error either


def test_every_server_run_uses_the_protocol_that_disables_nagle() -> None:
    options = uvicorn_options("127.0.0.1", 8750)
    assert options["http"] is NoDelayHttpProtocol
    assert options["access_log"] is False and options["log_config"] is None  # the query-string-free log only
