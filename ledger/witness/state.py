"""A witness's own state: the latest checkpoint it cosigned for each log, one file per origin.

Each file holds the cosigned note (the log's verified signatures and the witness's own). It is
replaced atomically and durably (temporary file, fsync, rename, fsync of the folder) before the
witness answers, and the check of the old size and the write happen under one lock shared by every
process using the folder (``flock``), so the witness never cosigns two different trees of one size.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.fsutil import write_atomic
from ledger.log.merkle import EMPTY_ROOT
from ledger.log.note import Checkpoint
from ledger.witness.wire import SignedNote

CHECKPOINTS = "checkpoints"
LOCK_FILE = "state.lock"


def origin_hash(origin: str) -> str:
    """The monitoring path's name of a log: lowercase hex SHA-256 of its origin."""
    return hashlib.sha256(origin.encode()).hexdigest()


class WitnessState:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._thread_lock = threading.Lock()
        (folder / CHECKPOINTS).mkdir(parents=True, exist_ok=True)

    def _path(self, origin: str) -> Path:
        return self.folder / CHECKPOINTS / f"{origin_hash(origin)}.note"

    def note_by_hash(self, hex_hash: str) -> str | None:
        if len(hex_hash) != 64 or any(c not in "0123456789abcdef" for c in hex_hash):
            return None
        path = self.folder / CHECKPOINTS / f"{hex_hash}.note"
        return path.read_text() if path.is_file() else None

    def latest(self, origin: str) -> tuple[int, bytes]:
        """Size and root of the latest cosigned checkpoint of ``origin`` (0 and the empty root if none)."""
        path = self._path(origin)
        if not path.is_file():
            return 0, EMPTY_ROOT
        checkpoint = Checkpoint.parse(SignedNote.parse(path.read_text()).text)
        return checkpoint.size, checkpoint.root

    def save(self, origin: str, note: SignedNote) -> None:
        write_atomic(self._path(origin), note.render().encode())
        directory = os.open(self.folder / CHECKPOINTS, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive use of the state by this thread, across processes too."""
        with self._thread_lock, open(self.folder / LOCK_FILE, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
