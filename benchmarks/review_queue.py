"""The team queue with many checks awaiting review: how long the filtered view and the page take.

A real check in review (the console tests' studio) is copied N times through the log (``clip.submitted``
and ``check.decided`` with the same payloads under new ids, over 4 services, 6 projects and 2 channels),
then the queue is read: ``queue.view`` unfiltered, filtered by service and policy, and the console page
``GET /ui/reviews`` (first 50 rows, thumbnails linked, not fetched). Medians of 7 runs.

Run: ``nice .venv/bin/python benchmarks/review_queue.py [N ...]`` (default 1000 5000); writes
``benchmarks/results/review_queue.json``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from ledger.context import Clearance  # noqa: E402
from ledger.log.events import Event  # noqa: E402
from ledger.log.tables import LogEntry  # noqa: E402
from ledger.settings import Settings  # noqa: E402
from ledger.setup import initialise  # noqa: E402
from ledger.worklist import queue  # noqa: E402
from ledger.worklist.criteria import parse  # noqa: E402
from tests.ledger.review_studio import review_studio  # noqa: E402
from tests.ledger.web.console import Console  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "review_queue.json"
RUNS = 7


def _payload(ctx: Clearance, index: int) -> dict[str, Any]:
    with ctx.db.reader() as session:
        row = session.exec(select(LogEntry).where(LogEntry.idx == index)).one()
    value: dict[str, Any] = json.loads(row.payload or b"{}")
    return value


def _copies(ctx: Clearance, clip_index: int, check_index: int, count: int) -> None:
    clip, check = _payload(ctx, clip_index), _payload(ctx, check_index)
    for start in range(0, count, 200):
        events = []
        for n in range(start, min(count, start + 200)):
            clip_id, check_id = f"clp_{uuid.uuid4().hex[:20]}", f"chk_{uuid.uuid4().hex[:20]}"
            events.append(Event("clip.submitted", {**clip, "service": f"svc-{n % 4}", "project": f"Project {n % 6}",
                                                   "filename": f"clip-{n}.mp4"}, "clip", clip_id, "bench"))
            matches = [{**m, "channel": "semantic" if n % 2 else m["channel"]} for m in check["matches"]]
            events.append(Event("check.decided", {**check, "clip_id": clip_id, "matches": matches}, "check",
                                check_id, "bench"))
        with ctx.db.transaction() as session:
            ctx.record(session, events)


def _median_ms(run: Any) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def measure(count: int) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="queue-bench-"))
    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home / "home")}))
    initialise(ctx)
    studio = review_studio(ctx)
    with ctx.db.reader() as session:
        clip_index = session.exec(select(LogEntry.idx).where(LogEntry.event_type == "clip.submitted")).one()
    _copies(ctx, clip_index, studio.outcome.check["log_index"], count - 1)
    console = Console(ctx)
    legal = console.signed_in("legal")
    policy = studio.outcome.check["reasons"][0]["policy_id"]
    assert queue.view(ctx, parse({}), "x").total_pending == count
    figures = {
        "pending": count,
        "view_all_ms": _median_ms(lambda: queue.view(ctx, parse({}), "x")),
        "view_service_policy_sorted_ms": _median_ms(
            lambda: queue.view(ctx, parse({"service": "svc-1", "policy": policy, "sort": "release"}), "x")),
        "page_ms": _median_ms(lambda: legal.get("/ui/reviews").raise_for_status()),
        "page_filtered_ms": _median_ms(lambda: legal.get("/ui/reviews", params={"channel": "semantic",
                                                                                "sort": "newest"}).raise_for_status()),
    }
    ctx.db.dispose()
    return figures


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [1000, 5000]
    results = [measure(n) for n in counts]
    document = {"what": "team queue read (SQLite), medians of 7 runs", "runs": RUNS,
                "note": "measured on a shared 2-core machine under contention from other work", "results": results}
    RESULT.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
