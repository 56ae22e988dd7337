"""Decoding shortcuts registration does not take: what each saves, and what it does to the pictures.

Registration decodes every frame another frame refers to (FFmpeg's ``skip_frame = NONREF`` on the
packets it does not sample). Two ways to decode still less exist; this measures both on the
registration benchmark's clip (``benchmarks/fingerprint.py``'s ``make_clip``, 720p30 x264):

- ``skip_frame = BIDIR``: decode no B frame at all, and sample only I and P frames. With x264's
  default B-pyramid some B frames are references, so the P frames after them are decoded wrong;
  the figure is the worst PSNR of a P or I frame against the same frame decoded in full.
- ``skip_loop_filter``: leave out H.264's in-loop deblocking filter (``noref``, ``bidir``,
  ``nokey``, ``all``) while decoding as registration does (``skip_frame = NONREF``); the figure is
  the worst PSNR of a frame on the one-a-second grid against a full decode.

Each row: CPU seconds of one decode of the whole clip (median of ``--runs``; reading the pixels out
for the comparison is not counted), its share of the
plain decode, the frames decoded, and the worst PSNR (dB; "exact" where identical).

Writes ``benchmarks/results/decode_shortcuts.json``.
Run: ``.venv/bin/python benchmarks/decode_shortcuts.py [--runs 5]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fingerprint import make_clip  # noqa: E402
from benchmarks.registration import conditions  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "decode_shortcuts.json"


def decode(path: Path, *, skip_frame: str | None = None, skip_loop_filter: str | None = None
           ) -> tuple[float, dict[int, tuple[str, np.ndarray]]]:
    """(CPU seconds, pts -> (picture type, grey pixels)) of one single-threaded decode of ``path``."""
    import av

    with av.open(str(path)) as handle:
        stream = handle.streams.video[0]
        stream.thread_type = "NONE"
        if skip_loop_filter:
            stream.codec_context.options = {"skip_loop_filter": skip_loop_filter}
        if skip_frame:
            stream.codec_context.skip_frame = skip_frame  # type: ignore[assignment]  # PyAV takes the enum's name
        frames: dict[int, tuple[str, np.ndarray]] = {}
        started, converting = time.process_time(), 0.0
        for frame in handle.decode(stream):
            before = time.process_time()
            frames[int(frame.pts or 0)] = (str(frame.pict_type), frame.to_ndarray(format="gray"))
            converting += time.process_time() - before
        return time.process_time() - started - converting, frames


def worst_psnr(full: dict[int, tuple[str, np.ndarray]], other: dict[int, tuple[str, np.ndarray]],
               keys: list[int]) -> float | str:
    worst = float("inf")
    for key in keys:
        error = float(np.mean((full[key][1].astype(np.float64) - other[key][1]) ** 2))
        worst = min(worst, float("inf") if error == 0 else 10 * np.log10(255 ** 2 / error))
    return "exact" if worst == float("inf") else round(worst, 1)


def row(path: Path, runs: int, full: dict[int, tuple[str, np.ndarray]], plain_s: float, keys_of: Any,
        **options: str) -> dict[str, Any]:
    times, frames = [], {}
    for _ in range(runs):
        seconds, frames = decode(path, **options)
        times.append(seconds)
    cpu = statistics.median(times)
    keys = keys_of(frames)
    return {"options": options, "cpu_s": round(cpu, 3), "share_of_plain": round(cpu / plain_s, 2),
            "frames_decoded": len(frames), "frames_compared": len(keys), "worst_psnr_db": worst_psnr(full, frames, keys)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "benchmark.mp4"
        origin = make_clip(path)
        plain_times, full = [], {}
        for _ in range(args.runs):
            seconds, full = decode(path)
            plain_times.append(seconds)
        plain_s = statistics.median(plain_times)
        rate = 30   # make_clip's frames per second; pts count frames at its time base
        tick = max(1, round(1 / (rate * float(_time_base(path)))))

        def grid(frames: dict[int, Any]) -> list[int]:   # one frame a second, where the shortcut decoded it
            return [k for k in frames if (k // tick) % rate == 0]

        rows = {"plain": {"cpu_s": round(plain_s, 3), "frames_decoded": len(full)},
                "skip_frame NONREF (registration, between sampled frames)": row(path, args.runs, full, plain_s, grid, skip_frame="NONREF"),
                "skip_frame BIDIR (I and P only)": row(path, args.runs, full, plain_s, list, skip_frame="BIDIR")}
        for mode in ("noref", "bidir", "nokey", "all"):
            rows[f"NONREF + skip_loop_filter {mode}"] = row(path, args.runs, full, plain_s, grid, skip_frame="NONREF",
                                                           skip_loop_filter=mode)
    types = {t: sum(1 for kind, _ in full.values() if kind == t) for t in sorted({kind for kind, _ in full.values()})}
    for name, figures in rows.items():
        print(f"{name:40} {json.dumps({k: v for k, v in figures.items() if k != 'options'})}")
    report = {"benchmark": "decode_shortcuts", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
              "clip": {"made_by": "benchmarks/fingerprint.py make_clip", "pictures": origin, "frame_types": types},
              "runs": args.runs, "conditions": conditions(), "rows": rows}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS}")


def _time_base(path: Path) -> Any:
    import av

    with av.open(str(path)) as handle:
        return handle.streams.video[0].time_base


if __name__ == "__main__":
    main()
