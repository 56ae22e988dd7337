"""Benchmark: what ``synchronous=FULL`` costs SQLite appends, against the ``NORMAL`` it replaced.

In WAL mode, ``synchronous=NORMAL`` syncs the WAL only at checkpoints, so the last commits
acknowledged before a power loss (or an operating-system crash) can be lost; ``FULL`` syncs the
WAL at every commit, so an acknowledged append is on disk. This runs the single and batched
append measurements of ``benchmarks/log.py`` (same code path, same raw baseline, which switches
too) under each setting, interleaved (FULL, NORMAL, FULL, NORMAL, ...) so both see the same
machine load, and writes ``benchmarks/results/sqlite-durability.json``.

Run: ``.venv/bin/python benchmarks/sqlite_durability.py`` (about two minutes), ``--rounds N``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("log_benchmark", HERE / "log.py")
assert spec is not None and spec.loader is not None
bench = importlib.util.module_from_spec(spec)
sys.modules["log_benchmark"] = bench  # its dataclasses look their module up while the class is made
spec.loader.exec_module(bench)

RESULTS = HERE / "results" / "sqlite-durability.json"
PLAN = bench.Plan(single_events=1000, batched_batches=5, repeats=2, records=0, receipts=0, imports=0,
                  proof_sizes=(), proofs=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="FULL/NORMAL pairs (default 3)")
    args = parser.parse_args(argv)
    samples: dict[str, dict[str, list[float]]] = {m: {"single": [], "batched": [], "raw_single": [], "raw_batched": []}
                                                  for m in ("FULL", "NORMAL")}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="clearance-bench-durability-") as tmp:
        for round_ in range(args.rounds):
            for mode in ("FULL", "NORMAL"):
                bench.SQLITE_SYNCHRONOUS = mode
                result = bench.appends("sqlite", Path(tmp), PLAN)
                for kind in ("single", "batched"):
                    samples[mode][kind] += result[kind]["ours_samples"]
                    samples[mode][f"raw_{kind}"] += result[kind]["raw_samples"]
                print(f"[{time.perf_counter() - started:5.0f}s] round {round_ + 1} {mode}: "
                      f"{result['single']['ours_per_s']}/s single, {result['batched']['ours_per_s']}/s batched",
                      flush=True)
    medians = {mode: {kind: round(statistics.median(values)) for kind, values in kinds.items()}
               for mode, kinds in samples.items()}
    report: dict[str, Any] = {
        "benchmark": "sqlite-durability", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": bench.machine(["sqlite"]),
        "plan": {"rounds": args.rounds, "single_events_per_sample": PLAN.single_events,
                 "batched_events_per_sample": PLAN.batched_batches * bench.BATCH, "repeats_per_round": PLAN.repeats},
        "appends_per_s_median": medians,
        "full_over_normal": {kind: round(medians["FULL"][kind] / medians["NORMAL"][kind], 3)
                             for kind in ("single", "batched", "raw_single", "raw_batched")},
        "targets_met_with_full": {"single_per_s": medians["FULL"]["single"] >= bench.TARGETS["sqlite"]["single_per_s"],
                                  "batched_per_s": medians["FULL"]["batched"] >= bench.TARGETS["sqlite"]["batched_per_s"]},
        "samples": {mode: {k: [round(x) for x in v] for k, v in kinds.items()} for mode, kinds in samples.items()},
        "notes": ["same append path and raw sqlite3 baseline as benchmarks/log.py, with PRAGMA synchronous switched "
                  "on both; WAL mode; this disk's fsync cost sets the FULL figure, a slower disk lowers it"],
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    bench.write_atomic(RESULTS, (json.dumps(report, indent=2) + "\n").encode())
    print(json.dumps({k: report[k] for k in ("appends_per_s_median", "full_over_normal", "targets_met_with_full")},
                     indent=2))
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
