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
