"""Benchmark: C2PA sign and verify time for ~10 MB and ~100 MB MP4 files, against SHA-256.

For each size the script generates an MP4 of noise frames (MPEG-4 Part 2 at a
very high bitrate, so the size is reached in seconds), then measures, with the
file in the page cache:

* one SHA-256 pass over the input (hashlib, 1 MiB chunks): the unit of the ratios;
* ``sign_clip`` (c2pa reads the input and writes the signed copy; the clip hash is
  passed in, as the ledger already stored the clip under it; the signed file is
  hashed once for the ``clip.signed`` event);
* ``verify_file`` (c2pa validation including the BMFF hard binding, one SHA-256
  of the file, manifest-store extraction).

Target: sign + verify within 3x one SHA-256 pass. Peak memory is the peak
resident set size (``VmHWM``) of a fresh child process doing only that
operation, reported beside the child's RSS just after imports: c2pa is native
code, so tracemalloc would not see its allocations.

Run: ``.venv/bin/python benchmarks/provenance.py`` (writes benchmarks/results/provenance.json).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "provenance.json"
SIZES_MB = (10, 100)
REPEATS = 5


def generate_mp4(path: Path, target_mb: int, width: int = 640, height: int = 360) -> int:
    """Write an MP4 of at least ``target_mb`` MB; returns its size in bytes."""
    import av
    import numpy as np

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(8)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = 400_000_000
        count = 0
        while count % 25 or not path.exists() or path.stat().st_size < target_mb * 1_000_000:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frames[count % 8], format="rgb24")):
                out.mux(packet)
            count += 1
        for packet in stream.encode():
            out.mux(packet)
    return path.stat().st_size


def sha256_seconds(path: Path) -> float:
    start = time.perf_counter()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return time.perf_counter() - start


def _release(clip_sha256: str):
    from ledger.provenance import ClearanceRelease

    return ClearanceRelease(check_id="chk_bench", verdict="pass", policy_set_hash="0" * 64,
                            log_index=1, log_origin="bench/log", checkpoint="bench/log\n2\nAA==\n",
                            clip_sha256=clip_sha256)


def peak_rss_kib() -> int:
    """VmHWM: the peak resident set of this process's own address space (reset by exec,
    unlike ru_maxrss, which a child inherits from the parent that spawned it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(operation: str, keys: Path, source: Path, dest: Path, clip_sha256: str) -> None:
    """Run one operation in this (fresh) process and print timing and peak RSS as JSON."""
    from ledger.provenance import DevCredentials, GeneratingModel, sign_clip, verify_file

    creds = DevCredentials.in_directory(keys)
    identity, trust = creds.identity(), creds.trust()
    rss_after_imports = peak_rss_kib()
    start = time.perf_counter()
    if operation == "sign":
        sign_clip(source, dest, identity=identity, release=_release(clip_sha256),
                  model=GeneratingModel("bench"), clip_sha256=clip_sha256)
    else:
        result = verify_file(dest, trust=trust)
        assert result.state == "Trusted", result.reasons
    seconds = time.perf_counter() - start
    peak = peak_rss_kib()
    print(json.dumps({"seconds": seconds, "peak_rss_kib": peak,
                      "rss_after_imports_kib": rss_after_imports}))


def run_child(operation: str, keys: Path, source: Path, dest: Path, clip_sha256: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", operation, str(keys), str(source), str(dest),
         clip_sha256], check=True, capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(size_mb: int, work: Path, keys: Path) -> dict:
    source, dest = work / f"in-{size_mb}.mp4", work / f"signed-{size_mb}.mp4"
    started = time.perf_counter()
    size = generate_mp4(source, size_mb)
    generation = time.perf_counter() - started
    digest = hashlib.sha256()
    with open(source, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    clip_sha256 = digest.hexdigest()
    sha, sign, verify = [], [], []
    for _ in range(REPEATS):
        sha.append(sha256_seconds(source))
        sign.append(run_child("sign", keys, source, dest, clip_sha256))
        verify.append(run_child("verify", keys, source, dest, clip_sha256))
    sha_s = statistics.median(sha)
    sign_s = statistics.median(r["seconds"] for r in sign)
    verify_s = statistics.median(r["seconds"] for r in verify)
    row = {
        "target_mb": size_mb, "bytes": size, "generation_s": round(generation, 2),
        "sha256_s": round(sha_s, 4), "sign_s": round(sign_s, 4), "verify_s": round(verify_s, 4),
        "sign_ratio": round(sign_s / sha_s, 2), "verify_ratio": round(verify_s / sha_s, 2),
        "sign_plus_verify_ratio": round((sign_s + verify_s) / sha_s, 2),
        # sign_clip and verify_file each hash the file once themselves (for the clip.signed
        # event and the log comparison); the rest is c2pa-rs reading, writing and hashing.
        "c2pa_share_ratio": round((sign_s + verify_s - 2 * sha_s) / sha_s, 2),
        "sign_peak_rss_mib": round(max(r["peak_rss_kib"] for r in sign) / 1024, 1),
        "verify_peak_rss_mib": round(max(r["peak_rss_kib"] for r in verify) / 1024, 1),
        "rss_after_imports_mib": round(sign[0]["rss_after_imports_kib"] / 1024, 1),
        "signed_overhead_bytes": dest.stat().st_size - size,
    }
    best = (min(r["seconds"] for r in sign) + min(r["seconds"] for r in verify)) / min(sha)
    row["best_sign_plus_verify_ratio"] = round(best, 2)  # fastest runs: less noise from load
    row["meets_3x_target"] = row["sign_plus_verify_ratio"] <= 3.0
    source.unlink()
    dest.unlink()
    return row


def main() -> None:
    from ledger.provenance import create_dev_ca

    work = Path(tempfile.mkdtemp(prefix="clearance-bench-"))
    try:
        keys = create_dev_ca(work / "keys").directory
        rows = [measure(size, work, keys) for size in SIZES_MB]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    import c2pa

    record = {
        "benchmark": "provenance", "repeats": REPEATS, "statistic": "median",
        "memory": "peak RSS (VmHWM) of a fresh child process per operation, and its RSS after "
                  "imports; c2pa is native code, so tracemalloc cannot see it",
        "c2pa_python": c2pa.__version__, "c2pa_rs": c2pa.sdk_version(),
        "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
        "results": rows,
    }
    print(f"{'size':>8} {'sha256':>8} {'sign':>8} {'verify':>8} {'(s+v)/sha':>10} "
          f"{'sign RSS':>9} {'verify RSS':>10}")
    for r in rows:
        print(f"{r['bytes'] / 1e6:>6.1f}MB {r['sha256_s']:>7.3f}s {r['sign_s']:>7.3f}s "
              f"{r['verify_s']:>7.3f}s {r['sign_plus_verify_ratio']:>9.2f}x "
              f"{r['sign_peak_rss_mib']:>7.1f}MiB {r['verify_peak_rss_mib']:>8.1f}MiB")
    print("fastest-run ratios: " + ", ".join(f"{r['best_sign_plus_verify_ratio']}x" for r in rows))
    print(f"(RSS just after imports: {rows[0]['rss_after_imports_mib']} MiB; target (s+v)/sha <= 3x)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, RESULTS)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=5, metavar=("OP", "KEYS", "SRC", "DEST", "SHA"))
    args = parser.parse_args()
    if args.child:
        op, keys, src, dest, sha = args.child
        child(op, Path(keys), Path(src), Path(dest), sha)
    else:
        main()
