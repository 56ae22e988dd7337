"""Benchmark: what a cosignature costs. ``clearance witness serve`` runs as its own process on 127.0.0.1;
a client submits checkpoints of a growing tree one after another (``add-checkpoint`` with the consistency
proof from the last cosigned size), as a busy log does after each signature. Each answer is sent only
after the new size is fsynced (file and folder), so the latency is mostly the disk's.

Reports the round-trip latency (median, p95, max) of accepted submissions, of refusals that need no write
(a stale old size: 409; a fork: 422), and accepted submissions per second from one client.

Run: ``.venv/bin/python benchmarks/witness.py [--submissions 300]``. Writes benchmarks/results/witness.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.fsutil import write_atomic  # noqa: E402
from ledger.log import merkle  # noqa: E402
from ledger.log.note import Checkpoint  # noqa: E402
from ledger.log.signer import LogKey  # noqa: E402
from ledger.witness.cosignature import CosignerKey  # noqa: E402
from ledger.witness.wire import AddCheckpoint  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "witness.json"


class Frontier:
    """Roots and consistency proofs of a growing tree, from every leaf hash (enough for a few thousand)."""

    def __init__(self) -> None:
        self.hashes: list[bytes] = []

    def mth(self, start: int, end: int) -> bytes:
        if end - start == 1:
            return self.hashes[start]
        split = 1 << ((end - start - 1).bit_length() - 1)
        return merkle.node_hash(self.mth(start, start + split), self.mth(start + split, end))

    def proof(self, old: int, new: int) -> list[bytes]:
        return [] if old in (0, new) else [self.mth(a, b) for a, b in merkle.consistency_ranges(old, new)]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _summary(values: list[float]) -> dict[str, float]:
    return {"count": len(values), "median_ms": round(statistics.median(values) * 1000, 3),
            "p95_ms": round(_percentile(values, 0.95) * 1000, 3), "max_ms": round(max(values) * 1000, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        log = LogKey.create(folder / "log", "bench.example/log")
        CosignerKey.create(folder / "witness", "bench.example/witness")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen([sys.executable, "-c", "from ledger.cli import main; main()", "witness", "serve",
                                    "--dir", str(folder / "witness"), "--log", log.vkey, "--port", "0"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            assert process.stderr is not None
            line = process.stderr.readline()
            host, port = line.split("http://", 1)[1].split(" ", 1)[0].rsplit(":", 1)
            connection = http.client.HTTPConnection(host, int(port), timeout=30)  # keep-alive, as the spec asks

            def submit(body: bytes) -> tuple[int, float]:
                started = time.perf_counter()
                connection.request("POST", "/add-checkpoint", body=body)
                response = connection.getresponse()
                response.read()
                return response.status, time.perf_counter() - started

            tree, size, accepted, stale, forks = Frontier(), 0, [], [], []
            began = time.perf_counter()
            for n in range(args.submissions):
                for i in range(1 + n % 5):  # 1-5 new entries between checkpoints
                    tree.hashes.append(merkle.leaf_hash(f"entry {len(tree.hashes)} {i}".encode()))
                new = len(tree.hashes)
                note = log.sign(Checkpoint(log.origin, new, tree.mth(0, new)).body())
                status, seconds = submit(AddCheckpoint(size, tree.proof(size, new), note).render())
                assert status == 200, status
                accepted.append(seconds)
                size = new
                if n % 10 == 0:
                    status, seconds = submit(AddCheckpoint(0, [], note).render())
                    assert status == 409, status
                    stale.append(seconds)
                    fork = log.sign(Checkpoint(log.origin, size, bytes(32)).body())
                    status, seconds = submit(AddCheckpoint(size, [], fork).render())
                    assert status == 422, status
                    forks.append(seconds)
            elapsed = time.perf_counter() - began
        finally:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
    report: dict[str, Any] = {
        "benchmark": "witness", "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_average": [round(x, 2) for x in os.getloadavg()]},
        "tree_size_at_end": size, "accepted": _summary(accepted), "stale_409": _summary(stale),
        "fork_422": _summary(forks),
        "accepted_per_second_one_client": round(len(accepted) / elapsed, 1),
        "note": "one client, sequential, HTTP keep-alive; each accepted answer waits for fsync of the state file "
                "and its folder. Timings include the 409/422 refusals interleaved every tenth submission.",
    }
    print(f"witness add-checkpoint, {len(accepted)} accepted up to tree size {size} "
          f"(load {report['machine']['load_average']}):")
    for name in ("accepted", "stale_409", "fork_422"):
        r = report[name]
        print(f"  {name:<10} median {r['median_ms']:8.2f} ms   p95 {r['p95_ms']:8.2f} ms   max {r['max_ms']:8.2f} ms")
    print(f"  {report['accepted_per_second_one_client']} accepted submissions per second from one client")
    write_atomic(RESULTS, (json.dumps(report, indent=2) + "\n").encode())
    print(f"saved {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
