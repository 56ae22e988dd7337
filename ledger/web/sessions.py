"""Console sessions: opened by a valid API key, held in the server's memory, ended by logout or expiry.

The cookie holds a random token; the server keeps only its SHA-256, so a
memory dump does not hand out live cookies. Each session has its own CSRF
token that every form must echo. Sessions live in the serving process: they
end when it restarts, and several server processes do not share them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from ledger.auth.keys import Caller

COOKIE = "clearance_session"
LOGIN_COOKIE = "clearance_login_csrf"


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


class Sessions:
    """Open sessions by token digest; expired ones are dropped when met."""

    def __init__(self, ttl_s: int) -> None:
        self.ttl_s = ttl_s
        self._open: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def open(self, caller: Caller) -> tuple[str, WebSession]:
        """A new session for ``caller``; returns the cookie token (never stored) and the session."""
        token = secrets.token_urlsafe(32)
        session = WebSession(caller, secrets.token_urlsafe(32), time.time() + self.ttl_s)
        with self._lock:
            now = time.time()
            for key in [k for k, s in self._open.items() if s.expires_at <= now]:
                del self._open[key]
            self._open[_digest(token)] = session
        return token, session

    def get(self, token: str | None) -> WebSession | None:
        if not token:
            return None
        key = _digest(token)
        with self._lock:
            session = self._open.get(key)
            if session is not None and session.expires_at <= time.time():
                del self._open[key]
                return None
            return session

    def close(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._open.pop(_digest(token), None)

    def close_key(self, key_id: str) -> None:
        """End every session a key opened (the key was revoked)."""
        with self._lock:
            for key in [k for k, s in self._open.items() if s.caller.key_id == key_id]:
                del self._open[key]
