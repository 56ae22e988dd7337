"""Concurrent record writes while checks run and, optionally, a bulk registration, on PostgreSQL.

Run: ``.venv/bin/python scripts/reliability/load.py [--runs 5] [--checks 32]`` (the first round:
200 writes at once, one connection each, two API processes and two workers; about two minutes), or
the studio's size in one command::

    .venv/bin/python scripts/reliability/load.py --writes 2000 --clients 64 --checks 64 \\
        --bulk 320 --runs 3 --target-p99 2

Each run starts a fresh installation (``clearance serve --workers N``, N ``clearance worker``
processes on RabbitMQ), warms it with a burst of writes, times 20 writes alone, then, with
``--bulk``, starts ``clearance register --bulk`` over a list of stills made for the run (on a Ray
instance of its own) and waits for its first committed batch; submits the checks
(``wait=false``, so the workers decide them); then sends the writes (``POST /v1/parties``) from
``--clients`` kept-alive connections, each sending its next write when its last is answered
(``rawhttp.py``, a client light enough not to take the server's CPU), and times each from the
first byte sent to the last received. Then it waits for every check and for the bulk job.

Passes when every run has 0 errors, every acknowledged write in the log exactly once, every check
decided exactly once, every listed file registered exactly once (one asset per SHA-256, one
``record.created`` and one ``fingerprints.added`` each) and ``log verify`` passing. Reports each
run's latency, where the CPU went while the writes ran (API, database, check workers, the bulk job
with Ray, this client, and everything else on the machine: other users' load), and saves the
whole as JSON in ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import sys
import time
from typing import Any

import httpx

from bulkload import SOURCES, BulkJob, build_list, exactly_once
from harness import (CHECK_REQUEST, Installation, check_clips, descendants, machine_cpu, percentile, process_cpu,
                     save)
from rawhttp import Connection

WRITES, CHECKS = 200, 32
WARM_WRITES = 64
RUNS = 5
TARGET_P99_S = 1.0


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


async def clients_write(conns: list[Connection], inst: Installation, writes: int
                        ) -> list[tuple[float, float, dict[str, Any] | str]]:
    """``writes`` writes from the open connections, each client sending its next write once its last is answered."""
    numbers = iter(range(writes))
    done: list[tuple[float, float, dict[str, Any] | str]] = []

    async def client(conn: Connection) -> None:
        for n in numbers:  # one event loop: the clients share the iterator without a lock
            outcome = await write(conn, inst, n)
            done.append(outcome)
            if isinstance(outcome[2], str) and not outcome[2][:3].isdigit():
                return  # the connection broke; its remaining writes go to the other clients

    await asyncio.gather(*(client(conn) for conn in conns))
    return done


def cpu_by_part(inst: Installation, bulk: BulkJob | None) -> dict[str, list[int]]:
    """The processes of each part of the installation now (the database's backends by pg_stat_activity)."""
    parts = {"api": inst.api_pids(), "database": inst.database_pids(),
             "check_workers": [pid for w in inst.workers for pid in [w.pid, *descendants(w.pid)]],
             "client": [os.getpid()]}
    if bulk is not None:
        parts["bulk_and_ray"] = [bulk.pid, *descendants(bulk.pid)]
    return parts


async def run(inst: Installation, args: argparse.Namespace) -> dict[str, Any]:
    checks, writes_total = args.checks, args.writes
    clients = args.clients or writes_total
    limits = httpx.Limits(max_connections=checks + 8, max_keepalive_connections=checks + 8)
    bulk: BulkJob | None = None
    digests: list[str] = []
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
        bulk_started_writes = None
        if args.bulk:
            listing, digests = build_list(inst.tmp / "bulk", args.bulk, args.bulk_media)
            bulk = BulkJob(inst, listing, args.bulk_batch_files)
            bulk.start()
            # Ray started, its workers' models loaded and the first batch logged: the job is in its stride.
            await asyncio.to_thread(bulk.wait_for_batches, 1, 600)
        began = time.monotonic()
        clips = await submit_checks(client, inst, checks)
        # The writers: one kept-alive connection each, opened before the timing starts (as clients of an
        # API hold theirs), on a client light enough not to compete with the server for the cores.
        conns = await asyncio.gather(*(Connection("127.0.0.1", inst.port).open() for _ in range(clients)))
        submitted = time.monotonic()
        parts_before = cpu_by_part(inst, bulk)
        cpu_before = process_cpu()
        machine_before = machine_cpu()
        (signed_before,), = inst.query("SELECT count(*) FROM log_checkpoints")
        if bulk is not None:
            bulk_started_writes = bulk.files_done_at(submitted)
        writes = await clients_write(conns, inst, writes_total)
        written = time.monotonic()
        cpu_after = process_cpu()
        machine_busy, machine_all = (after - before for after, before in zip(machine_cpu(), machine_before, strict=True))
        parts_after = cpu_by_part(inst, bulk)
        (signed_after,), = inst.query("SELECT count(*) FROM log_checkpoints")
        decided_during_writes = sum(inst.decisions_per_clip()[c] for c in clips)
        bulk_running_when_writes_ended = bulk is not None and bulk.ended is None
        pending = set(clips)
        while pending and time.monotonic() - began < 600:
            for clip in list(pending):
                answer = await client.get(f"/v1/checks/jobs/{clip}", headers=inst.headers("generator"))
                if answer.status_code != 202:
                    pending.discard(clip)
            await asyncio.sleep(0.5)
        checks_done = time.monotonic()
        await asyncio.gather(*(conn.close() for conn in conns))
    bulk_exit = await asyncio.to_thread(bulk.wait, 900) if bulk is not None else None

    errors = [body for _, _, body in [*warm, *writes] if isinstance(body, str)]
    acknowledged = [body["record"]["id"] for _, _, body in [*warm, *writes] if isinstance(body, dict)]
    latencies = [latency for _, latency, body in writes if isinstance(body, dict)]
    created = inst.entries_per_subject("record.created")
    decisions = inst.decisions_per_clip()
    wall = written - submitted
    tick = os.sysconf("SC_CLK_TCK")
    # A process that ended meanwhile is missed (its ticks are gone); one that started is counted whole.
    cpu_s = {part: sum(cpu_after[pid] - cpu_before.get(pid, 0)
                       for pid in set(parts_before[part]) | set(parts_after[part]) if pid in cpu_after) / tick
             for part in parts_after}
    cpu_s["everything_else"] = machine_busy / tick - sum(cpu_s.values())  # other users of the machine, PostgreSQL's own
    outcome: dict[str, Any] = {
        "setup": {"api_processes": inst.api_processes, "workers": inst.worker_count, "writes": writes_total,
                  "clients": clients, "checks": checks, "bulk_files": args.bulk, "bulk_media": args.bulk_media
                  if args.bulk else None, "backend": "postgresql", "queue": "rabbitmq"},
        "errors": errors[:10], "error_count": len(errors), "undecided_checks": sorted(pending),
        "acknowledged_writes": len(acknowledged),
        "acknowledged_not_exactly_once": [i for i in acknowledged if created[i] != 1],
        "checks_not_decided_exactly_once": [c for c in clips if decisions[c] != 1],
        "check_verdicts": dict(collections.Counter(v for (v,) in inst.query("SELECT verdict FROM checks"))),
        "write_latency_s": {"p50": round(percentile(latencies, 50), 3), "p90": round(percentile(latencies, 90), 3),
                            "p99": round(percentile(latencies, 99), 3),
                            "max": round(max(latencies), 3)} if latencies else None,
        "writes_wall_s": round(wall, 2),
        "writes_per_s": round(len(latencies) / wall, 1) if wall else None,
        "api_cpu_ms_per_write": round(1000 * cpu_s["api"] / writes_total, 2),  # both API processes, during the writes
        "database_cpu_ms_per_write": round(1000 * cpu_s["database"] / writes_total, 2),  # this database's backends
        # Where the machine's CPU went while the writes ran, in cores (2.0 = both cores all the time).
        "cores_used_during_writes": {part: round(seconds / wall, 2) for part, seconds in cpu_s.items()} if wall else None,
        "machine_cpu_busy_during_writes": round(machine_busy / machine_all, 2) if machine_all else None,  # all cores
        "checkpoints_signed_during_writes": signed_after - signed_before,  # receipts share signatures
        "write_alone_latency_s": {"p50": round(percentile(alone, 50), 3), "max": round(max(alone), 3)},
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "checks_wall_s": round(checks_done - began, 2),
        "checks_undecided_when_writes_ended": checks - decided_during_writes,
        "log_verify_ok": inst.log_verify(),
    }
    bulk_ok = True
    if bulk is not None:
        counted = exactly_once(inst, digests, bulk)
        outcome["bulk"] = {
            **counted, "exit_status": bulk_exit,
            "files_done_when_writes_began": bulk_started_writes,
            "files_done_when_writes_ended": bulk.files_done_at(written),
            "batches_committed_during_writes": bulk.batches_between(submitted, written),
            "running_through_the_writes": bulk_running_when_writes_ended,
            "wall_s": round((bulk.ended or time.monotonic()) - bulk.started, 1),
            "stderr_tail": bulk.other_stderr[-5:],
            "ray_start_failures": bulk.ray_start_failures,  # the job started again (nothing registered)
        }
        bulk_ok = (bulk_exit == 0 and not counted["files_not_registered_exactly_once"]
                   and not counted["assets_not_created_exactly_once"]
                   and not counted["assets_not_fingerprinted_exactly_once"])
    outcome["passed"] = (not errors and not pending and not outcome["acknowledged_not_exactly_once"]
                         and not outcome["checks_not_decided_exactly_once"] and outcome["log_verify_ok"] and bulk_ok)
    outcome["p99_under_target"] = bool(latencies) and percentile(latencies, 99) < args.target_p99
    return outcome


def contention() -> dict[str, Any]:
    """How busy the machine is before a run, with nothing of this script's running: 5 s of /proc/stat."""
    busy_before, all_before = machine_cpu()
    time.sleep(5)
    busy, every = (after - before for after, before in zip(machine_cpu(), (busy_before, all_before), strict=True))
    return {"load_average": [round(x, 2) for x in os.getloadavg()],
            "cores_busy_before_run": round(busy / every * (os.cpu_count() or 1), 2) if every else None}


def result_name(args: argparse.Namespace) -> str:
    if args.name:
        return str(args.name)
    if (args.writes, args.clients, args.bulk, args.api_processes, args.workers) == (WRITES, None, 0, 2, 2):
        name = "reliability-load" if args.checks == CHECKS else f"reliability-load-{args.checks}-checks"
        return name + (f"-{args.api_threads}-threads" if args.api_threads else "")
    return (f"reliability-load-{args.writes}-writes-{args.clients or args.writes}-clients-{args.checks}-checks"
            + (f"-bulk-{args.bulk}" if args.bulk else "") + (f"-{args.api_threads}-threads" if args.api_threads else ""))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=WRITES, help=f"timed record writes per run ({WRITES})")
    parser.add_argument("--clients", type=int, default=None,
                        help="concurrent clients sending them, one kept-alive connection each (default: one per write, "
                             "all at once)")
    parser.add_argument("--checks", type=int, default=CHECKS, help=f"checks running during the writes ({CHECKS}; "
                                                                  "0 gives the baseline without them)")
    parser.add_argument("--bulk", type=int, default=0, metavar="FILES",
                        help="run `clearance register --bulk` over a list of FILES stills made for the run, "
                             "through the writes (0: none)")
    parser.add_argument("--bulk-media", choices=SOURCES, default="shared",
                        help="the list's stills: variants of ../shared/data photos (shared) or drawn (generated)")
    parser.add_argument("--bulk-batch-files", type=int, default=None,
                        help="--batch-files for the bulk job (default: the command's)")
    parser.add_argument("--api-processes", type=int, default=2, help="`clearance serve --workers N` (2)")
    parser.add_argument("--workers", type=int, default=2, help="`clearance worker` processes (2)")
    parser.add_argument("--api-threads", type=int, default=None,
                        help="CLEARANCE_API_THREADS for the server (default: the setting's default)")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"whole runs, each on a fresh installation ({RUNS}); "
                                                              "the figures of one run swing on a shared machine")
    parser.add_argument("--target-p99", type=float, default=TARGET_P99_S,
                        help=f"record-write p99 target in seconds ({TARGET_P99_S})")
    parser.add_argument("--name", default=None, help="results file name, without .json (default: from the options)")
    parser.add_argument("--note", default=None, help="saved with the results (e.g. what else ran on the machine)")
    args = parser.parse_args(argv)
    if args.writes < 1 or (args.clients is not None and args.clients < 1) or min(args.checks, args.bulk) < 0:
        parser.error("--writes and --clients take a positive count; --checks and --bulk zero or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    runs = []
    for _ in range(args.runs):
        before = contention()
        inst = Installation(api_processes=args.api_processes, workers=args.workers, settings=(
            {"CLEARANCE_API_THREADS": str(args.api_threads)} if args.api_threads else None))
        try:
            inst.start()
            runs.append({**asyncio.run(run(inst, args)), "machine_before_run": before})
        except RuntimeError as exc:  # a part that did not start or answer: said in one line, nothing saved
            print(f"load.py: {exc}", file=sys.stderr)
            return 2
        finally:
            inst.stop()
            inst.remove()
        print(json.dumps({"write_latency_s": runs[-1]["write_latency_s"], "passed": runs[-1]["passed"]}),
              file=sys.stderr)
    p99s = [r["write_latency_s"]["p99"] for r in runs if r["write_latency_s"]]
    outcome = {
        "runs": runs,
        "write_p99_s": {"median_of_runs": round(statistics.median(p99s), 3) if p99s else None,
                        "worst_run": max(p99s, default=None), "each_run": p99s},
        "target_p99_s": args.target_p99,
        "runs_with_p99_under_target": sum(bool(r["p99_under_target"]) for r in runs),
        "passed": all(r["passed"] for r in runs),
    }
    outcome["setup"] = {"api_threads": args.api_threads or "default", "writes": args.writes,
                        "clients": args.clients or args.writes, "checks": args.checks, "bulk_files": args.bulk,
                        "bulk_media": args.bulk_media, "api_processes": args.api_processes,
                        "workers": args.workers, "runs": args.runs,
                        "command": "scripts/reliability/load.py " + " ".join(sys.argv[1:] if argv is None else argv)}
    if args.note:
        outcome["note"] = args.note
    path = save(result_name(args), outcome)
    print(json.dumps({k: v for k, v in outcome.items() if k != "runs"}, indent=2))
    print(f"saved {path}")
    return 0 if outcome["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
