"""The clip and the works it matched, streamed to the check page's video players with HTTP range requests.

A player asks for pieces of a file (``Range: bytes=0-``, then wherever the
reviewer seeks); each answer is a 206 with the piece and its ``Content-Range``,
and a range that does not fit the file is a 416 naming the file's size. Files
are found by what the check names, never by a caller's path: the clip by the
check's clip row, a work by an asset id that the check's matches or evidence
name (its bytes by the asset's SHA-256, which :mod:`ledger.media_store` alone
turns into a path). The clip may be watched by whoever may open the check;
a registered work only by the roles that may read the rights records (the
generator that submitted the clip may not download the studio's reference library).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from ledger.api.deps import READERS, get_ctx
from ledger.checks import service
from ledger.context import Clearance
from ledger.errors import ClearanceError, FieldProblem, NotFound, ValidationFailed
from ledger.media_store import path_for
from ledger.records import models as m
from ledger.records.enums import Role
from ledger.web.auth import page
from ledger.web.sessions import WebSession

router = APIRouter()
CLIP_WATCHERS = (*READERS, Role.generator)
"""Who may watch a check's clip: those who may open the check (``GET /v1/checks/{id}``)."""
WORK_WATCHERS = READERS
"""Who may watch a registered work: those who may read the rights records."""
CHUNK = 256 * 1024
_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(ClearanceError):
    """A Range header this server cannot answer for the file: 416 with ``Content-Range: bytes */size``."""

    status = 416
    title = "Range not satisfiable"
    slug = "range-not-satisfiable"

    def __init__(self, detail: str, size: int) -> None:
        super().__init__(detail)
        self.size = size


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int
    """Inclusive, as in ``Content-Range``."""

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range a ``Range`` header asks for (None: no header, send it all), or RangeNotSatisfiable.

    Only a single range in bytes is served (players ask for nothing else); several ranges,
    another unit, a malformed header or a start past the end are refused with 416.
    """
    if header is None:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or (not found.group(1) and not found.group(2)):
        raise RangeNotSatisfiable(f"the Range header {header[:80]!r} is not one range of bytes "
                                  "(bytes=START-END, bytes=START- or bytes=-LAST)", size)
    first, last = found.group(1), found.group(2)
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"the range asks for the last {suffix} bytes of a {size}-byte file", size)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable(f"the range {start}-{last} lies outside the file's {size} bytes", size)
    return ByteRange(start, end)


def _pieces(path: Path, piece: ByteRange) -> Iterator[bytes]:
    with path.open("rb") as source:
        source.seek(piece.start)
        left = piece.length
        while left > 0:
            chunk = source.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def serve(request: Request, path: Path, media_type: str) -> Response:
    """The file, whole (200) or the piece the Range header asks for (206); 416 for a range it cannot serve."""
    if not path.is_file():
        raise NotFound("the file is not in the media store")
    size = path.stat().st_size
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600",
               "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline"}
    try:
        piece = parse_range(request.headers.get("range"), size)
    except RangeNotSatisfiable as refused:
        return Response(str(refused), status_code=416, media_type="text/plain",
                        headers={**headers, "Content-Range": f"bytes */{refused.size}"})
    if piece is None:
        piece, status = ByteRange(0, size - 1), 200
    else:
        status = 206
        headers["Content-Range"] = f"bytes {piece.start}-{piece.end}/{size}"
    headers["Content-Length"] = str(max(piece.length, 0))
    return StreamingResponse(_pieces(path, piece), status_code=status, media_type=media_type, headers=headers)


def _valid(value: str, field: str) -> str:
    if not _ID.fullmatch(value):
        raise ValidationFailed(f"not a valid {field}", problems=[FieldProblem(field, "letters, digits, _ and -")])
    return value


def named_assets(check: dict[str, Any]) -> set[str]:
    """The asset ids a check's matches and evidence name: the only works its page may play."""
    named = {match["subject_id"] for match in check.get("matches") or [] if match.get("subject") == "asset"}
    named |= {item["owner"] for item in check.get("evidence") or [] if item.get("owner_kind") == "asset"}
    return named


@router.get("/checks/{check_id}/media/clip")
def clip_media(check_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
               _: WebSession = Depends(page(*CLIP_WATCHERS))) -> Response:
    """The submitted clip of a check, as stored."""
    _check, clip = service.get_check(ctx, _valid(check_id, "check_id"))
    return serve(request, path_for(ctx.settings, clip["sha256"]),
                 mimetypes.guess_type(clip["filename"])[0] or "application/octet-stream")


@router.get("/checks/{check_id}/media/assets/{asset_id}")
def work_media(check_id: str, asset_id: str, request: Request, ctx: Clearance = Depends(get_ctx),
               _: WebSession = Depends(page(*WORK_WATCHERS))) -> Response:
    """A registered work the check matched, as registered (only works the check names)."""
    check, _clip = service.get_check(ctx, _valid(check_id, "check_id"))
    if _valid(asset_id, "asset_id") not in named_assets(check):
        raise NotFound(f"check {check['id']} matched no work {asset_id!r}")
    with ctx.db.reader() as session:
        asset = session.get(m.Asset, asset_id)
    if asset is None or not asset.sha256:
        raise NotFound(f"work {asset_id} has no file in the media store")
    return serve(request, path_for(ctx.settings, asset.sha256), asset.media_type)
