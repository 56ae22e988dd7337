"""Decoding a clip's samples three ways: one decoder on one thread, one decoder on FFmpeg's threads,
and closed groups side by side (a decoder each, ``embeddings.sampling``'s default where
``decode_threads`` is above 1).

The clip is ``benchmarks/scale.py``'s 10 s 720p clip (``benchmarks/fingerprint.py``'s
``make_clip``). Each way decodes the same sampled frames (``load_sampled`` at a check's size, no
channels); wall and CPU seconds are the medians of ``--runs`` runs, and the frames each way gives are
compared.

Writes ``benchmarks/results/group_decoding.json``.
Run: ``.venv/bin/python benchmarks/group_decoding.py [--runs 7]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fingerprint import make_clip  # noqa: E402
from embeddings import EmbeddingsConfig  # noqa: E402
from embeddings.sampling import load_sampled  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "group_decoding.json"
BASE = EmbeddingsConfig(semantic_enabled=False, voice_enabled=False)


def _decode(path: Path, config: EmbeddingsConfig, runs: int) -> dict[str, object]:
    load_sampled(path, config, max_side=config.frame_max_side)   # libraries loaded, file cached
    walls, cpus, frames = [], [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        media = load_sampled(path, config, max_side=config.frame_max_side)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        frames = [(f.time_s, f.reason) for f in media.frames]
    return {"wall_s_p50": round(statistics.median(walls), 3), "cpu_s_p50": round(statistics.median(cpus), 3),
            "frames": frames}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ways = {"one_thread": BASE.with_(decode_threads=1),
            "ffmpeg_threads": BASE.with_(decode_threads=1),   # threads set below, on the one decoder
            "groups_side_by_side": BASE.with_(decode_threads=2)}
    report: dict[str, object] = {"benchmark": "group_decoding", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                                 "load_average_start": [round(x, 2) for x in os.getloadavg()], "runs": args.runs}
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip720p.mp4"
        report["clip_source"] = make_clip(clip)
        results = {}
        for name, config in ways.items():
            if name == "ffmpeg_threads":
                results[name] = _ffmpeg_threads(clip, config, args.runs)
            else:
                results[name] = _decode(clip, config, args.runs)
            print(f"{name:22} wall {results[name]['wall_s_p50']:.3f} s  CPU {results[name]['cpu_s_p50']:.3f} s", flush=True)
    same = len({json.dumps(r["frames"]) for r in results.values()}) == 1
    report["ways"] = {n: {k: v for k, v in r.items() if k != "frames"} for n, r in results.items()}
    report["frames"] = len(results["one_thread"]["frames"])  # type: ignore[arg-type]
    report["same_frames_every_way"] = same
    report["side_by_side_over_ffmpeg_threads_wall"] = round(
        float(results["groups_side_by_side"]["wall_s_p50"]) / float(results["ffmpeg_threads"]["wall_s_p50"]), 3)  # type: ignore[arg-type]
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"same frames every way: {same}; wrote {RESULTS}")


def _ffmpeg_threads(path: Path, config: EmbeddingsConfig, runs: int) -> dict[str, object]:
    """One decoder in sequence, as before groups went side by side: FFmpeg's own threads ("AUTO")."""
    from embeddings import sampling

    original = sampling.group_workers
    sampling.group_workers = lambda _config: 1   # type: ignore[assignment]  # the one-decoder path ...
    try:   # ... with FFmpeg threading: decode_threads 0 sets thread_type AUTO on that decoder
        return _decode(path, config.with_(decode_threads=0), runs)
    finally:
        sampling.group_workers = original   # type: ignore[assignment]


if __name__ == "__main__":
    main()
