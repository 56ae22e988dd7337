"""A bulk registration (``clearance register --bulk LIST`` on a local Ray instance) running beside the load.

The list is made for the run: ``count`` distinct stills, either variants of the real photos in
``../shared/data`` (a different crop, scale and brightness of one of them per file, so every file
has bytes of its own and real content to fingerprint) or, with ``generated``, synthetic pictures
drawn from a seeded generator (for a machine without the shared media). The job runs as a user
runs it, a ``clearance`` process with the installation's settings; each JSON progress line it
writes to stderr (one per committed batch) is kept with the time it arrived, so the load can say
how many batches committed while its writes ran. Afterwards :func:`exactly_once` counts, in the
database, what became of every listed file.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import CLEARANCE, SHARED, Installation

SOURCES = ("shared", "generated")


def shared_stills() -> list[Path]:
    """The real photos the variants are made from (faces, near-duplicate sets, C2PA-free stills)."""
    folders = [SHARED / "faces", SHARED / "near-duplicates" / "ukbench", SHARED / "near-duplicates" / "bridge"]
    return sorted(p for folder in folders for p in folder.glob("*.jpg") if p.stat().st_size > 30_000)


def build_list(folder: Path, count: int, source: str) -> tuple[Path, list[str]]:
    """Write ``count`` distinct stills and a CSV list naming them; the list's path and each file's SHA-256."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageEnhance

    if source not in SOURCES:
        raise ValueError(f"bulk media source {source!r}: one of {', '.join(SOURCES)}")
    bases = shared_stills() if source == "shared" else []
    if source == "shared" and not bases:
        raise SystemExit(f"no test media at {SHARED}; use --bulk-media generated, or provide ../shared/data")
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261206)
    digests: list[str] = []
    rows = ["path,title"]
    for n in range(count):
        if bases:
            with Image.open(bases[n % len(bases)]) as opened:
                image = opened.convert("RGB")
            width, height = image.size
            cut = 0.02 + 0.08 * ((n // len(bases)) % 5) / 4  # a different crop of the photo each round
            left, top = int(width * cut * rng.random()), int(height * cut * rng.random())
            image = image.crop((left, top, width - int(width * cut) + left, height - int(height * cut) + top))
            image.thumbnail((640, 640))
            image = ImageEnhance.Brightness(image).enhance(0.9 + 0.2 * rng.random())
        else:
            image = Image.new("RGB", (640, 480), tuple(int(c) for c in rng.integers(0, 256, 3)))
            draw = ImageDraw.Draw(image)
            for _ in range(24):
                x, y = (int(v) for v in rng.integers(0, 600, 2))
                box = (x, y % 440, x + int(rng.integers(20, 200)), y % 440 + int(rng.integers(20, 200)))
                colour = tuple(int(c) for c in rng.integers(0, 256, 3))
                (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
        path = folder / f"still-{n:05d}.jpg"
        image.save(path, "JPEG", quality=90)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in digests:  # never met so far; a repeat would be skipped by the job, not registered
            raise RuntimeError(f"{path} repeats the bytes of an earlier file of the list")
        digests.append(digest)
        rows.append(f"{path.name},Load test still {n}")
    listing = folder / "list.csv"
    listing.write_text("\n".join(rows) + "\n")
    return listing, digests


@dataclass
class BulkJob:
    """``clearance register --bulk`` as a child process, with its progress lines and when each arrived."""

    inst: Installation
    listing: Path
    batch_files: int | None = None
    process: subprocess.Popen[bytes] | None = None
    progress: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    other_stderr: list[str] = field(default_factory=list)
    started: float = 0.0
    ray_start_failures: list[str] = field(default_factory=list)
    ended: float | None = None

    @property
    def report_path(self) -> Path:
        return self.listing.with_name("report.json")

    def start(self) -> None:
        args = [CLEARANCE, "register", "--bulk", str(self.listing), "--report", str(self.report_path)]
        if self.batch_files:
            args += ["--batch-files", str(self.batch_files)]
        env = {k: v for k, v in self.inst.env.items() if k != "CLEARANCE_RAY_ADDRESS"}  # a Ray instance of its own
        # A starting raylet gives its Python agents 15 s to report their ports, which a machine loaded far
        # past its cores misses (the job then stops before registering anything); the load is not about that.
        env.setdefault("RAY_agent_register_timeout_ms", "120000")
        self.progress, self.other_stderr, self.ended = [], [], None
        self.started = time.monotonic()
        self.process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for raw in self.process.stderr:
            line = raw.decode(errors="replace").strip()
            if line.startswith('{"event": "progress"'):
                self.progress.append((time.monotonic(), json.loads(line)))
            elif line and '"level": "INFO"' not in line:  # Ray's workers pass on their INFO log lines
                self.other_stderr.append(line)
        self.process.wait()
        self.ended = time.monotonic()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def wait_for_batches(self, batches: int, timeout_s: float, starts: int = 3) -> None:
        """Until ``batches`` batches have committed (Ray is up and files are being logged). A job that could not
        start Ray (it then registers nothing and exits 6) is started again, ``starts`` times in all."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.progress and self.progress[-1][1]["batches"] >= batches:
                return
            if self.process is not None and self.process.poll() is not None and self.ended is not None:
                why = " | ".join(self.other_stderr[-5:])
                if self.process.returncode == 6 and "Ray instance" in why and not self.progress and starts > 1:
                    self.ray_start_failures.append(why[-300:])
                    starts -= 1
                    self.start()
                    continue
                raise RuntimeError(f"the bulk job ended (exit {self.process.returncode}) before batch {batches}: "
                                   + why)
            time.sleep(0.2)
        raise RuntimeError(f"the bulk job committed no batch {batches} in {timeout_s} s")

    def wait(self, timeout_s: float) -> int | None:
        """Its exit status (None when it did not end in time: it is then stopped)."""
        assert self.process is not None
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.stop()
            return None
        deadline = time.monotonic() + 10
        while self.ended is None and time.monotonic() < deadline:  # the reader has the last lines
            time.sleep(0.05)
        return self.process.returncode

    def stop(self) -> None:
        """SIGTERM, then SIGKILL; Ray's processes are its children and go with it (``ray.shutdown``)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def batches_between(self, start: float, end: float) -> int:
        """Batches committed in the window (each progress line follows one committed batch)."""
        return sum(1 for at, _ in self.progress if start <= at <= end)

    def files_done_at(self, moment: float) -> int:
        done = [line["files_done"] for at, line in self.progress if at <= moment]
        return done[-1] if done else 0


def exactly_once(inst: Installation, digests: list[str], job: BulkJob) -> dict[str, Any]:
    """What became of each listed file: one asset per SHA-256, one ``record.created`` and one
    ``fingerprints.added`` per asset, and what the job's report says."""
    assets: dict[str, list[str]] = {}
    for asset_id, sha256 in inst.query("SELECT id, sha256 FROM assets WHERE sha256 = ANY(%s)", digests):
        assets.setdefault(sha256, []).append(asset_id)
    created = inst.entries_per_subject("record.created")
    fingerprinted: dict[str, int] = {}
    for (payload,) in inst.query("SELECT payload FROM log_entries WHERE event_type = 'fingerprints.added'"):
        owner = json.loads(bytes(payload)).get("owner_id")
        if owner:
            fingerprinted[owner] = fingerprinted.get(owner, 0) + 1
    report: dict[str, Any] = json.loads(job.report_path.read_text()) if job.report_path.exists() else {}
    ids = [a for found in assets.values() for a in found]
    return {
        "files": len(digests),
        "report_summary": {k: report["summary"][k] for k in ("registered", "skipped", "refused", "batches",
                                                             "frames", "elapsed_s")} if report else None,
        "refused": [r.get("why", "")[:300] for r in report.get("refused", [])][:10],
        "files_not_registered_exactly_once": [d for d in digests if len(assets.get(d, [])) != 1],
        "assets_not_created_exactly_once": [a for a in ids if created[a] != 1],
        "assets_not_fingerprinted_exactly_once": [a for a in ids if fingerprinted.get(a, 0) != 1],
    }
