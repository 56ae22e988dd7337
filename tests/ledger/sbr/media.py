"""What happens to a released clip on its way round: its manifest stripped, re-encoded, cropped, branded."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def strip_manifest(source: Path, dest: Path) -> Path:
    """Remux the streams into a new MP4 without re-encoding: the C2PA box does not travel."""
    with av.open(str(source)) as src, av.open(str(dest), "w", format="mp4") as out:
        mapping = {s.index: out.add_stream_from_template(s) for s in src.streams if s.type in ("video", "audio")}
        for packet in src.demux():
            if packet.dts is None or packet.stream.index not in mapping:
                continue
            packet.stream = mapping[packet.stream.index]
            out.mux(packet)
    return dest


def transcode(source: Path, dest: Path, *, bitrate: int = 400_000,
              edit: Callable[[np.ndarray], np.ndarray] = lambda f: f) -> Path:
    """Decode every frame, apply ``edit``, and encode H.264 at ``bitrate``."""
    with av.open(str(source)) as src:
        frames = [edit(f.to_ndarray(format="rgb24")) for f in src.decode(video=0)]
        rate = src.streams.video[0].average_rate or Fraction(12)
    height, width = frames[0].shape[:2]
    with av.open(str(dest), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bitrate
        for pixels in frames:
            even = np.ascontiguousarray(pixels[:stream.height, :stream.width])
            for packet in stream.encode(av.VideoFrame.from_ndarray(even, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dest


def crop_10_percent(pixels: np.ndarray) -> np.ndarray:
    """Cut 5 % off each side (10 % of the width and of the height)."""
    h, w = pixels.shape[:2]
    return pixels[h // 20: h - h // 20, w // 20: w - w // 20]


def overlay_logo(pixels: np.ndarray) -> np.ndarray:
    """A broadcaster's bug: an opaque white-and-red block in the top-right corner (about 4 % of the frame)."""
    out = pixels.copy()
    h, w = out.shape[:2]
    top, right = h // 20, w - w // 20
    out[top: top + h // 5, right - w // 5: right] = (255, 255, 255)
    out[top + h // 20: top + h // 10, right - w // 6: right - w // 30] = (200, 20, 20)
    return out
