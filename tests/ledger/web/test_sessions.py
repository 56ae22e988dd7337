"""Console session stores: in memory for one process, in Redis for every process of an installation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from ledger.auth.keys import Caller, revoke_key
from ledger.context import Clearance
from ledger.errors import ConfigurationError
from ledger.records.enums import Role
from ledger.settings import Settings
from ledger.web.sessions import MemorySessions, RedisSessions, Sessions, sessions_for, unshared_sessions_warning
from tests.ledger.web.console import Console, csrf_of

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL}")


@pytest.fixture(params=["memory", pytest.param("redis", marks=needs_redis)])
def store(request: pytest.FixtureRequest) -> Iterator[Sessions]:
    if request.param == "memory":
        yield MemorySessions(ttl_s=60)
        return
    yield RedisSessions(60, REDIS_URL, namespace=f"clearance-test-{uuid.uuid4().hex[:12]}")


def test_a_session_is_found_by_its_token_and_ended_by_closing_it(store: Sessions) -> None:
    caller = Caller("key1", Role.legal, "legal-jo")
    token, opened = store.open(caller)
    found = store.get(token)
    assert found is not None and found.caller == caller and found.csrf == opened.csrf
    assert store.get("not-" + token) is None and store.get(None) is None
    store.close(token)
    assert store.get(token) is None


def test_revoking_a_key_ends_every_session_it_opened_and_no_other(store: Sessions) -> None:
    first, _ = store.open(Caller("key1", Role.legal))
    second, _ = store.open(Caller("key1", Role.legal))
    other, _ = store.open(Caller("key2", Role.admin))
    store.close_key("key1")
    assert store.get(first) is None and store.get(second) is None
    assert store.get(other) is not None


def test_an_expired_session_is_not_returned(store: Sessions) -> None:
    store.ttl_s = 1
    token, _ = store.open(Caller("key1", Role.auditor))
    time.sleep(1.1)
    assert store.get(token) is None


def test_the_store_keeps_only_a_digest_of_the_token() -> None:
    store = MemorySessions(60)
    token, _ = store.open(Caller("key1", Role.legal))
    assert token not in repr(store._open)  # noqa: SLF001  (what a memory dump would show)


def _settings(tmp_path: object, **values: str) -> Settings:
    return Settings.load(environ={"CLEARANCE_HOME": str(tmp_path), **{f"CLEARANCE_{k.upper()}": v
                                                                       for k, v in values.items()}})


def test_the_store_follows_the_rate_limit_counters_unless_told_otherwise(tmp_path: object) -> None:
    assert isinstance(sessions_for(_settings(tmp_path)), MemorySessions)
    assert isinstance(sessions_for(_settings(tmp_path, rate_limit_storage_url=REDIS_URL)), RedisSessions)
    assert isinstance(sessions_for(_settings(tmp_path, rate_limit_storage_url=REDIS_URL,
                                             web_session_storage_url="memory://")), MemorySessions)
    with pytest.raises(ConfigurationError, match="CLEARANCE_WEB_SESSION_STORAGE_URL 'memcached://h:1'"):
        sessions_for(_settings(tmp_path, web_session_storage_url="memcached://user:pw@h:1"))


def test_several_server_processes_with_sessions_in_memory_are_warned_about(tmp_path: object) -> None:
    warning = unshared_sessions_warning(_settings(tmp_path), 2)
    assert warning is not None and "CLEARANCE_WEB_SESSION_STORAGE_URL" in warning
    assert unshared_sessions_warning(_settings(tmp_path), 1) is None
    assert unshared_sessions_warning(_settings(tmp_path, web_session_storage_url=REDIS_URL), 4) is None


def test_an_unreachable_session_store_stops_start_up_naming_the_setting(ctx: Clearance) -> None:
    ctx.settings.web_session_storage_url = "redis://user:secret@127.0.0.1:1/0"
    with pytest.raises(ConfigurationError) as raised:
        Console(ctx)
    assert "CLEARANCE_WEB_SESSION_STORAGE_URL" in str(raised.value) and "secret" not in str(raised.value)


@needs_redis
def test_with_redis_a_sign_in_holds_on_every_server_process_until_signed_out_or_revoked(ctx: Clearance) -> None:
    ctx.settings.web_session_storage_url = REDIS_URL
    one = Console(ctx)
    two = one.another_process()
    signed_in = one.signed_in("legal")
    elsewhere = two.client()
    elsewhere.cookies.set("clearance_session", signed_in.cookies["clearance_session"], domain="testserver.local")
    queue = elsewhere.get("/ui/reviews", follow_redirects=False)
    assert queue.status_code == 200, "the other process did not know the session"
    elsewhere.post("/ui/logout", data={"csrf_token": csrf_of(queue.text)}, follow_redirects=False)
    assert signed_in.get("/ui/reviews", follow_redirects=False).status_code == 303  # ended everywhere

    auditor = one.signed_in("auditor")
    assert auditor.get("/ui/reviews").status_code == 200
    revoke_key(ctx, one.key_ids["auditor"])
    assert auditor.get("/ui/reviews", follow_redirects=False).status_code == 303
