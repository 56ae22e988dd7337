"""Content-addressed media bytes under ``$CLEARANCE_HOME/media`` (by SHA-256)."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import NotFound, PayloadTooLarge
from ledger.fsutil import write_atomic
from ledger.settings import Settings


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    md5: str
    sha1: str
    size_bytes: int
    media_type: str
    path: Path


def digests(data: bytes) -> tuple[str, str, str]:
    return (hashlib.sha256(data).hexdigest(), hashlib.md5(data, usedforsecurity=False).hexdigest(),
            hashlib.sha1(data, usedforsecurity=False).hexdigest())


def path_for(settings: Settings, sha256: str) -> Path:
    return settings.media_dir / sha256[:2] / sha256[2:4] / sha256


def read_stored(settings: Settings, sha256: str) -> bytes:
    """The stored bytes with this SHA-256 (the media store is content-addressed)."""
    path = path_for(settings, sha256)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no stored bytes with SHA-256 {sha256}") from None


def store_bytes(settings: Settings, data: bytes, name: str = "") -> StoredMedia:
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"{name or 'upload'} is {len(data)} bytes; max_upload_bytes is {settings.max_upload_bytes}")
    sha256, md5, sha1 = digests(data)
    path = path_for(settings, sha256)
    if not path.exists():
        write_atomic(path, data)
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredMedia(sha256, md5, sha1, len(data), media_type, path)


def store_file(settings: Settings, source: Path) -> StoredMedia:
    if not source.is_file():
        raise NotFound(f"{source} does not exist or is not a file")
    return store_bytes(settings, source.read_bytes(), source.name)
