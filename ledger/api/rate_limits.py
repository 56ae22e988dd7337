"""Request limits per API key and failed-authentication throttling per client address.

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

from ledger.errors import ConfigurationError, FieldProblem, RateLimited
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

    def refuse_throttled_address(self, address: str) -> None:
        """429 when ``address`` has used up its failed authentications (checked before any key is)."""
        try:
            for item in self.auth_failures:
                if not self.limiter.test(item, self.namespace, "auth-failures", address):
                    raise RateLimited(f"too many failed authentications from this address (limit {item}); "
                                      "wait before trying again",
                                      retry_after=self._retry_after(item, "auth-failures", address))
        except StorageError:
            raise self._storage_failed() from None

    def count_failure(self, address: str) -> None:
        try:
            for item in self.auth_failures:
                self.limiter.hit(item, self.namespace, "auth-failures", address)
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
