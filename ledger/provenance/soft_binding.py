"""The ``c2pa.soft-binding`` assertion: an ISCC (ISO 24138, algorithm ``io.iscc.v0``) of the released content.

A soft binding survives what strips the manifest: a resolver recomputes it from
a copy and looks the manifest up. The value is an ISCC-CODE made of three units,
all computed offline by ``iscc-lib``:

* Content-Code: for a video, the ISCC Image-Code (DCT hash of the 32x32
  grayscale picture) of 16 frames taken at fixed fractions of the duration,
  combined into one ISCC Mixed-Code; for an image, its Image-Code. The ISCC
  Video-Code needs MPEG-7 frame signatures and the Audio-Code Chromaprint
  features, and neither extractor is available offline here, so the picture
  units stand in (the README says so).
* Data-Code: content-defined chunks of the released bytes, MinHashed.
* Instance-Code: BLAKE3 of the released bytes (equal only for identical bytes).

The assertion value is the ISCC-CODE's bytes in Base64 (the C2PA soft-binding
block value is Base64); :func:`parse_iscc` also reads the canonical
``ISCC:...`` text form.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import Any

from ledger.errors import MediaRejected

ISCC_ALG = "io.iscc.v0"
SOFT_BINDING_LABEL = "c2pa.soft-binding"
#: Frames whose Image-Codes make a video's Content-Code, at (k + 0.5) / FRAMES of the duration.
FRAMES = 16
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class IsccUnits:
    """The units of an ISCC-CODE, as canonical ``ISCC:`` strings, and the code itself."""

    iscc: str
    content: str | None
    data: str | None
    instance: str | None

    @property
    def value(self) -> str:
        """The soft-binding block value: the ISCC-CODE's bytes in Base64."""
        return base64.b64encode(_iscc_bytes(self.iscc)).decode("ascii")

    def assertion_data(self) -> dict[str, Any]:
        return {"alg": ISCC_ALG, "blocks": [{"scope": {}, "value": self.value}], "pad": []}

    def as_dict(self) -> dict[str, Any]:
        return {"alg": ISCC_ALG, "value": self.value, "iscc": self.iscc, "units": {
            "content": self.content, "data": self.data, "instance": self.instance}}


def _b32decode(text: str) -> bytes:
    padded = text.upper() + "=" * (-len(text) % 8)
    return base64.b32decode(padded)


def _b32encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _iscc_bytes(code: str) -> bytes:
    return _b32decode(code.removeprefix("ISCC:"))


def _gray_32(image: Any) -> bytes:
    """The ISCC image normalisation: grayscale, 32x32 bicubic, row by row."""
    from PIL import Image

    return bytes(image.convert("L").resize((32, 32), Image.Resampling.BICUBIC).tobytes())


def _image_code(pixels: bytes) -> str:
    import iscc_lib

    return str(iscc_lib.gen_image_code_v0(pixels)["iscc"])


def _video_pictures(data: bytes) -> list[bytes]:
    """The normalised pictures of the frames nearest (k + 0.5) / FRAMES of the first video stream's span."""
    import av
    from PIL import Image

    try:
        with av.open(io.BytesIO(data), "r") as container:
            if not container.streams.video:
                return []
            stream = container.streams.video[0]
            frames = [(float(f.time or 0.0), _gray_32(Image.fromarray(f.to_ndarray(format="rgb24"))))
                      for f in container.decode(stream)]
    except (av.FFmpegError, ValueError) as exc:
        raise MediaRejected(f"cannot decode the video for its soft binding: {exc}") from None
    if not frames:
        return []
    start, end = frames[0][0], frames[-1][0]
    span = max(end - start, 1e-6)
    picked = []
    for k in range(FRAMES):
        target = start + span * (k + 0.5) / FRAMES
        picked.append(min(frames, key=lambda tf: abs(tf[0] - target))[1])
    return picked


def content_code(data: bytes, media_type: str) -> str | None:
    """The ISCC Content-Code of an image or of a video's pictures; None for media without pictures."""
    import iscc_lib

    if media_type.startswith("image/"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                return _image_code(_gray_32(image))
        except (UnidentifiedImageError, OSError) as exc:
            raise MediaRejected(f"cannot decode the image for its soft binding: {exc}") from None
    pictures = _video_pictures(data)
    if not pictures:
        return None
    codes = [_image_code(picture) for picture in pictures]
    return str(iscc_lib.gen_mixed_code_v0(codes)["iscc"])


def compute_iscc(data: bytes, media_type: str) -> IsccUnits:
    """The ISCC-CODE of released content (the clip's bytes as the ledger stored them)."""
    import iscc_lib

    content = content_code(data, media_type)
    data_code = str(iscc_lib.gen_data_code_v0(data)["iscc"])
    instance = str(iscc_lib.gen_instance_code_v0(data)["iscc"])
    units = [u for u in (content, data_code, instance) if u]
    return IsccUnits(iscc=str(iscc_lib.gen_iscc_code_v0(units)["iscc"]), content=content, data=data_code,
                     instance=instance)


class BindingValueError(ValueError):
    """A soft-binding value that is not an ISCC-CODE or ISCC unit."""


def parse_iscc(value: str) -> dict[str, bytes]:
    """The 64-bit bodies of the units in an ``io.iscc.v0`` value, keyed ``content``, ``data``, ``instance``.

    ``value``: Base64 of an ISCC's bytes (the soft-binding form) or its canonical ``ISCC:`` text.
    """
    import iscc_lib

    text = value.strip()
    if text.upper().startswith("ISCC:"):
        code = "ISCC:" + text[5:].upper()
    else:
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
        except (binascii.Error, ValueError):
            raise BindingValueError("the value is neither Base64 nor an ISCC: code") from None
        if len(raw) < 10:
            raise BindingValueError("the value is too short to be an ISCC")
        code = "ISCC:" + _b32encode(raw)
    try:
        parts = iscc_lib.iscc_decompose(code)
    except ValueError as exc:
        raise BindingValueError(f"the value is not a valid ISCC: {exc}") from None
    found: dict[str, bytes] = {}
    for part in parts:
        maintype, _subtype, _version, _length, body = iscc_lib.iscc_decode(part)
        kind = {2: "content", 3: "data", 4: "instance"}.get(maintype)
        if kind is not None:
            found[kind] = bytes(body[:8])
    if not found:
        raise BindingValueError("the ISCC has no Content-, Data- or Instance-Code unit")
    return found


def hamming(a: bytes, b: bytes) -> int:
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=False))
