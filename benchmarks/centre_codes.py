"""Centre codes: how near a centred reframing's central squares come to its source's centre code,
and how near other pictures come.

For each of the ten shared UKBench photographs (references) and each transformation, the query's
central squares (``centre_hypotheses``, as a compact-tier check computes them at the analysis size)
are compared with every reference's centre code (``centre_code``): the distance to its own source's
(the least over its squares) and to the nearest other reference's, against the candidate radius
``centre_candidate_pdq_distance``. The shared face photographs join the references as others.

The off-centre crops are also searched the hard way (``position_search``): squares of 15 sizes
(0.4 to 1.0 of the query's shorter side) at every position 4 % of their side apart, ~13,000 PDQ
codes a query, the best of them against the source's centre code and against the others'. This is
what a query-side search for the registered square could reach at most, at any cost.

Writes ``benchmarks/results/centre_codes.json``.
Run: ``.venv/bin/python benchmarks/centre_codes.py``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import EmbeddingsConfig  # noqa: E402
from embeddings.channels.perceptual import CENTRE_HYPOTHESES, centre_code, centre_hypotheses, hamming  # noqa: E402
from embeddings.media import fit_within, load_media  # noqa: E402
from embeddings.transforms import crop, crop_area, letterbox  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "centre_codes.json"
CONFIG = EmbeddingsConfig()


def vertical(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    width = min(w, h * 9 // 16)
    return np.ascontiguousarray(image[:, (w - width) // 2:(w - width) // 2 + width])


TRANSFORMS = {"centre_half_area": crop_area(0.5), "vertical_9_16": vertical,
              "vertical_9_16_pillarboxed": lambda i: letterbox(4 / 3)(vertical(i)),
              "zoom_0.9": crop(0.9), "zoom_0.8": crop(0.8), "zoom_0.6": crop(0.6),
              "corner_half_area (not centred)": crop_area(0.5, anchor=(0.0, 1.0)),
              "side_quarter (not centred)": crop(0.5, anchor=(0.3, 0.6))}


OFF_CENTRE = ("corner_half_area (not centred)", "side_quarter (not centred)")


def position_search(query: np.ndarray, stored: bytes, rest: list[bytes]) -> dict[str, int]:
    """Best distance to ``stored`` and to any of ``rest`` over squares of every size and position."""
    import pdqhash

    from embeddings.channels.perceptual import _HYPOTHESIS_SIDE, _pack

    picture = fit_within(query, _HYPOTHESIS_SIDE)
    h, w = picture.shape[:2]
    own, other, tried = 256, 256, 0
    for side in np.unique(np.round(np.geomspace(0.4, 1.0, 15) * min(h, w)).astype(int)):
        step = max(2, int(side * 0.04))
        for y in range(0, h - side + 1, step):
            for x in range(0, w - side + 1, step):
                bits, _quality = pdqhash.compute(np.ascontiguousarray(picture[y:y + side, x:x + side]))
                code = _pack(bits)
                own = min(own, hamming(code, stored))
                other = min(other, min(hamming(code, c) for c in rest))
                tried += 1
    return {"own_bits": own, "nearest_other_bits": other, "squares": tried}


def analysis(path: Path) -> np.ndarray:
    return fit_within(load_media(path, CONFIG).frames[0].image, CONFIG.analysis_max_side)


def main() -> None:
    photos = sorted(p for p in (SHARED / "near-duplicates" / "ukbench").glob("*.jpg") if "_resize" not in p.name)
    images = [analysis(p) for p in photos]
    others = [centre_code(analysis(p)) for p in sorted((SHARED / "faces").glob("*.jpg"))]
    stored = [centre_code(image) for image in images]
    radius = CONFIG.centre_candidate_pdq_distance
    rows = {}
    for name, transform in TRANSFORMS.items():
        own, nearest_other = [], []
        for k, image in enumerate(images):
            squares = centre_hypotheses(fit_within(transform(image), CONFIG.analysis_max_side))
            own.append(min(hamming(s, stored[k]) for s in squares))
            rest = [c for j, c in enumerate(stored) if j != k] + others
            nearest_other.append(min(hamming(s, c) for s in squares for c in rest))
        rows[name] = {"own_bits": own, "own_max": max(own), "within_radius": sum(d <= radius for d in own),
                      "of": len(own), "nearest_other_min": min(nearest_other)}
        print(f"{name:32} own {min(own):3}-{max(own):3} bits, {rows[name]['within_radius']}/{len(own)} within "
              f"{radius}; nearest other {min(nearest_other)}", flush=True)
    searched = {}
    for name in OFF_CENTRE:
        found = [position_search(TRANSFORMS[name](image), stored[k], [c for j, c in enumerate(stored) if j != k] + others)
                 for k, image in enumerate(images)]
        searched[name] = {"per_photo": found, "own_min": min(f["own_bits"] for f in found),
                          "within_radius": sum(f["own_bits"] <= radius for f in found),
                          "nearer_than_every_other": sum(f["own_bits"] < f["nearest_other_bits"] for f in found),
                          "of": len(found), "squares_per_query": found[0]["squares"]}
        print(f"{name:32} searched at every position ({found[0]['squares']} squares): own "
              f"{min(f['own_bits'] for f in found)}-{max(f['own_bits'] for f in found)} bits, "
              f"{searched[name]['within_radius']}/{len(found)} within {radius}; own nearer than every other in "
              f"{searched[name]['nearer_than_every_other']}/{len(found)}", flush=True)
    report = {"benchmark": "centre_codes", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
              "references": len(photos), "other_pictures": len(others), "radius_bits": radius,
              "sizes_per_query": len(CENTRE_HYPOTHESES), "transformations": rows,
              "off_centre_position_search": searched}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
