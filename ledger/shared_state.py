"""Where state that several server processes must share lives: rate-limit counters, console sessions.

Both are kept in the process (``memory://``) unless a ``redis://`` URL is configured. Keys in a
shared store are prefixed with :func:`installation_namespace`, so the servers of one installation
share them and two installations on one Redis never meet.
"""

from __future__ import annotations

import hashlib

from ledger.settings import Settings


def installation_namespace(settings: Settings) -> str:
    """The prefix of this installation's keys in a shared store: a digest of its database URL."""
    return "clearance-" + hashlib.sha256(settings.resolved_database_url.encode()).hexdigest()[:16]


def shown_url(url: str) -> str:
    """A store URL fit for messages and logs: any user name and password are left out."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
