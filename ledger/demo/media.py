"""Media the demo makes itself (no downloads, nothing from ../shared): deterministic
synthetic "works", each a distinct composition of shapes and gradients."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def synthetic_work(seed: int, size: tuple[int, int] = (640, 360)) -> bytes:
    """A PNG whose content is fully determined by ``seed``."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    base = rng.uniform(0, 255, 3)
    slope = rng.uniform(-0.6, 0.6, (3, 2))
    pixels = np.stack([np.clip(base[c] + slope[c, 0] * x + slope[c, 1] * y, 0, 255) for c in range(3)], axis=-1)
    image = Image.fromarray(pixels.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(6, 12))):
        x0, y0 = int(rng.integers(0, width - 40)), int(rng.integers(0, height - 40))
        x1, y1 = x0 + int(rng.integers(30, 220)), y0 + int(rng.integers(30, 160))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _frames_of(work: bytes, seconds: float, fps: int, size: tuple[int, int], pan: bool) -> list[Image.Image]:
    """A slow pan across a still work: each frame a slightly shifted crop, resized to ``size``."""
    image = Image.open(io.BytesIO(work)).convert("RGB")
    frames = []
    count = max(1, int(seconds * fps))
    for i in range(count):
        shift = int(i * 24 / count) if pan else 0
        box = (shift, 0, image.width - 24 + shift, image.height) if pan else (0, 0, image.width, image.height)
        frames.append(image.crop(box).resize(size))
    return frames


def encode_mp4(frames: list[Image.Image], fps: int) -> bytes:
    """H.264 MP4 of the frames, in memory."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = frames[0].size
        stream.pix_fmt = "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_image(frame)):  # type: ignore[no-untyped-call]  # PyAV leaves it unannotated
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def work_clip(work: bytes, seconds: float = 3.0, fps: int = 8, size: tuple[int, int] = (480, 270)) -> bytes:
    """A short video of a work, as a studio library would hold it."""
    return encode_mp4(_frames_of(work, seconds, fps, size, pan=True), fps)


def generated_clip(work: bytes, *, grade: tuple[float, float, float] = (1.0, 1.0, 1.0), mirror: bool = False,
                   inset: float | None = None, backdrop_seed: int = 99, seconds: float = 3.0, fps: int = 8,
                   size: tuple[int, int] = (480, 270)) -> bytes:
    """A clip "generated" from a work: colour-graded, mirrored, or shown small inside another picture."""
    from PIL import ImageOps

    frames = _frames_of(work, seconds, fps, size, pan=True)
    backdrop = Image.open(io.BytesIO(synthetic_work(backdrop_seed))).convert("RGB").resize(size)
    made = []
    for frame in frames:
        if mirror:
            frame = ImageOps.mirror(frame)
        if grade != (1.0, 1.0, 1.0):
            channels = [c.point(lambda v, g=g: min(255, int(v * g))) for c, g in zip(frame.split(), grade)]
            frame = Image.merge("RGB", channels)
        if inset is not None:
            small = frame.resize((int(size[0] * inset), int(size[1] * inset)))
            canvas = backdrop.copy()
            canvas.paste(small, (size[0] - small.width - 8, size[1] - small.height - 8))
            frame = canvas
        made.append(frame)
    return encode_mp4(made, fps)
