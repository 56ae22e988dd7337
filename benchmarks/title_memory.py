"""Memory of registering a title from disk: peak RSS against the file's size.

A title is registered from its path as a stream (``embeddings.media.identify``,
``ledger.media_store.store_file``): hashed, decoded and copied into the media
store chunk by chunk, never read whole. This registers 1080p24 ProRes 422 HQ
masters of two lengths (the pictures of ``benchmarks/registration.py``) through
``register_asset`` into a fresh SQLite home, each in a process of its own, and
reports how far the process's resident memory grows while it registers (sampled
every 5 ms), beside the file's size. If files were held, the longer master's
growth would include its size; streamed, both grow by about the same. ``max_bytes`` stays at its default (512 MiB), under the longer
master's size.

Run: ``.venv/bin/python benchmarks/title_memory.py [--seconds 10,60]``; writes
``benchmarks/results/title_memory.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.registration import conditions, encode_master  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
FIELDS = {"role": "training_asset", "acquisition_method": "own_production", "acquired_on": "2026-11-30"}


def _register(path: str, home: str, answer: Any) -> None:
    """In a fresh process: register the title at ``path`` and answer peak RSS, wall time and frames."""
    from ledger.context import Clearance
    from ledger.fingerprints.service import register_asset
    from ledger.settings import Settings
    from ledger.setup import initialise

    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": home, "CLEARANCE_SEMANTIC_ENABLED": "false"}))
    initialise(ctx)
    before = _rss()
    peak = [before]
    done = threading.Event()

    def sample() -> None:   # the process's high-water mark is set by start-up: sample the resident size instead
        while not done.wait(0.005):
            peak[0] = max(peak[0], _rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    registered = register_asset(ctx, {**FIELDS, "title": Path(path).stem}, Path(path), Path(path).name, "bench")
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    answer.put({"rss_before_bytes": before, "peak_rss_registering_bytes": peak[0],
                "growth_bytes": peak[0] - before, "wall_s": round(wall, 2),
                "frames": registered.fingerprints["frames"], "max_bytes": ctx.embeddings_config.max_bytes})


def _rss() -> int:
    """The process's resident size now (Linux), in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def measure(seconds: float, folder: Path) -> dict[str, Any]:
    title = folder / f"master-{seconds:g}s.mov"
    encode_master(title, seconds=seconds)
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    process = context.Process(target=_register, args=(str(title), str(folder / f"home-{seconds:g}"), answer))
    process.start()
    result = answer.get(timeout=3600)
    process.join()
    size = title.stat().st_size
    title.unlink()
    return {"seconds": seconds, "file_bytes": size, **result,
            "growth_over_file_size": round(result["growth_bytes"] / size, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", default="10,60", help="lengths of the masters, comma-separated")
    parser.add_argument("--output", default=str(RESULTS / "title_memory.json"))
    args = parser.parse_args()
    report: dict[str, Any] = {"benchmark": "title_memory", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                              "what": "resident memory (before, and the most while registering) of a process registering one "
                                      "1080p24 ProRes 422 HQ master from disk (register_asset: hash, decode, "
                                      "fingerprint, copy into the store, log)",
                              "conditions_start": conditions(), "titles": []}
    with tempfile.TemporaryDirectory() as tmp:
        for seconds in (float(s) for s in args.seconds.split(",")):
            row = measure(seconds, Path(tmp))
            report["titles"].append(row)
            print(f"{seconds:5.0f} s master: {row['file_bytes'] / 2**20:7.0f} MiB on disk; resident "
                  f"{row['rss_before_bytes'] / 2**20:.0f} MiB before, {row['peak_rss_registering_bytes'] / 2**20:.0f} MiB "
                  f"at most while registering ({row['frames']} frames, {row['wall_s']} s)", flush=True)
    report["conditions_end"] = conditions()
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
