"""Console sessions: opened by a valid API key, held by the server, ended by logout, expiry or revocation.

The cookie holds a random token; the server keeps only its SHA-256, so a dump of
the store does not hand out live cookies. Each session has its own CSRF token
that every form must echo. Sessions live where ``web_session_storage_url`` says
(by default where the rate-limit counters live): ``memory://`` keeps them in the
serving process, so they end when it restarts and several processes (``serve
--workers N``) do not share them; ``redis://host:port/db`` shares them between
every process of the installation, under its prefix (:mod:`ledger.shared_state`),
and Redis drops each one when it expires.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from ledger.auth.keys import Caller
from ledger.errors import ConfigurationError
from ledger.records.enums import Role
from ledger.settings import ENV_PREFIX, Settings
from ledger.shared_state import installation_namespace, shown_url

COOKIE = "clearance_session"
LOGIN_COOKIE = "clearance_login_csrf"
SETTING = f"{ENV_PREFIX}WEB_SESSION_STORAGE_URL"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(expected: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(expected.encode(), (presented or "").encode())


@dataclass(frozen=True)
class WebSession:
    caller: Caller
    csrf: str
    expires_at: float

    @property
    def remaining_s(self) -> int:
        return max(0, int(self.expires_at - time.time()))


class Sessions(ABC):
    """Open sessions by token digest; expired ones are never returned."""

    def __init__(self, ttl_s: int) -> None:
        self.ttl_s = ttl_s

    def open(self, caller: Caller) -> tuple[str, WebSession]:
        """A new session for ``caller``; returns the cookie token (never stored) and the session."""
        token = secrets.token_urlsafe(32)
        session = WebSession(caller, secrets.token_urlsafe(32), time.time() + self.ttl_s)
        self._put(_digest(token), session)
        return token, session

    def get(self, token: str | None) -> WebSession | None:
        if not token:
            return None
        digest = _digest(token)
        session = self._load(digest)
        if session is not None and session.expires_at <= time.time():
            self._drop(digest)
            return None
        return session

    def close(self, token: str | None) -> None:
        if token:
            self._drop(_digest(token))

    @abstractmethod
    def check(self) -> None:
        """Refuse to start when the store cannot be reached."""

    @abstractmethod
    def close_key(self, key_id: str) -> None:
        """End every session a key opened (the key was revoked)."""

    @abstractmethod
    def _put(self, digest: str, session: WebSession) -> None: ...

    @abstractmethod
    def _load(self, digest: str) -> WebSession | None: ...

    @abstractmethod
    def _drop(self, digest: str) -> None: ...


class MemorySessions(Sessions):
    """Sessions of this process only; expired ones are dropped when a new one opens."""

    def __init__(self, ttl_s: int) -> None:
        super().__init__(ttl_s)
        self._open: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def _put(self, digest: str, session: WebSession) -> None:
        with self._lock:
            now = time.time()
            for key in [k for k, s in self._open.items() if s.expires_at <= now]:
                del self._open[key]
            self._open[digest] = session

    def _load(self, digest: str) -> WebSession | None:
        with self._lock:
            return self._open.get(digest)

    def _drop(self, digest: str) -> None:
        with self._lock:
            self._open.pop(digest, None)

    def check(self) -> None:
        """Memory is always there."""

    def close_key(self, key_id: str) -> None:
        with self._lock:
            for key in [k for k, s in self._open.items() if s.caller.key_id == key_id]:
                del self._open[key]


class RedisSessions(Sessions):
    """Sessions shared by every server process of the installation, in Redis.

    One Redis key per session (its fields as JSON, expiring with it) and one set per API key of
    the sessions it opened, so revoking the key ends them all in every process.
    """

    def __init__(self, ttl_s: int, url: str, namespace: str, setting: str = SETTING) -> None:
        import redis

        super().__init__(ttl_s)
        self.url, self.setting = url, setting
        self._prefix = f"{namespace}:web"
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)
        try:
            self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        except ValueError as exc:
            raise ConfigurationError(f"{setting} {shown_url(url)!r} cannot be used: {exc}") from None

    def _session_key(self, digest: str) -> str:
        return f"{self._prefix}:session:{digest}"

    def _sessions_of_key(self, key_id: str) -> str:
        return f"{self._prefix}:sessions-of-key:{key_id}"

    def _failed(self) -> ConfigurationError:
        return ConfigurationError(f"{self.setting}: the console's session store at {shown_url(self.url)} failed; "
                                  "sign-in is unavailable until it answers")

    def check(self) -> None:
        try:
            self._redis.ping()
        except self._errors:
            raise ConfigurationError(f"{self.setting}: the console's session store at {shown_url(self.url)} "
                                     "cannot be reached") from None

    def _put(self, digest: str, session: WebSession) -> None:
        caller = session.caller
        fields = {"key_id": caller.key_id, "role": caller.role.value, "name": caller.name, "csrf": session.csrf,
                  "expires_at": session.expires_at}
        index = self._sessions_of_key(caller.key_id)
        try:
            with self._redis.pipeline() as pipe:  # MULTI/EXEC: the session and its index entry together
                pipe.set(self._session_key(digest), json.dumps(fields), ex=self.ttl_s)
                pipe.sadd(index, digest)
                pipe.expire(index, self.ttl_s)
                pipe.execute()
        except self._errors:
            raise self._failed() from None

    def _load(self, digest: str) -> WebSession | None:
        try:
            stored: Any = self._redis.get(self._session_key(digest))
        except self._errors:
            raise self._failed() from None
        if stored is None:
            return None
        fields = json.loads(stored)
        caller = Caller(fields["key_id"], Role(fields["role"]), fields["name"])
        return WebSession(caller, fields["csrf"], float(fields["expires_at"]))

    def _drop(self, digest: str) -> None:
        try:
            self._redis.delete(self._session_key(digest))
        except self._errors:
            raise self._failed() from None

    def close_key(self, key_id: str) -> None:
        index = self._sessions_of_key(key_id)
        try:
            digests: Any = self._redis.smembers(index)
            self._redis.delete(*(self._session_key(d.decode()) for d in digests), index)
        except self._errors:
            raise self._failed() from None


def sessions_for(settings: Settings) -> Sessions:
    """The session store the settings name: ``web_session_storage_url`` when set, else Redis when the
    rate-limit counters are there (so one Redis URL shares both), else this process's memory."""
    ttl_s = settings.web_session_minutes * 60
    url, setting = settings.web_session_storage_url, SETTING
    if url is None:
        shared = settings.rate_limit_storage_url
        url, setting = (shared, f"{ENV_PREFIX}RATE_LIMIT_STORAGE_URL") if shared.startswith(("redis://", "rediss://")) \
            else ("memory://", SETTING)
    if url == "memory://":
        return MemorySessions(ttl_s)
    if url.startswith(("redis://", "rediss://")):
        return RedisSessions(ttl_s, url, installation_namespace(settings), setting)
    raise ConfigurationError(f"{SETTING} {shown_url(url)!r} cannot be used: the console keeps sessions in "
                             "memory:// or redis://host:port/db")


def unshared_sessions_warning(settings: Settings, processes: int) -> str | None:
    """What ``serve --workers N`` should warn of when its processes would keep sessions apart."""
    if processes < 2 or not isinstance(sessions_for(settings), MemorySessions):
        return None
    return (f"{processes} server processes keep review console sessions apart: a sign-in holds only on the "
            f"process that opened it; set {SETTING} (or the rate-limit storage) to redis://... to share them")
