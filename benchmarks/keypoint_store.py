"""What the compact tier's on-disk keypoints cost in bytes and in recall.

For each stored layout (keypoints kept per frame x leading descriptor bits) the
real works of ``../shared/data`` are registered in a compact index and the known
copies (crops, captions, emoji, flips, re-encodes, the bridge and UKBench
modifications, the chair videos) and negatives of ``benchmarks/scale.py`` are
checked through ``embeddings.match``. The world is small, so every stored frame
is verified: the figures isolate what the stored layout loses, against all 500
full 256-bit descriptors (the old ``.npz`` layout's content).

Writes ``benchmarks/results/keypoint_store.json``.
Run: ``nice .venv/bin/python benchmarks/keypoint_store.py [--layouts 500:256,100:256,230:96]``.
The machine is shared with other engineers (the JSON records the load average);
bytes and recall do not depend on load.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scale import CONFIG, RESULTS, conditions, real_works, recall  # noqa: E402
from embeddings import Fingerprinter, IndexSet  # noqa: E402

LIMIT_BYTES = 4096


def measure(assets: dict[str, Any], queries: list[dict[str, Any]], per_frame: int, bits: int) -> dict[str, Any]:
    config = CONFIG.with_(keypoints_stored_per_frame=per_frame, keypoints_stored_bits=bits)
    frames = sum(len(a.frames) for a in assets.values())
    with tempfile.TemporaryDirectory() as tmp:
        indexes = IndexSet(Path(tmp) / "ix", config)
        for asset_id, fps in assets.items():
            indexes.add_asset(asset_id, fps)
        assert indexes.keypoint_store is not None
        on_disk = indexes.keypoint_store.bytes_on_disk()
        found = recall(indexes, queries)
    return {"keypoints_per_frame": per_frame, "descriptor_bits": bits,
            "bytes_on_disk_per_frame": round(on_disk / frames), "within_limit": on_disk / frames <= LIMIT_BYTES,
            **found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", default="500:256,100:256,180:128,230:96,290:64",
                        help="per_frame:bits, comma-separated")
    args = parser.parse_args()
    start = conditions()
    assets, queries = real_works(Fingerprinter(CONFIG))
    rows = []
    for layout in args.layouts.split(","):
        per_frame, bits = (int(x) for x in layout.split(":"))
        row = measure(assets, queries, per_frame, bits)
        rows.append(row)
        print(f"{per_frame:>4} x {bits:>3} bits: {row['bytes_on_disk_per_frame']:>6} B/frame, recall {row['recall']:.3f}, "
              f"false matches {row['false_matches']}", flush=True)
    report = {"benchmark": "keypoint_store", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
              "conditions_start": start, "conditions_end": conditions(),
              "default": {"keypoints_per_frame": CONFIG.keypoints_stored_per_frame,
                          "descriptor_bits": CONFIG.keypoints_stored_bits},
              "limit_bytes_per_frame": LIMIT_BYTES,
              "frames": sum(len(a.frames) for a in assets.values()), "layouts": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "keypoint_store.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
