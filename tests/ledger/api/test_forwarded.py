"""Forwarded addresses and failed-authentication lock-outs, through a real uvicorn server on loopback.

``X-Forwarded-For`` counts only from a proxy named in ``trusted_proxies`` (empty by default), so a
client cannot dodge the failed-authentication limit, or lift a lock-out, by rotating the header. Failures
count per address and per key id; a valid key passes a lock-out that other keys caused.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from ledger.api.app import create_app
from ledger.api.client_address import forwarded_client
from ledger.api.server import uvicorn_options
from ledger.auth.keys import create_key
from ledger.context import Clearance
from tests.ledger.web.console import Console, csrf_of

CHECKPOINT = "/v1/log/checkpoint"
_wrong_ids = iter(range(1, 10_000))


def wrong() -> dict[str, str]:
    """A wrong key naming a key id no other wrong key named: it counts against the address alone."""
    return {"X-API-Key": f"clr_{next(_wrong_ids):012x}_guess"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve(sqlite_ctx: Clearance) -> Iterator[tuple[Clearance, object]]:
    """``start(trusted_proxies)`` runs the app under uvicorn, as ``clearance serve`` does; answers a client."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []
    sqlite_ctx.settings.auth_failure_limit = "3/minute"

    def start(trusted: list[str]) -> httpx.Client:
        sqlite_ctx.settings.trusted_proxies = trusted
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(sqlite_ctx), **uvicorn_options("127.0.0.1", port)))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    yield sqlite_ctx, start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=30)


def _status(client: httpx.Client, headers: dict[str, str], forwarded: str | None = None) -> int:
    extra = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.get(CHECKPOINT, headers={**headers, **extra}).status_code


def test_rotating_forwarded_for_from_an_untrusted_address_changes_nothing(serve) -> None:  # type: ignore[no-untyped-def]
    ctx, start = serve
    client = start([])  # the default: no proxy trusted, not even 127.0.0.1
    valid = {"X-API-Key": create_key(ctx, "auditor")[0]}
    answers = [_status(client, wrong(), f"198.51.100.{i}") for i in range(1, 7)]
    assert answers == [401] * 3 + [429] * 3  # one address, whatever the header says
    assert _status(client, wrong(), "203.0.113.99") == 429  # a new header value lifts nothing
    assert _status(client, valid, "203.0.113.100") == 200  # a valid key passes the lock-out other keys caused


def test_a_trusted_proxy_names_the_client_and_a_client_cannot_name_itself(serve) -> None:  # type: ignore[no-untyped-def]
    ctx, start = serve
    client = start(["127.0.0.1"])  # the server sits behind a proxy on this machine
    assert [_status(client, wrong(), "198.51.100.1") for _ in range(4)] == [401, 401, 401, 429]
    assert _status(client, wrong(), "198.51.100.2") == 401  # another client behind the proxy: its own count
    # a client behind the proxy writes its own header; the proxy appends the address it saw
    assert _status(client, wrong(), "203.0.113.5, 198.51.100.1") == 429
    assert _status(client, {"X-API-Key": create_key(ctx, "auditor")[0]}, "198.51.100.1") == 200


def test_a_key_whose_secret_is_being_guessed_is_locked_out_from_every_address(serve) -> None:  # type: ignore[no-untyped-def]
    ctx, start = serve
    client = start(["127.0.0.1"])
    secret = create_key(ctx, "auditor")[0]
    guessed = {"X-API-Key": secret[:-2] + ("aa" if not secret.endswith("aa") else "bb")}
    assert [_status(client, guessed, f"198.51.100.{i}") for i in range(1, 4)] == [401] * 3
    assert _status(client, {"X-API-Key": secret}, "203.0.113.7") == 429  # its id failed 3 times: rotate it
    other = {"X-API-Key": create_key(ctx, "auditor")[0]}
    assert _status(client, other, "198.51.100.1") == 200  # other keys are not held back


def test_console_sign_in_passes_an_address_lock_out_with_a_valid_key(sqlite_ctx: Clearance) -> None:
    sqlite_ctx.settings.auth_failure_limit = "3/minute"
    console = Console(sqlite_ctx)
    browser = console.client()
    for _ in range(4):
        page = browser.get("/ui/login")
        browser.post("/ui/login", data={"api_key": wrong()["X-API-Key"], "csrf_token": csrf_of(page.text)})
    page = browser.get("/ui/login")
    refused = browser.post("/ui/login", data={"api_key": wrong()["X-API-Key"], "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 429
    page = browser.get("/ui/login")
    signed_in = browser.post("/ui/login", data={"api_key": console.keys["legal"], "csrf_token": csrf_of(page.text)},
                             follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text


@pytest.mark.parametrize("peer, header, trusted, client", [
    ("127.0.0.1", ["198.51.100.1"], (), "127.0.0.1"),
    ("192.0.2.1", ["198.51.100.1"], ("127.0.0.1",), "192.0.2.1"),
    ("127.0.0.1", ["198.51.100.1"], ("127.0.0.1",), "198.51.100.1"),
    ("10.0.0.2", ["203.0.113.5, 198.51.100.1, 10.0.0.1"], ("10.0.0.0/8",), "198.51.100.1"),
    ("10.0.0.2", ["203.0.113.5", "198.51.100.1"], ("10.0.0.0/8",), "198.51.100.1"),
    ("10.0.0.2", ["10.0.0.9"], ("10.0.0.0/8",), "10.0.0.9"),
    ("10.0.0.2", [], ("10.0.0.0/8",), "10.0.0.2"),
    ("::1", ["2001:db8::5"], ("::1",), "2001:db8::5"),
])
def test_the_client_is_the_rightmost_address_no_trusted_proxy_added(peer: str, header: list[str],
                                                                   trusted: tuple[str, ...], client: str) -> None:
    assert forwarded_client(peer, header, trusted) == client


def test_trusted_proxies_are_read_from_the_environment_and_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ledger.errors import ConfigurationError
    from ledger.settings import Settings

    env = {"CLEARANCE_HOME": str(tmp_path), "CLEARANCE_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}
    assert Settings.load(environ=env).trusted_proxies == ["10.0.0.5", "10.1.0.0/16"]
    assert Settings.load(environ={"CLEARANCE_HOME": str(tmp_path)}).trusted_proxies == []
    with pytest.raises(ConfigurationError) as refused:
        Settings.load(environ={**env, "CLEARANCE_TRUSTED_PROXIES": "proxy.local"})
    assert "CLEARANCE_TRUSTED_PROXIES" in str(refused.value)
