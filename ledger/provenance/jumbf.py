"""Find the embedded C2PA manifest store (JUMBF) in a file, and name its active manifest.

Only what the manifest hash needs: locate the store bytes that c2pa embedded in
JPEG (APP11 segments), PNG (``caBX`` chunk), WebP (``C2PA`` chunk) and ISO BMFF
(MP4/MOV: the C2PA ``uuid`` box), and read manifest labels from the store's
box structure. Validation is c2pa-rs's job; nothing here is trusted for it.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Iterator

C2PA_BMFF_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
_MAX_STORE = 256 * 1024 * 1024


def _bmff_boxes(handle: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, box start, header length, box end) for each box in [start, end)."""
    pos = start
    while pos + 8 <= end:
        handle.seek(pos)
        header = handle.read(16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        head = 8
        if size == 1:
            if len(header) < 16:
                return
            size = struct.unpack(">Q", header[8:16])[0]
            head = 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            return
        yield kind, pos, head, pos + size
        pos += size


def _from_bmff(handle: BinaryIO) -> bytes | None:
    handle.seek(0, 2)
    end = handle.tell()
    for kind, pos, head, box_end in _bmff_boxes(handle, 0, end):
        if kind != b"uuid":
            continue
        handle.seek(pos + head)
        if handle.read(16) != C2PA_BMFF_UUID or box_end - pos > _MAX_STORE:
            continue
        body = handle.read(box_end - pos - head - 16)
        # version/flags (4), purpose (NUL-terminated), offset to Merkle data (8), store
        purpose_end = body.find(b"\x00", 4)
        if purpose_end < 0 or body[4:purpose_end] != b"manifest":
            continue
        return body[purpose_end + 1 + 8:]
    return None


def _from_jpeg(data: bytes) -> bytes | None:
    pos, parts = 2, list[bytes]()
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xD9, 0xDA):  # end of image / start of scan: no more metadata
            break
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segment = data[pos + 4:pos + 2 + length]
        if marker == 0xEB and segment[:2] == b"JP" and len(segment) >= 16:
            payload = segment[8:]  # 'JP', box instance (2), sequence number (4)
            if parts:  # continuation segments repeat the superbox's LBox/TBox (and XLBox)
                payload = payload[16:] if payload[:4] == b"\x00\x00\x00\x01" else payload[8:]
            if parts or payload[4:8] == b"jumb":
                parts.append(payload)
        pos += 2 + length
    return b"".join(parts) or None


def _from_png(data: bytes) -> bytes | None:
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"caBX":
            return data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return None


def _from_webp(data: bytes) -> bytes | None:
    pos = 12
    while pos + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[pos:pos + 8])
        if kind == b"C2PA":
            return data[pos + 8:pos + 8 + length]
        pos += 8 + length + (length & 1)
    return None


def extract_manifest_store(handle: BinaryIO, media_type: str) -> bytes | None:
    """The embedded manifest store bytes, or None where absent or the format is not handled.

    ``handle`` is a seekable binary file or BytesIO; its position is left undefined.
    """
    handle.seek(0)
    if media_type in ("video/mp4", "video/quicktime"):
        return _from_bmff(handle)
    # Image metadata sits near the start; 64 MiB bounds the read for odd files.
    data = handle.read(64 * 1024 * 1024)
    if media_type == "image/jpeg":
        return _from_jpeg(data)
    if media_type == "image/png":
        return _from_png(data)
    if media_type == "image/webp":
        return _from_webp(data)
    return None


def _jumbf_children(store: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", store[pos:pos + 8])
        head = 8
        if size == 1:
            size = struct.unpack(">Q", store[pos + 8:pos + 16])[0]
            head = 16
        if size < head or pos + size > end:
            return
        yield kind, pos + head, pos + size
        pos += size


def _label(store: bytes, start: int, end: int) -> str | None:
    """Label of the JUMBF superbox whose payload is store[start:end] (from its jumd box)."""
    for kind, body, body_end in _jumbf_children(store, start, end):
        if kind != b"jumd":
            return None
        toggles = store[body + 16] if body + 16 < body_end else 0
        if not toggles & 0x02:
            return None
        label_end = store.find(b"\x00", body + 17, body_end)
        return store[body + 17:label_end if label_end >= 0 else body_end].decode("utf-8", "replace")
    return None


def manifest_labels(store: bytes) -> list[str]:
    """Labels of the manifests in a store, in order; the last is the active manifest."""
    top = next(_jumbf_children(store, 0, len(store)), None)
    if top is None or top[0] != b"jumb":
        return []
    labels = []
    for kind, body, body_end in _jumbf_children(store, top[1], top[2]):
        if kind == b"jumb":
            label = _label(store, body, body_end)
            if label:
                labels.append(label)
    return labels


def active_manifest_store(store: bytes) -> bytes | None:
    """A manifest store holding only the active (last) manifest of ``store``; None when it has none.

    The store's own description box is kept; the ingredients' manifests before the active one are left
    out, so the active manifest's references to them no longer resolve inside this store.
    """
    top = next(_jumbf_children(store, 0, len(store)), None)
    if top is None or top[0] != b"jumb":
        return None
    description: bytes | None = None
    active: bytes | None = None
    for kind, body, body_end in _jumbf_children(store, top[1], top[2]):
        large = body >= 16 and store[body - 12:body - 8] == kind and store[body - 16:body - 12] == b"\x00\x00\x00\x01"
        head = 16 if large else 8
        whole = store[body - head:body_end]
        if kind == b"jumd" and description is None:
            description = whole
        elif kind == b"jumb" and _label(store, body, body_end):
            active = whole
    if description is None or active is None:
        return None
    payload = description + active
    return struct.pack(">I4s", len(payload) + 8, b"jumb") + payload
