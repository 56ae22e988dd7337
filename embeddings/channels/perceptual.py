"""Perceptual hashes of a frame: PDQ (256 bit, with quality and dihedral variants) and pHash (64 bit).

Before hashing, uniform borders (letterbox / pillarbox bars of any flat colour)
are trimmed, so a padded copy hashes like its source. Queries hash all eight
dihedral variants (flips and 90-degree rotations) that ``pdqhash`` computes in
one pass; references store only the upright hash, so each search covers the
dihedral group once.

The **centre code** is the PDQ of a frame's central square, half its shorter
side (borders not trimmed: see :func:`centre_code`). It survives centred reframing, where the full
frame's PDQ does not: a vertical 9:16 or square cut of a 16:9 frame, a 4:3
pan-and-scan, a centred zoom up to 2x all keep that square whole. A query does
not know how it was cut, so it hashes the central squares of 11 sizes, from
half to all of its shorter side (:func:`centre_hypotheses`): one of them is the
registered square, scaled. On the ten shared UKBench photographs, centred
crops of half the area came within 4-18 bits of their source's centre code,
9:16 cuts within 12-36, centred zooms to 0.6-0.9 within 10-46; other
photographs no closer than 92 (``benchmarks/results/centre_codes.json``). Off-centre crops (a corner, a side) lose part
of the square and are not found this way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Names of the eight dihedral variants, in pdqhash.compute_dihedral's order.
DIHEDRAL = ("original", "rot90", "rot180", "rot270", "flip_h", "flip_v", "transpose", "transverse")


@dataclass(frozen=True)
class PerceptualHashes:
    """PDQ and pHash of one frame."""

    pdq: bytes                 # 32 bytes, upright frame after border trim
    pdq_quality: int           # 0..100; low means a flat, uninformative frame
    phash: str                 # 16 hex digits (imagehash's 8x8 DCT hash)
    pdq_dihedral: tuple[bytes, ...] = ()   # 8 variants; only computed for queries


def trim_borders(image: np.ndarray, *, tolerance: float = 10.0, min_keep: float = 0.3) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Remove flat bars of one colour on any side; return the inner image and its box (x0, y0, x1, y1).

    A row or column counts as bar while its pixels stay within ``tolerance``
    (grey levels) of the bar colour. Never trims below ``min_keep`` of a side.
    """
    import cv2  # OpenCV loads when the channel runs, not when the package is imported

    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    h, w = grey.shape

    def run(lines: np.ndarray) -> int:
        colour = float(np.median(lines[0]))
        count = 0
        for line in lines:   # stops at the first picture line, so cost ~ bar size
            deviation = np.abs(line.astype(np.float32) - colour)
            if deviation.max() > tolerance * 2 or deviation.mean() > tolerance / 2:
                break
            count += 1
        return count

    top = run(grey)
    bottom = run(grey[::-1])
    left = run(grey.T)
    right = run(grey.T[::-1])
    y0, y1 = top, h - bottom
    x0, x1 = left, w - right
    if y1 - y0 < h * min_keep:
        y0, y1 = 0, h
    if x1 - x0 < w * min_keep:
        x0, x1 = 0, w
    return image[y0:y1, x0:x1], (x0, y0, x1, y1)


def _pack(bits: np.ndarray) -> bytes:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()


def perceptual_hashes(image: np.ndarray, *, dihedral: bool = False) -> PerceptualHashes:
    """PDQ (and, for queries, its dihedral variants) plus pHash of an RGB frame (borders trimmed first)."""
    import pdqhash

    inner, _ = trim_borders(image)
    inner = np.ascontiguousarray(inner)
    if dihedral:
        hashes, quality = pdqhash.compute_dihedral(inner)
        variants = tuple(_pack(h) for h in hashes)
        upright = variants[0]
    else:
        bits, quality = pdqhash.compute(inner)
        upright, variants = _pack(bits), ()
    return PerceptualHashes(pdq=upright, pdq_quality=int(quality), phash=phash(inner), pdq_dihedral=variants)


