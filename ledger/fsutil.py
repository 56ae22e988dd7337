"""Atomic file writes: a temporary file in the same folder, then ``os.replace``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


TEMPORARY_GLOB = ".*.tmp"
"""The names :func:`write_atomic` gives its temporary files."""

ABANDONED_AFTER_S = 300.0
"""A temporary file untouched this long belongs to a write that was killed (a live write touches its file
as it goes and renames it at once when done), so it is safe to remove even with other processes running."""


def sweep_temporaries(root: Path, older_than_s: float = ABANDONED_AFTER_S) -> list[Path]:
    """Remove temporary files that killed :func:`write_atomic` calls left under ``root``; return them."""
    import time

    if not root.is_dir():
        return []
    cutoff = time.time() - older_than_s
    removed = []
    for path in root.rglob(TEMPORARY_GLOB):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            continue  # another process swept it first
    return removed
