"""Benchmark: discovery production of 10^4 and 10^5 records, records per second and peak memory.

For each size a fresh SQLite installation is filled with that many records (half
parties, half assets, each one ``record.created`` event appended in batches), then a
fresh child process exports every record (no stills or natives: the records hold no
media) and reports the export's wall time, its CPU time (all threads) and its peak resident set size (``VmHWM``),
beside its RSS just before the export started. The volume holds one DAT row, one JSONL
line and one tlog-proof file per record.

Each event gets its own proof file, so the export is bound below by how fast the disk
creates small files; the child measures that first (2,000 files of 700 bytes, one thread)
and reports it beside the export, since on a shared disk it swings by more than ten times.

Targets (this 2-core machine): 10^5 records in under 60 s with peak memory under 500 MB.

Run: ``.venv/bin/python benchmarks/export.py [--sizes 10000 100000]`` (writes benchmarks/results/export.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "export.json"
TARGET_S, TARGET_MB = 60.0, 500.0


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _open(home: Path):  # type: ignore[no-untyped-def]
    from ledger.context import Clearance
    from ledger.settings import Settings

    return Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home)}))


def fill(home: Path, count: int) -> None:
    from ledger.log.events import Event
    from ledger.setup import initialise

    ctx = _open(home)
    initialise(ctx)
    batch: list[Event] = []
    for n in range(count):
        if n % 2:
            batch.append(Event("record.created", {"kind": "person", "name": f"Person {n}", "aliases": [],
                                                  "notes": "line one\nline two"}, "party", f"pty-{n}", "bench"))
        else:
            batch.append(Event("record.created", {
                "role": "training_asset", "title": f"Work {n}", "media_type": "video/mp4",
                "sha256": f"{n:064x}", "acquisition_method": "licensed", "depicted": [],
                "rights_management_info": {"source": "bench"}}, "asset", f"ast-{n}", "bench"))
        if len(batch) == 5000:
            with ctx.db.transaction() as session:
                ctx.record(session, batch)
            batch = []
    if batch:
        with ctx.db.transaction() as session:
            ctx.record(session, batch)
    ctx.checkpoint()


def raw_file_creation(folder: Path, count: int = 2000) -> float:
    """Small files created per second on this disk right now: the floor of one proof file per event."""
    folder.mkdir(parents=True)
    started = time.perf_counter()
    for n in range(count):
        descriptor = os.open(folder / f"{n}.tlog-proof", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(descriptor, b"x" * 700)
        os.close(descriptor)
    return count / (time.perf_counter() - started)


def produce(home: Path, out: Path) -> dict[str, float]:
    from ledger.exports.service import export

    ctx = _open(home)
    ctx.check_ready()
    files_per_s = raw_file_creation(out.with_name("raw-files"))
    before = _rss_mb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    result = export(ctx, {}, out, "bench", overrides={"image_format": "none"})
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    documents = result["bates"]["last"] - result["bates"]["first"] + 1
    return {"documents": documents, "events": result["counts"]["events"], "seconds": round(elapsed, 2),
            "cpu_seconds": round(cpu, 2),
            "records_per_s": round(documents / elapsed, 1), "rss_before_mb": round(before, 1),
            "peak_rss_mb": round(_rss_mb("VmHWM"), 1), "raw_file_creations_per_s": round(files_per_s)}


def _child(mode: str, home: Path, arg: str) -> str:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(home), arg], capture_output=True,
                          text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the {mode} child failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, home, arg = args.child
        if mode == "fill":
            fill(Path(home), int(arg))
        else:
            print(json.dumps(produce(Path(home), Path(arg))))
        return
    runs = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            home = Path(scratch) / "home"
            started = time.perf_counter()
            _child("fill", home, str(size))
            filled = time.perf_counter() - started
            run = json.loads(_child("produce", home, str(Path(scratch) / "volume")))
            run.update(records=size, fill_seconds=round(filled, 1),
                       met=(run["seconds"] < TARGET_S and run["peak_rss_mb"] < TARGET_MB) if size == 100_000 else None)
            print(f"{size:>7} records: {run['seconds']:.1f} s ({run['cpu_seconds']:.1f} s CPU), "
                  f"{run['records_per_s']:.0f} records/s, "
                  f"peak RSS {run['peak_rss_mb']:.0f} MB (before export {run['rss_before_mb']:.0f} MB); "
                  f"raw small-file creation {run['raw_file_creations_per_s']}/s")
            runs.append(run)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "export", "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                           "platform": platform.platform()},
        "targets": {"seconds_at_100000": TARGET_S, "peak_rss_mb": TARGET_MB}, "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
