"""Copy transformations for robustness tests and calibration (not used in matching).

Each function takes an RGB frame (H x W x 3, uint8) and returns a transformed
copy, the way a generated clip might reuse a protected work: flipped, rotated,
cropped, padded, overlaid, framed as a meme, warped or re-graded. Everything is
deterministic for a given ``seed`` so tests and benchmarks are repeatable.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

Transform = Callable[[np.ndarray], np.ndarray]


def flip_h(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img[:, ::-1])


def flip_v(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img[::-1])


def rot90(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(img, 1))


def rot180(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(img, 2))


def rot270(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(img, 3))


def crop(fraction: float, *, anchor: tuple[float, float] = (0.5, 0.5)) -> Transform:
    """Keep ``fraction`` of the width and of the height, placed at ``anchor`` (0..1 each)."""
    def apply(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        ch, cw = max(8, int(h * fraction)), max(8, int(w * fraction))
        y = int((h - ch) * anchor[1])
        x = int((w - cw) * anchor[0])
        return np.ascontiguousarray(img[y:y + ch, x:x + cw])
    return apply


def crop_area(fraction: float, *, anchor: tuple[float, float] = (0.5, 0.5)) -> Transform:
    """Keep ``fraction`` of the area (each side scaled by its square root)."""
    return crop(float(np.sqrt(fraction)), anchor=anchor)


def letterbox(aspect: float = 16 / 9, colour: tuple[int, int, int] = (0, 0, 0)) -> Transform:
    """Pad to ``aspect`` (width / height) with bars of one colour, image centred."""
    def apply(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        if w / h < aspect:      # narrower than the target: bars left and right
            new_w, new_h = int(round(h * aspect)), h
        else:                   # as wide or wider: bars above and below (at least a quarter of the height)
            new_w, new_h = w, max(int(round(w / aspect)), int(h * 1.25))
        canvas = np.empty((new_h, new_w, 3), np.uint8)
        canvas[:] = colour
        y, x = (new_h - h) // 2, (new_w - w) // 2
        canvas[y:y + h, x:x + w] = img
        return canvas
    return apply


def pad(fraction: float = 0.2, colour: tuple[int, int, int] = (255, 255, 255)) -> Transform:
    """A border of ``fraction`` of each side on every side."""
    def apply(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        dy, dx = int(h * fraction), int(w * fraction)
        result: np.ndarray = cv2.copyMakeBorder(img, dy, dy, dx, dx, cv2.BORDER_CONSTANT, value=colour)
        return result
    return apply


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def text_overlay(text: str = "NOT THE ORIGINAL 2025") -> Transform:
    """Large white caption with a dark outline across the lower middle."""
    def apply(img: np.ndarray) -> np.ndarray:
        pil = Image.fromarray(img)
        draw = ImageDraw.Draw(pil)
        size = max(12, pil.width // 12)
        draw.text((pil.width * 0.05, pil.height * 0.6), text, font=_font(size), fill=(255, 255, 255),
                  stroke_width=max(1, size // 10), stroke_fill=(0, 0, 0))
        return np.asarray(pil)
    return apply


def emoji_overlay(count: int = 4, seed: int = 0) -> Transform:
    """Several drawn smiley faces (filled discs with eyes and a mouth) scattered over the frame."""
    def apply(img: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(seed)
        pil = Image.fromarray(img)
        draw = ImageDraw.Draw(pil)
        r = max(6, min(pil.size) // 10)
        for _ in range(count):
            cx, cy = int(rng.uniform(r, pil.width - r)), int(rng.uniform(r, pil.height - r))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 204, 0), outline=(120, 80, 0), width=2)
            for ex in (-r // 3, r // 3):
                draw.ellipse((cx + ex - r // 8, cy - r // 3 - r // 8, cx + ex + r // 8, cy - r // 3 + r // 8), fill=(40, 30, 0))
            draw.arc((cx - r // 2, cy - r // 4, cx + r // 2, cy + r // 2), 20, 160, fill=(40, 30, 0), width=max(2, r // 8))
        return np.asarray(pil)
    return apply


def stripes(count: int = 6, width_fraction: float = 0.04, colour: tuple[int, int, int] = (230, 30, 30)) -> Transform:
    """Diagonal coloured stripes across the whole frame."""
    def apply(img: np.ndarray) -> np.ndarray:
        out = img.copy()
        h, w = out.shape[:2]
        thickness = max(2, int(min(h, w) * width_fraction))
        for i in range(count):
            x0 = int((i + 0.5) * (w + h) / count) - h
            cv2.line(out, (x0, 0), (x0 + h, h), colour, thickness)
        return out
    return apply


def logo(text: str = "GENAI", corner: str = "top-right") -> Transform:
    """A solid badge with a word in one corner, about 1/4 of the width."""
    def apply(img: np.ndarray) -> np.ndarray:
        pil = Image.fromarray(img)
        draw = ImageDraw.Draw(pil)
        bw, bh = pil.width // 4, pil.height // 8
        x = pil.width - bw - pil.width // 30 if "right" in corner else pil.width // 30
        y = pil.height // 30 if "top" in corner else pil.height - bh - pil.height // 30
        draw.rounded_rectangle((x, y, x + bw, y + bh), radius=bh // 4, fill=(20, 60, 200))
        draw.text((x + bw // 10, y + bh // 6), text, font=_font(max(8, bh * 2 // 3)), fill=(255, 255, 255))
        return np.asarray(pil)
    return apply


def meme(top: str = "WHEN THE MODEL", bottom: str = "REMEMBERS ITS TRAINING DATA") -> Transform:
    """The frame shrunk onto a white canvas with black captions above and below."""
    def apply(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        band = int(h * 0.3)
        canvas = Image.new("RGB", (int(w * 1.1), h + 2 * band), (255, 255, 255))
        canvas.paste(Image.fromarray(img), ((canvas.width - w) // 2, band))
        draw = ImageDraw.Draw(canvas)
        font = _font(max(10, band // 3))
        draw.text((w * 0.05, band * 0.3), top, font=font, fill=(0, 0, 0))
        draw.text((w * 0.05, h + band * 1.3), bottom, font=font, fill=(0, 0, 0))
        return np.asarray(canvas)
    return apply


def perspective(strength: float = 0.12, seed: int = 0) -> Transform:
    """Move each corner inwards by up to ``strength`` of the side, as if filmed off a screen."""
    def apply(img: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(seed)
        h, w = img.shape[:2]
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        jitter = rng.uniform(0.3, 1.0, (4, 2)) * strength * np.array([w, h], dtype=np.float32)
        signs = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float32)
        dst = (src + signs * jitter).astype(np.float32)
        matrix = cv2.getPerspectiveTransform(src, dst)
        warped: np.ndarray = cv2.warpPerspective(img, matrix, (w, h), borderMode=cv2.BORDER_CONSTANT,
                                                 borderValue=(0, 0, 0))
        return warped
    return apply


def sepia(img: np.ndarray) -> np.ndarray:
    kernel = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], dtype=np.float32)
    toned: np.ndarray = np.clip(img.astype(np.float32) @ kernel.T, 0, 255).astype(np.uint8)
    return toned


def regrade(gamma: float = 0.6, saturation: float = 1.6, tint: tuple[float, float, float] = (1.1, 0.95, 0.8)) -> Transform:
    """Gamma, saturation and a colour cast together (a strong grade)."""
    def apply(img: np.ndarray) -> np.ndarray:
        x = (img.astype(np.float32) / 255.0) ** gamma
        grey = x.mean(axis=2, keepdims=True)
        x = grey + (x - grey) * saturation
        x = x * np.array(tint, dtype=np.float32)
        graded: np.ndarray = np.clip(x * 255, 0, 255).astype(np.uint8)
        return graded
    return apply


def standard_suite() -> dict[str, Transform]:
    """The named transformations the robustness test and calibration measure, one at a time."""
    return {
        "flip_h": flip_h, "flip_v": flip_v, "rot90": rot90, "rot180": rot180, "rot270": rot270,
        "crop_half_area_corner": crop_area(0.5, anchor=(0.0, 1.0)),
        "crop_half_area_centre": crop_area(0.5),
        "crop_half_sides": crop(0.5, anchor=(0.3, 0.6)),
        "letterbox_black": letterbox(16 / 9),
        "pad_white": pad(0.2),
        "text": text_overlay(), "emoji": emoji_overlay(), "stripes": stripes(), "logo": logo(),
        "meme": meme(), "perspective": perspective(), "sepia": sepia, "regrade": regrade(),
    }
