"""Endorsed images: a Bates number and the confidentiality legend on every still, and slip-sheets.

A review platform shows a document by its image; a document that has none (a record of data, a
native file) gets a slip-sheet, a page that says what the document is and where its text and
native lie. Every image carries a footer band with the legend at the left and the Bates number
at the right, as productions are endorsed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image as PILImage
    from PIL.ImageFont import FreeTypeFont, ImageFont

SLIP_SIZE = (612, 792)
"""A letter page at 72 dots per inch."""


@lru_cache(maxsize=8)
def _font(size: int) -> FreeTypeFont | ImageFont:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # a Pillow without FreeType has only the small bitmap font
        return ImageFont.load_default()


def endorse(image: PILImage.Image, bates: str, legend: str) -> PILImage.Image:
    """``image`` with a white footer band below it: the legend at the left, the Bates number at the right."""
    from PIL import Image, ImageDraw

    size = max(10, min(28, image.width // 28))
    band = size + size // 2 + 6
    endorsed = Image.new("RGB", (image.width, image.height + band), "white")
    endorsed.paste(image.convert("RGB"), (0, 0))
    draw = ImageDraw.Draw(endorsed)
    font = _font(size)
    top = image.height + (band - size) // 2
    if legend:
        draw.text((4, top), legend, fill="black", font=font)
    right = draw.textlength(bates, font=font)
    draw.text((image.width - right - 4, top), bates, fill="black", font=font)
    return endorsed


def slip_sheet(bates: str, legend: str, lines: list[str]) -> PILImage.Image:
    """A Bates-stamped page standing in for a document that has no image of its own."""
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (SLIP_SIZE[0], SLIP_SIZE[1] - 40), "white")
    draw = ImageDraw.Draw(page)
    draw.text((48, 60), "SLIP SHEET", fill="black", font=_font(26))
    y = 120
    for line in lines:
        draw.text((48, y), line[:80], fill="black", font=_font(14))
        y += 24
    return endorse(page, bates, legend)


def save(image: PILImage.Image, target: Path, image_format: str) -> None:
    if image_format == "jpeg":
        image.save(target, format="JPEG", quality=85)
    else:
        image.save(target, format="PNG")


def legend_of(confidentiality: str) -> str:
    return "" if confidentiality == "NONE" else confidentiality
