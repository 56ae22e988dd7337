"""200 concurrent record writes while 32 checks run, on PostgreSQL, two API processes and two workers.

Run: ``.venv/bin/python scripts/reliability/load.py [--runs 5] [--checks 32]`` (about two minutes;
loopback only). Each run starts a fresh installation, warms it with a burst of reads, times 20 writes
alone, submits the checks, then sends 200 ``POST /v1/parties`` at once on kept-alive connections
(``rawhttp.py``, a client light enough not to take the server's CPU) and times each. Passes when
every run has 0 errors, every acknowledged write in the log exactly once, every check decided
exactly once and ``log verify`` passing; reports each run's record-write latency, the median of
the runs' p99 and the worst (target p99 < 1 s while the checks run). Saves
``benchmarks/results/reliability-load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any

import httpx

from harness import CHECK_REQUEST, Installation, check_clips, cpu_seconds, machine_cpu, percentile, save
from rawhttp import Connection

WRITES, CHECKS = 200, 32
WARM_WRITES = 64
RUNS = 5


async def submit_checks(client: httpx.AsyncClient, inst: Installation, count: int) -> list[str]:
    async def one(path: Any) -> str:
        answer = await client.post("/v1/checks?wait=false", headers=inst.headers("generator"),
                                   files={"file": (path.name, path.read_bytes())},
                                   data={"request": json.dumps(CHECK_REQUEST)})
        if answer.status_code != 202:
            raise RuntimeError(f"check submission answered {answer.status_code}: {answer.text[:300]}")
        return str(answer.json()["clip_id"])

    return list(await asyncio.gather(*(one(p) for p in check_clips(count))))


async def write(conn: Connection, inst: Installation, n: int) -> tuple[float, float, dict[str, Any] | str]:
    """One ``POST /v1/parties`` on an open connection, timed from the first byte sent to the last received."""
    request = conn.request_bytes("POST", "/v1/parties", inst.headers("registrar"),
                                 {"kind": "organisation", "name": f"Load test studio {n}"})
    start = time.monotonic()
    try:
        answer = await conn.send(request)
        body: dict[str, Any] | str = answer.json() if answer.status == 201 else \
            f"{answer.status}: {answer.body[:200].decode(errors='replace')}"
    except (OSError, RuntimeError, asyncio.IncompleteReadError) as exc:
        body = f"{type(exc).__name__}: {exc}"
    return start, time.monotonic() - start, body


async def run(inst: Installation, checks: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=CHECKS + 8, max_keepalive_connections=CHECKS + 8)
    async with httpx.AsyncClient(base_url=inst.base, timeout=120, limits=limits) as client:
        # Warm, as a server that has been running is: a burst of writes opens the pooled database
        # connections and request threads of both processes and prepares their statements before
        # anything is timed (these writes are held to the same exactly-once count as the timed ones).
        warm_conns = await asyncio.gather(*(Connection("127.0.0.1", inst.port).open() for _ in range(WARM_WRITES)))
        warm = await asyncio.gather(*(write(conn, inst, -1000 - n) for n, conn in enumerate(warm_conns)))
        await asyncio.gather(*(conn.close() for conn in warm_conns))
        first = await Connection("127.0.0.1", inst.port).open()
        alone = [(await write(first, inst, -n))[1] for n in range(1, 21)]  # one at a time, nothing else running
        await first.close()
        began = time.monotonic()
        clips = await submit_checks(client, inst, checks)
        # The writers: one kept-alive connection each, opened before the timing starts (as clients of an
        # API hold theirs), on a client light enough not to compete with the server for the cores.
        conns = await asyncio.gather(*(Connection("127.0.0.1", inst.port).open() for _ in range(WRITES)))
        submitted = time.monotonic()
        api_pids, database_pids = inst.api_pids(), inst.database_pids()
        cpu_before, database_cpu_before = cpu_seconds(api_pids), cpu_seconds(database_pids)
        machine_before = machine_cpu()
        (signed_before,), = inst.query("SELECT count(*) FROM log_checkpoints")
        writes = await asyncio.gather(*(write(conns[n], inst, n) for n in range(WRITES)))
        written = time.monotonic()
        api_cpu = cpu_seconds(api_pids) - cpu_before
        database_cpu = cpu_seconds(database_pids) - database_cpu_before  # backends opened during the burst are missed
        machine_busy, machine_all = (after - before for after, before in zip(machine_cpu(), machine_before, strict=True))
        (signed_after,), = inst.query("SELECT count(*) FROM log_checkpoints")
        decided_during_writes = sum(inst.decisions_per_clip().values())
        pending = set(clips)
        while pending and time.monotonic() - began < 600:
            for clip in list(pending):
                answer = await client.get(f"/v1/checks/jobs/{clip}", headers=inst.headers("generator"))
                if answer.status_code != 202:
                    pending.discard(clip)
            await asyncio.sleep(0.5)
        checks_done = time.monotonic()
        await asyncio.gather(*(conn.close() for conn in conns))
    errors = [body for _, _, body in [*warm, *writes] if isinstance(body, str)]
    acknowledged = [body["record"]["id"] for _, _, body in [*warm, *writes] if isinstance(body, dict)]
    latencies = [latency for _, latency, body in writes if isinstance(body, dict)]
    created = inst.entries_per_subject("record.created")
    decisions = inst.decisions_per_clip()
    outcome = {
        "setup": {"api_processes": inst.api_processes, "workers": inst.worker_count, "writes": WRITES,
                  "checks": checks, "backend": "postgresql", "queue": "rabbitmq"},
        "errors": errors[:10], "error_count": len(errors), "undecided_checks": sorted(pending),
        "acknowledged_writes": len(acknowledged),
        "acknowledged_not_exactly_once": [i for i in acknowledged if created[i] != 1],
        "checks_not_decided_exactly_once": [c for c in clips if decisions[c] != 1],
        "check_verdicts": dict(__import__("collections").Counter(
            v for (v,) in inst.query("SELECT verdict FROM checks"))),
        "write_latency_s": {"p50": round(percentile(latencies, 50), 3), "p99": round(percentile(latencies, 99), 3),
                            "max": round(max(latencies), 3)} if latencies else None,
        "writes_wall_s": round(written - submitted, 2),
        "api_cpu_ms_per_write": round(1000 * api_cpu / WRITES, 2),  # both API processes, during the 200 writes
        "database_cpu_ms_per_write": round(1000 * database_cpu / WRITES, 2),  # PostgreSQL backends of this database
        "machine_cpu_busy_during_writes": round(machine_busy / machine_all, 2) if machine_all else None,  # all cores
        "checkpoints_signed_during_writes": signed_after - signed_before,  # receipts share signatures
        "write_alone_latency_s": {"p50": round(percentile(alone, 50), 3), "max": round(max(alone), 3)},
        "load_average_at_end": [round(x, 2) for x in __import__("os").getloadavg()],
        "checks_wall_s": round(checks_done - began, 2),
        "checks_undecided_when_writes_ended": checks - decided_during_writes,
        "log_verify_ok": inst.log_verify(),
    }
    outcome["passed"] = (not errors and not pending and not outcome["acknowledged_not_exactly_once"]
                         and not outcome["checks_not_decided_exactly_once"] and outcome["log_verify_ok"])
    outcome["p99_under_1s"] = bool(latencies) and percentile(latencies, 99) < 1.0
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=CHECKS, help=f"checks running during the writes ({CHECKS}; "
                                                                  "0 gives the baseline without them)")
    parser.add_argument("--api-threads", type=int, default=None,
                        help="CLEARANCE_API_THREADS for the server (default: the setting's default)")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"whole runs, each on a fresh installation ({RUNS}); "
                                                              "the figures of one run swing on a shared machine")
    args = parser.parse_args(argv)
    runs = []
    for _ in range(args.runs):
        inst = Installation(api_processes=2, workers=2, settings=(
            {"CLEARANCE_API_THREADS": str(args.api_threads)} if args.api_threads else None))
        try:
            inst.start()
            runs.append(asyncio.run(run(inst, args.checks)))
        finally:
            inst.stop()
            inst.remove()
        print(json.dumps(runs[-1]["write_latency_s"]), file=sys.stderr)
    p99s = [r["write_latency_s"]["p99"] for r in runs if r["write_latency_s"]]
    outcome = {
        "runs": runs,
        "write_p99_s": {"median_of_runs": round(statistics.median(p99s), 3) if p99s else None,
                        "worst_run": max(p99s, default=None), "each_run": p99s},
        "runs_with_p99_under_1s": sum(bool(r["p99_under_1s"]) for r in runs),
        "passed": all(r["passed"] for r in runs),
    }
    outcome["setup"] = {"api_threads": args.api_threads or "default", "checks": args.checks, "runs": args.runs}
    name = "reliability-load" if args.checks == CHECKS else f"reliability-load-{args.checks}-checks"
    path = save(name + (f"-{args.api_threads}-threads" if args.api_threads else ""), outcome)
    print(json.dumps({k: v for k, v in outcome.items() if k != "runs"}, indent=2))
    print(f"saved {path}")
    return 0 if outcome["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
