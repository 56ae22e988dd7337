"""Recognising a full disk, whichever layer noticed it first.

A write can fail for want of space in the atomic file write (``ENOSPC`` from ``os.write`` or
``fsync``), in SQLite (``database or disk is full``) or in PostgreSQL (SQLSTATE 53100,
``disk_full``). Each becomes one :class:`~ledger.errors.StorageFull` naming the data directory
(never a file in it, nor its contents), so the API answers 507 and the CLI prints one line.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ledger.errors import StorageFull

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_SQLITE_FULL = "database or disk is full"
_OS_FULL = os.strerror(errno.ENOSPC)  # "No space left on device", as libraries that wrap it (FAISS) quote it
_POSTGRES_DISK_FULL = "53100"


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the disk or quota is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return True
        text = str(current)
        if _SQLITE_FULL in text or _OS_FULL in text or getattr(current, "sqlstate", None) == _POSTGRES_DISK_FULL:
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def storage_full(home: Path) -> StorageFull:
    return StorageFull(f"no space left on the device holding the data directory {home}; the request was not "
                       "completed. Free space there and retry", extra={"data_directory": str(home)})
