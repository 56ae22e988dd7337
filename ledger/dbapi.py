"""What every SQLite connection of ours is set to, and opening one without SQLAlchemy.

:mod:`ledger.db` applies :func:`configure_sqlite` to each connection its engines open;
:mod:`ledger.log.direct` opens the driver itself (a command that only signs a checkpoint
should not pay for importing the ORM) and gets the same settings from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

SQLITE_BUSY_TIMEOUT_S = 120


def configure_sqlite(connection: Any) -> None:
    """WAL with ``synchronous=FULL`` (a commit is on disk before it is acknowledged), foreign keys on,
    and a long busy timeout so writers in other processes queue for the lock instead of failing.
    The caller issues ``BEGIN`` itself (``isolation_level = None``)."""
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL; None for anything else (memory, URL options)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or len(url) == len(prefix):
        return None
    return Path(url[len(prefix):])


def open_existing_sqlite(path: Path) -> Any:
    """A configured connection to an existing database file (sqlite3.OperationalError if there is none:
    opening never creates one)."""
    import sqlite3

    connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=rw", uri=True,
                                 timeout=SQLITE_BUSY_TIMEOUT_S, check_same_thread=False)
    configure_sqlite(connection)
    return connection
