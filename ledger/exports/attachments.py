"""Attachments of a produced record: its stored media (natives), a license's document, and frame stills."""

from __future__ import annotations

import logging
from pathlib import Path

from ledger.context import Clearance
from ledger.media_store import is_sha256, path_for

logger = logging.getLogger(__name__)


def stored(ctx: Clearance, sha256: str | None) -> Path | None:
    if not sha256 or not is_sha256(sha256):
        return None
    path = path_for(ctx.settings, sha256)
    return path if path.is_file() else None


def extension(path: Path) -> str:
    from ledger.media_store import stored_name

    with path.open("rb") as stream:
        head = stream.read(16)
    if head.startswith(b"%PDF"):
        return ".pdf"
    return "." + stored_name("0" * 64, head).rpartition(".")[2]


def still(ctx: Clearance, source: Path, target: Path, image_format: str, bates: str, legend: str) -> bool:
    """Decode the first sampled frame of stored media into ``target``, endorsed with its Bates number and
    the confidentiality legend; False when it cannot be decoded."""
    from embeddings.errors import MediaError
    from embeddings.sampling import frame_at
    from PIL import Image

    try:   # the first frame only: a title's production need not decode the whole title
        decoded = frame_at(source, 0.0, ctx.embeddings_config, name=source.name + extension(source))
    except MediaError as exc:
        logger.warning("no still for %s: %s", source.name, exc)
        return False
    if not decoded.frames:
        return False
    from ledger.exports.endorse import endorse, save

    save(endorse(Image.fromarray(decoded.frames[0].image), bates, legend), target, image_format)
    return True
