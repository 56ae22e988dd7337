"""Does dlib's face detector find the same faces on a frame's brightness as on its colour, and how much faster?

Every shared face photo, every sampled frame of the shared videos and the first 60 near-duplicate
pictures are run through dlib's HOG frontal detector (upsample 0, as the identity channel runs it)
twice: on the RGB picture and on its grey version. Reports how many pictures give the very same
boxes, the faces found each way, and the detector's CPU seconds each way.

Writes ``benchmarks/results/face_detector_input.json``.
Run: ``.venv/bin/python benchmarks/face_detector_input.py``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings.channels.identity import _load_models, face_models_dir  # noqa: E402
from embeddings.media import load_media  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "face_detector_input.json"


def pictures() -> list[tuple[str, np.ndarray]]:
    from PIL import Image

    found = [(p.name, np.asarray(Image.open(p).convert("RGB"))) for p in sorted((SHARED / "faces").glob("*.jpg"))]
    for video in sorted((SHARED / "video").glob("*.mp4")):
        found += [(f"{video.name}@{f.time_s}", f.image) for f in load_media(video).frames]
    found += [(p.name, np.asarray(Image.open(p).convert("RGB")))
              for p in sorted((SHARED / "near-duplicates").glob("*/*"))[:60]]
    return found


def main() -> None:
    import cv2

    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is missing: this benchmark needs the shared media")
    detector = _load_models(str(face_models_dir()), None).detector
    rows, seconds = [], {"colour": 0.0, "grey": 0.0}
    for name, image in pictures():
        boxes = {}
        for kind, picture in (("colour", image), ("grey", cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))):
            picture = np.ascontiguousarray(picture)
            start = time.process_time()
            rects = detector.run(picture, 0, 0.0)[0]
            seconds[kind] += time.process_time() - start
            boxes[kind] = sorted((r.left(), r.top(), r.right(), r.bottom()) for r in rects)
        rows.append({"picture": name, "same_boxes": boxes["colour"] == boxes["grey"],
                     "faces_colour": len(boxes["colour"]), "faces_grey": len(boxes["grey"])})
    report = {"benchmark": "face_detector_input", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
              "pictures": len(rows), "same_boxes": sum(r["same_boxes"] for r in rows),
              "faces_colour": sum(r["faces_colour"] for r in rows), "faces_grey": sum(r["faces_grey"] for r in rows),
              "detector_cpu_s": {k: round(v, 3) for k, v in seconds.items()},
              "grey_over_colour_cpu": round(seconds["grey"] / seconds["colour"], 3),
              "differing": [r for r in rows if not r["same_boxes"]]}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "differing"}, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
