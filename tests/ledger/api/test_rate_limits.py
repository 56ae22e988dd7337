"""Per-key request limits and failed-authentication throttling per client address: 429 with Retry-After
and a problem+json body; counters shared through Redis when configured."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.context import Clearance
from ledger.errors import ConfigurationError

REDIS_URL = "redis://127.0.0.1:6379"


def assert_throttled(response, limit_seconds: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= limit_seconds
    body = response.json()
    assert body["status"] == 429 and body["type"].endswith("/rate-limited") and body["retry_after_s"] == retry_after


def test_a_burst_over_the_per_key_limit_gets_429(ctx: Clearance) -> None:
    ctx.settings.rate_limit_per_key = "5/minute"
    client = TestClient(create_app(ctx))
    first, second = ({"X-API-Key": create_key(ctx, "auditor")[0]} for _ in range(2))
    answers = [client.get("/v1/log/checkpoint", headers=first).status_code for _ in range(8)]
    assert answers == [200] * 5 + [429] * 3
    assert_throttled(client.get("/v1/log/checkpoint", headers=first), 60)
    assert "over its request limit" in client.get("/v1/parties", headers=first).json()["detail"]
    assert client.get("/v1/log/checkpoint", headers=second).status_code == 200  # limits are per key


def test_wrong_keys_are_throttled_per_address(ctx: Clearance) -> None:
    ctx.settings.auth_failure_limit = "3/minute"
    client = TestClient(create_app(ctx))
    valid = {"Authorization": f"Bearer {create_key(ctx, 'auditor')[0]}"}
    for _ in range(10):  # no key at all is refused, but is no guess and is not counted
        assert client.get("/v1/log/checkpoint").status_code == 401
    assert client.get("/v1/log/checkpoint", headers=valid).status_code == 200
    wrong = [{"X-API-Key": "clr_000000000000_guess"}, {"Authorization": "Bearer not-a-key"},
             {"X-API-Key": valid["Authorization"][7:-2] + "xx"}]
    assert [client.get("/v1/log/checkpoint", headers=w).status_code for w in wrong] == [401] * 3
    throttled = client.get("/v1/log/checkpoint", headers=wrong[0])  # the address waits for a wrong key
    assert_throttled(throttled, 60)
    assert "failed authentications" in throttled.json()["detail"]
    # a valid key passes the lock-out other keys caused (tests/ledger/api/test_forwarded.py has the rest)
    assert client.get("/v1/log/checkpoint", headers=valid).status_code == 200
    other_address = TestClient(client.app, client=("192.0.2.7", 50000))
    assert other_address.get("/v1/log/checkpoint", headers={"X-API-Key": "clr_00000000000a_guess"}).status_code == 401


@pytest.mark.parametrize("name, value", [("rate_limit_per_key", "lots"), ("auth_failure_limit", ""),
                                         ("rate_limit_storage_url", "nosuch://here"),
                                         ("rate_limit_storage_url", "redis://127.0.0.1:1")])
def test_bad_rate_limit_settings_stop_start_up_naming_the_setting(ctx: Clearance, name: str, value: str) -> None:
    setattr(ctx.settings, name, value)
    with pytest.raises(ConfigurationError) as raised:
        create_app(ctx)
    assert f"CLEARANCE_{name.upper()}" in str(raised.value)


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_redis_storage_shares_counters_between_servers(ctx: Clearance) -> None:
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    ctx.settings.rate_limit_storage_url = REDIS_URL
    ctx.settings.rate_limit_per_key = "4/minute"
    ctx.settings.auth_failure_limit = "2/minute"
    one, two = TestClient(create_app(ctx)), TestClient(create_app(ctx))  # two server processes, one Redis
    key = {"X-API-Key": create_key(ctx, "auditor")[0]}
    answers = [server.get("/v1/log/checkpoint", headers=key).status_code for server in (one, two, one, two, one, two)]
    assert answers == [200] * 4 + [429] * 2
    assert_throttled(two.get("/v1/log/checkpoint", headers=key), 60)
    wrong = [{"X-API-Key": f"clr_{i:012x}_guess"} for i in range(3)]  # each a key id of its own: the address counts
    assert [s.get("/v1/log/checkpoint", headers=w).status_code for s, w in zip((one, two, one), wrong)] == [401, 401, 429]
