"""Which media formats the provenance layer signs, recognised from their bytes."""

from __future__ import annotations

from pathlib import Path

from ledger.errors import MediaRejected

#: MIME types we sign and verify (c2pa supports more for reading; verify accepts those too).
SIGNABLE_TYPES = ("video/mp4", "video/quicktime", "image/jpeg", "image/png", "image/webp")

_QUICKTIME_BRANDS = {b"qt  "}


def sniff_media_type(head: bytes) -> str | None:
    """MIME type from the first 16+ bytes of a file, or None when not one we sign."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] in _QUICKTIME_BRANDS else "video/mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):  # old QuickTime files without ftyp
        return "video/quicktime"
    return None


def media_type_of(path: Path) -> str:
    """The MIME type of a file we are asked to sign; MediaRejected when unsupported."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(32)
    except OSError as exc:
        raise MediaRejected(f"cannot read {path}: {exc.strerror}") from None
    media_type = sniff_media_type(head)
    if media_type is None:
        raise MediaRejected(f"{path} is not a format Clearance signs "
                            f"(expected one of: {', '.join(SIGNABLE_TYPES)})")
    return media_type