def _dct_rows(size: int, keep: int) -> np.ndarray:
    """The first ``keep`` rows of the unnormalised DCT-II matrix of order ``size`` (scipy's ``dct`` default)."""
    k = np.arange(keep)[:, None]
    n = np.arange(size)[None, :]
    return 2.0 * np.cos(np.pi * k * (2 * n + 1) / (2 * size))


_PHASH_DCT = _dct_rows(32, 8)


def phash(image: np.ndarray) -> str:
    """imagehash's 64-bit pHash (hex) of an RGB frame, with the 2-D DCT done by numpy.

    Same steps as ``imagehash.phash``: grey, 32 x 32 Lanczos, DCT-II over both
    axes, the 8 x 8 lowest frequencies compared with their median. Only the
    8 x 8 corner is computed, as two small matrix products, which spares the
    ~0.4 s that importing ``scipy.fftpack`` costs a fresh process.
    """
    import imagehash
    from PIL import Image

    grey = Image.fromarray(image).convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    low = _PHASH_DCT @ np.asarray(grey, dtype=np.float64) @ _PHASH_DCT.T
    return str(imagehash.ImageHash(low > np.median(low)))


def hamming(a: bytes, b: bytes) -> int:
    """Bit distance between two equal-length hashes."""
    return int(np.unpackbits(np.frombuffer(a, np.uint8) ^ np.frombuffer(b, np.uint8)).sum())


def phash_distance(a: str, b: str) -> int:
    """Bit distance between two pHash hex strings."""
    return hamming(bytes.fromhex(a), bytes.fromhex(b))


#: Side of the registered central square, as a fraction of the frame's shorter side.
CENTRE_FRACTION = 0.5
#: Sizes of the central squares a query hashes, as fractions of its shorter side: half to whole, ~7 % apart
#: (21 sizes 3.5 % apart cost twice the hashing and search for a few bits less distance).
CENTRE_HYPOTHESES = tuple(float(r) for r in np.geomspace(0.5, 1.0, 11))
#: Longest side a query frame is scaled to before its central squares are hashed (PDQ works at 64 x 64).
_HYPOTHESIS_SIDE = 320


def _central_square(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    side = max(8, min(side, h, w))
    y, x = (h - side) // 2, (w - side) // 2
    return np.ascontiguousarray(image[y:y + side, x:x + side])


def centre_code(image: np.ndarray) -> bytes:
    """The PDQ code (32 bytes) of the central square of an RGB frame, half its shorter side.

    Borders are not trimmed: bars a frame carries sit evenly about its centre, while trimming a
    picture's plain background (a studio wall, a sky) moved the centre of its crops away (centred
    crops of the shared photographs came within 4-24 bits untrimmed, some 66-110 trimmed, in a one-off
    comparison while this was built)."""
    import pdqhash

    bits, _quality = pdqhash.compute(_central_square(image, round(CENTRE_FRACTION * min(image.shape[:2]))))
    return _pack(bits)


def centre_hypotheses(image: np.ndarray) -> tuple[bytes, ...]:
    """PDQ codes of a query frame's central squares, one per size in :data:`CENTRE_HYPOTHESES`; and
    again inside its borders where it has bars (a reframing shown letterboxed or pillarboxed)."""
    import cv2
    import pdqhash

    h, w = image.shape[:2]
    scale = min(1.0, _HYPOTHESIS_SIDE / max(h, w))
    if scale < 1.0:
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    inner, box = trim_borders(image)
    pictures = [image] + ([inner] if box != (0, 0, image.shape[1], image.shape[0]) else [])
    codes = []
    for picture in pictures:
        shorter = min(picture.shape[:2])
        for ratio in CENTRE_HYPOTHESES:
            bits, _quality = pdqhash.compute(_central_square(picture, round(ratio * shorter)))
            codes.append(_pack(bits))
    return tuple(codes)
