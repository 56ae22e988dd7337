"""Content-addressed media bytes under ``$CLEARANCE_HOME/media`` (by SHA-256).

Stored content is found by its hash alone: a key that is not 64 lowercase hex
digits is refused here, whatever the caller checked, so no key can name a path
outside the store.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import FieldProblem, NotFound, PayloadTooLarge, ValidationFailed
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
    created: bool = False
    """Whether this call wrote the bytes (False when they were stored already)."""


def _hashers() -> list[Any]:
    """The digests every stored file is recorded with: SHA-256 (its key), MD5 and SHA-1 (load files)."""
    return [hashlib.sha256(), hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False)]


def digests(data: bytes) -> tuple[str, str, str]:
    sha256, md5, sha1 = _hashers()
    for digest in (sha256, md5, sha1):
        digest.update(data)
    return sha256.hexdigest(), md5.hexdigest(), sha1.hexdigest()


SHA256_HEX = re.compile(r"[0-9a-f]{64}")
"""The only form of key the store accepts: a SHA-256 as 64 lowercase hex digits."""

# The name each sniffed container gets when stored bytes are handed on without their original file name.
_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tiff", "isobmff": ".mp4",
               "matroska": ".mkv"}


def is_sha256(value: str) -> bool:
    return SHA256_HEX.fullmatch(value) is not None


def require_sha256(value: str, field: str = "sha256") -> str:
    """``value`` when it is a lowercase hex SHA-256; else a 422 naming ``field``."""
    if not is_sha256(value):
        raise ValidationFailed(f"{field} must be a SHA-256 as 64 lowercase hex digits",
                               problems=[FieldProblem(field, "expected 64 characters 0-9 a-f")])
    return value


def path_for(settings: Settings, sha256: str) -> Path:
    """Where the bytes with this SHA-256 are (or would be) stored; refuses anything but a hash."""
    require_sha256(sha256)
    return settings.media_dir / sha256[:2] / sha256[2:4] / sha256


def safe_suffix(filename: str) -> str:
    """A file name's extension when it is a plain one (``.mp4``), else none: a client's file name never
    shapes a path beyond that."""
    suffix = Path(filename).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def read_stored(settings: Settings, sha256: str, field: str = "sha256") -> bytes:
    """The stored bytes with this SHA-256, or NotFound (a 422 for a key that is not a hash)."""
    path = path_for(settings, require_sha256(sha256, field))
    if not path.is_file():
        raise NotFound(f"no stored bytes with SHA-256 {sha256}", extra={"field": field})
    return path.read_bytes()


def stored_name(sha256: str, data: bytes) -> str:
    """A file name for stored bytes whose extension says what the bytes are (sniffed from their first
    bytes), so decoding checks the name against the content as it does for uploads; ``.bin`` when the
    bytes are no supported image or video."""
    from embeddings.media import sniff_container

    return sha256 + _EXTENSIONS.get(sniff_container(data[:16]) or "", ".bin")


def store_bytes(settings: Settings, data: bytes, name: str = "") -> StoredMedia:
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"{name or 'upload'} is {len(data)} bytes; max_upload_bytes is {settings.max_upload_bytes}")
    sha256, md5, sha1 = digests(data)
    path = path_for(settings, sha256)
    created = not path.exists()
    if created:
        write_atomic(path, data)
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredMedia(sha256, md5, sha1, len(data), media_type, path, created)


@contextmanager
def stored_for(settings: Settings, media: bytes | Path, name: str = "", max_bytes: int | None = None) -> Iterator[StoredMedia]:
    """Store ``media`` (bytes, or a file copied as a stream) for a write that may still be refused: if
    the block raises, bytes this call stored are removed again, so a rejected upload leaves nothing in
    the store. (Bytes that were there before belong to earlier records and stay.)"""
    stored = store_bytes(settings, media, name) if isinstance(media, bytes) else store_file(settings, media, max_bytes)
    try:
        yield stored
    except BaseException:
        if stored.created:
            stored.path.unlink(missing_ok=True)
        raise


_CHUNK = 1 << 20


def store_file(settings: Settings, source: Path, max_bytes: int | None = None) -> StoredMedia:
    """Copy the file at ``source`` into the store as a stream, hashing what is copied (a title of many
    gigabytes is never held in memory). ``max_bytes`` defaults to ``max_upload_bytes``; registration
    from disk passes the larger ``max_title_bytes``. The copy is fsynced before it is renamed into place,
    and nothing is left behind if it fails."""
    limit = settings.max_upload_bytes if max_bytes is None else max_bytes
    if not source.is_file():
        raise NotFound(f"{source} does not exist or is not a file")
    too_big = PayloadTooLarge(f"{source.name} is over {limit} bytes, the most stored from one file "
                              f"({'max_upload_bytes' if max_bytes is None else 'max_title_bytes'})")
    if source.stat().st_size > limit:
        raise too_big
    hashes = _hashers()
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=settings.media_dir, prefix=".incoming.", suffix=".tmp")
    def unreadable(exc: OSError) -> ValidationFailed:   # the file's fault; a full store disk stays an OSError
        return ValidationFailed(f"{source}: cannot be read ({exc.strerror or exc})")

    try:
        size = 0
        try:
            reading = source.open("rb")
        except OSError as exc:
            raise unreadable(exc) from None
        with reading, os.fdopen(fd, "wb") as writing:
            while True:
                try:
                    chunk = reading.read(_CHUNK)
                except OSError as exc:
                    raise unreadable(exc) from None
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:   # it grew while being copied
                    raise too_big
                for digest in hashes:
                    digest.update(chunk)
                writing.write(chunk)
            writing.flush()
            os.fsync(writing.fileno())
        sha256, md5, sha1 = (digest.hexdigest() for digest in hashes)
        path = path_for(settings, sha256)
        created = not path.exists()
        if created:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    return StoredMedia(sha256, md5, sha1, size, media_type, path, created)
