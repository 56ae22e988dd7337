"""Request limits per API key, and failed-authentication throttling per client address and per key.

A wrong key counts against the client's address (``ledger.api.client_address``) and, when it names a
key id (``clr_<id>_...``), against that id. Past ``auth_failure_limit``:

- a wrong key from that address is answered 429 without being looked at;
- a *valid* key from that address still passes: the lock-out was caused by other keys, and locking
  out everyone behind one address (an office's NAT, a proxy) for them would let one wrong script
  shut out a studio. Guessing a key through it gains nothing: secrets are 256 random bits;
- a key whose own id has failed that often (from any address) is refused 429, even with the right
  secret, until the window passes: someone is guessing that key's secret, and its holder should
  rotate it (``clearance keys revoke``).

Counters live in the ``limits`` storage named by ``rate_limit_storage_url``:
``memory://`` (one process) by default, ``redis://host:port`` to share them
between server processes, under the installation's prefix (:mod:`ledger.shared_state`).
"""

from __future__ import annotations

from typing import cast

import math
import time

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ledger.auth.keys import Caller, authenticate, key_id_of
from ledger.context import Clearance
from ledger.errors import ConfigurationError, FieldProblem, RateLimited, Unauthorized
from ledger.settings import ENV_PREFIX, Settings
from ledger.shared_state import installation_namespace, shown_url


def _parse(settings: Settings, name: str) -> list[RateLimitItem]:
    text = getattr(settings, name)
    try:
        items = parse_many(text)
    except ValueError:
        items = []
    if not items:
        raise ConfigurationError(f"invalid setting {ENV_PREFIX}{name.upper()}", problems=[FieldProblem(
            f"{ENV_PREFIX}{name.upper()}", f"{text!r} is not a rate limit such as '600/minute' or "
                                             "'20/second;600/minute'")])
    return items


class RateLimits:
    """The limits of one installation, checked by the authentication dependency."""

    def __init__(self, settings: Settings) -> None:
        self.per_key = _parse(settings, "rate_limit_per_key")
        self.auth_failures = _parse(settings, "auth_failure_limit")
        self.url = settings.rate_limit_storage_url
        try:
            # a synchronous URL (memory://, redis://) gives a synchronous storage; async ones are not offered
            self.storage = cast(Storage, storage_from_string(self.url, wrap_exceptions=True))
        except Exception as exc:  # noqa: BLE001  (limits raises ConfigurationError, ValueError or driver errors)
            raise ConfigurationError(f"{ENV_PREFIX}RATE_LIMIT_STORAGE_URL {self.url!r} cannot be used: {exc}") from None
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.namespace = installation_namespace(settings)

    def check_storage(self) -> None:
        """Refuse to start when the counters' storage cannot be reached."""
        try:
            reachable = self.storage.check()
        except Exception:  # noqa: BLE001
            reachable = False
        if not reachable:
            raise ConfigurationError(f"{ENV_PREFIX}RATE_LIMIT_STORAGE_URL: the rate-limit storage at "
                                     f"{shown_url(self.url)} cannot be reached")

    def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        stats = self.limiter.get_window_stats(item, self.namespace, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _storage_failed(self) -> ConfigurationError:
        return ConfigurationError(f"{ENV_PREFIX}RATE_LIMIT_STORAGE_URL: the rate-limit storage at "
                                  f"{shown_url(self.url)} failed; requests are refused until it answers")

    def _locked(self, counter: str, identifier: str) -> RateLimited | None:
        """The 429 to answer when ``identifier`` has used up its failed authentications, else None."""
        what = "this address" if counter == "auth-failures" else f"API key {identifier}"
        try:
            for item in self.auth_failures:
                if not self.limiter.test(item, self.namespace, counter, identifier):
                    return RateLimited(f"too many failed authentications for {what} (limit {item}); "
                                       "wait before trying again",
                                       retry_after=self._retry_after(item, counter, identifier))
        except StorageError:
            raise self._storage_failed() from None
        return None

    def authenticate(self, ctx: Clearance, presented: str | None, address: str) -> Caller:
        """The caller of ``presented``, with the failed-authentication limits applied (module docstring):
        a key id that failed too often is refused; a wrong key counts against the address and the id,
        and gets 429 once the address is locked out; a valid key passes the address's lock-out."""
        key_id = key_id_of(presented)
        if key_id is not None:
            locked = self._locked("auth-key-failures", key_id)
            if locked is not None:
                raise locked
        try:
            return authenticate(ctx, presented)
        except Unauthorized:
            if not presented:  # no key at all is no guess
                raise
            locked = self._locked("auth-failures", address)
            self._count_failure(address, key_id)
            if locked is not None:
                raise locked from None
            raise

    def _count_failure(self, address: str, key_id: str | None) -> None:
        try:
            for item in self.auth_failures:
                self.limiter.hit(item, self.namespace, "auth-failures", address)
                if key_id is not None:
                    self.limiter.hit(item, self.namespace, "auth-key-failures", key_id)
        except StorageError:
            raise self._storage_failed() from None

    def hit_key(self, key_id: str) -> None:
        """Count one request of API key ``key_id``; 429 once it is over any of its limits."""
        try:
            for item in self.per_key:
                if not self.limiter.hit(item, self.namespace, "key", key_id):
                    raise RateLimited(f"API key {key_id} is over its request limit ({item})",
                                      retry_after=self._retry_after(item, "key", key_id))
        except StorageError:
            raise self._storage_failed() from None
