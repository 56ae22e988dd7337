"""Benchmark: the transparency log's append rate and inclusion-proof latency (issue 2, section 7).

Measures, on SQLite (WAL, ``synchronous=FULL`` as the product runs it; ``SQLITE_SYNCHRONOUS`` below
switches both sides, see ``benchmarks/sqlite_durability.py``) and on the local PostgreSQL server:

* single-event appends per second: each event its own write transaction through
  the real code path, ``with ctx.db.transaction() as s: store.append(s, [event])``;
* batched appends per second: ``BATCH`` events per transaction, same path;
* beside each, the raw database's own rate for plain inserts of the same bytes
  (one row per event holding the same leaf, payload, type and subject, primary key
  only) in the same run: the ``sqlite3`` module, or psycopg, one row per commit and
  ``executemany`` batches; our rate divided by the raw rate;
* record creation, labelled separately because it adds validation and projection:
  ``create_event`` (ledger.records.service) + ``ctx.record`` (append + projection
  into the ``parties`` table), one record per transaction; and, for scale, the full
  ``create_record`` path, which also signs a checkpoint and builds a receipt;
* inclusion-proof latency p50/p95 at 10^4, 10^5 and 10^6 entries: the log is
  built with the batched path, then ``store.inclusion_proof(session, i, size)`` is
  timed for random ``i`` in one reader session, with the entry rows each proof reads.

Rates are medians of interleaved repetitions (ours, raw, ours, raw, ...) so both
sides see the same machine load. Targets from the issue are checked and flagged.

Run: ``.venv/bin/python benchmarks/log.py`` (full, ~10 minutes on 2 cores), or
``--quick`` for a smoke run (10^4 entries only, fewer events), ``--backends sqlite``
to skip PostgreSQL. Writes benchmarks/results/log.json (atomically).
PostgreSQL: admin URL from ``$CLEARANCE_TEST_PG`` (default
postgresql://127.0.0.1:5432/test); a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402

from ledger.context import Clearance  # noqa: E402
from ledger.fsutil import write_atomic  # noqa: E402
from ledger.log import merkle, store  # noqa: E402
from ledger.log.events import Envelope, Event  # noqa: E402
from ledger.records.importer import BATCH_ROWS as IMPORT_BATCH_ROWS  # noqa: E402
from ledger.records.importer import import_file  # noqa: E402
from ledger.records.kinds import KINDS  # noqa: E402
from ledger.records.service import create_event, create_record  # noqa: E402
from ledger.settings import Settings  # noqa: E402
from ledger.setup import initialise  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "log.json"
PG_ADMIN_URL = os.environ.get("CLEARANCE_TEST_PG", "postgresql://127.0.0.1:5432/test")
BATCH = 1000
BUILD_BATCH = 1000
TARGETS = {
    "sqlite": {"single_per_s": 5_000, "batched_per_s": 50_000},
    "postgres": {"single_per_s": 1_000, "batched_per_s": 20_000},
}
PROOF_P50_TARGET_MS = 1.0
PROOF_TARGET_SIZE = 10**6
SQLITE_SYNCHRONOUS = "FULL"
"""SQLite's ``synchronous`` for our installation and the raw baseline alike; the product uses FULL."""


@dataclass(frozen=True)
class Plan:
    single_events: int      # events per repetition, one transaction each
    batched_batches: int    # transactions of BATCH events per repetition
    repeats: int
    records: int            # create_event + ctx.record per repetition
    receipts: int           # full create_record (with checkpoint + receipt), once
    imports: int            # rows of one JSON file through import_file, once
    proof_sizes: tuple[int, ...]
    proofs: int             # random indexes timed per size


FULL = Plan(single_events=2000, batched_batches=20, repeats=5, records=1000, receipts=300, imports=5000,
            proof_sizes=(10**4, 10**5, 10**6), proofs=2000)
QUICK = Plan(single_events=300, batched_batches=3, repeats=2, records=200, receipts=50, imports=500,
             proof_sizes=(10**4,), proofs=500)


# ---------------------------------------------------------------- inputs

def event(i: int) -> Event:
    """A raw log event with a realistic ~300-byte canonical payload."""
    asset = f"ast_{i:020d}"
    payload = {
        "asset_id": asset,
        "sha256": f"{i:064x}",
        "media_type": "video/mp4",
        "bytes": 104_857_600 + i,
        "title": f"Reel {i} - exterior night, take 3",
        "source": "s3://studio-masters/2026/reels/",
        "tags": ["dailies", "unit-b", "colour-graded"],
        "received_at": "2026-11-23T19:51:04.123456Z",
    }
    return Event("log.initialized", payload, "asset", asset, "bench")


def party(i: int) -> dict[str, Any]:
    """A party record whose canonical payload is ~300 bytes."""
    return {"kind": "person", "name": f"Performer Number {i}", "aliases": [f"P. N. {i}", f"Perf{i}"],
            "born_on": "1980-05-01", "domicile": "US-CA", "union_affiliation": "SAG-AFTRA",
            "contact_email": f"performer{i}@agency.example", "contact_phone": "+1 310 555 0100",
            "notes": "Background performer, unit B, signed release on file."}


def raw_rows(events: list[Event], start: int) -> list[tuple[Any, ...]]:
    """The bytes our log stores for each event's entry row, for the raw baseline."""
    rows = []
    for offset, e in enumerate(events):
        payload = e.payload_bytes()
        leaf = Envelope.for_event(start + offset, e, payload).leaf_bytes()
        rows.append((start + offset, leaf, payload, e.type, e.subject_kind, e.subject_id))
    return rows


RAW_DDL = ("CREATE TABLE bench_raw (idx BIGINT PRIMARY KEY, leaf {blob} NOT NULL, payload {blob}, "
           "event_type TEXT NOT NULL, subject_kind TEXT, subject_id TEXT)")


# ---------------------------------------------------------------- installations

@dataclass
class Backend:
    name: str
    ctx: Clearance
    raw: Any                              # sqlite3 / psycopg connection for the baseline
    raw_insert: str
    raw_begin: Callable[[], None]
    raw_commit: Callable[[], None]


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)


def _pg_url(name: str, driver: str = "postgresql+psycopg") -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", f"{driver}://", 1) + f"/{name}"


@contextmanager
def installation(backend: str, workdir: Path) -> Iterator[Backend]:
    """A fresh, initialised Clearance installation (and a raw connection) that is removed afterwards."""
    home = Path(tempfile.mkdtemp(dir=workdir, prefix=f"{backend}-"))
    dbname = None
    conn: Any = None
    if backend == "sqlite":
        url = f"sqlite:///{home / 'clearance.db'}"
    else:
        dbname = f"clearance_bench_{uuid.uuid4().hex[:12]}"
        with _pg_admin() as admin:
            admin.execute(f'CREATE DATABASE "{dbname}"')
        url = _pg_url(dbname)
    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home / "home"), "CLEARANCE_DATABASE_URL": url}))
    if backend == "sqlite" and SQLITE_SYNCHRONOUS != "FULL":
        # registered after ledger.db's own listener, so it runs after it, on every new connection
        sqlalchemy.event.listen(ctx.db.write_engine, "connect",
                                lambda dbapi_conn, _record: dbapi_conn.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}"))
    try:
        initialise(ctx)
        if backend == "sqlite":
            conn = sqlite3.connect(home / "raw.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
            conn.execute(RAW_DDL.format(blob="BLOB"))
            b = Backend(backend, ctx, conn, "INSERT INTO bench_raw VALUES (?, ?, ?, ?, ?, ?)",
                        lambda: conn.execute("BEGIN IMMEDIATE"), lambda: conn.execute("COMMIT"))
        else:
            import psycopg

            conn = psycopg.connect(_pg_url(dbname, "postgresql"))  # type: ignore[arg-type]
            conn.execute(RAW_DDL.format(blob="BYTEA"))
            conn.commit()
            b = Backend(backend, ctx, conn, "INSERT INTO bench_raw VALUES (%s, %s, %s, %s, %s, %s)",
                        lambda: None, conn.commit)  # psycopg opens the transaction itself
        yield b
    finally:
        if conn is not None:
            conn.close()
        ctx.db.dispose()
        if dbname:
            with _pg_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


# ---------------------------------------------------------------- measurements

@contextmanager
def inputs_frozen() -> Iterator[None]:
    """Measure with the prebuilt inputs out of the cyclic garbage collector's reach.

    A sample's 20,000 prebuilt events are the harness's, not the log's; left tracked, every full
    collection that the code under test triggers walks them too, a large share of a batched
    append's time. ``gc.freeze`` moves everything alive now (inputs, modules) to the permanent generation,
    as a server that freezes after start-up would; what the measured code allocates is collected
    as usual.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def ours_single(b: Backend, events: list[Event]) -> float:
    t0 = time.perf_counter()
    for e in events:
        with b.ctx.db.transaction() as s:
            store.append(s, [e])
    return _rate(len(events), time.perf_counter() - t0)


def ours_batched(b: Backend, batches: list[list[Event]]) -> float:
    t0 = time.perf_counter()
    for batch in batches:
        with b.ctx.db.transaction() as s:
            store.append(s, batch)
    return _rate(sum(map(len, batches)), time.perf_counter() - t0)


def raw_single(b: Backend, rows: list[tuple[Any, ...]]) -> float:
    cur = b.raw.cursor()
    t0 = time.perf_counter()
    for row in rows:
        b.raw_begin()
        cur.execute(b.raw_insert, row)
        b.raw_commit()
    return _rate(len(rows), time.perf_counter() - t0)


def raw_batched(b: Backend, batches: list[list[tuple[Any, ...]]]) -> float:
    cur = b.raw.cursor()
    t0 = time.perf_counter()
    for batch in batches:
        b.raw_begin()
        cur.executemany(b.raw_insert, batch)
        b.raw_commit()
    return _rate(sum(map(len, batches)), time.perf_counter() - t0)


def appends(backend: str, workdir: Path, plan: Plan) -> dict[str, Any]:
    samples: dict[str, list[float]] = {"ours_single": [], "raw_single": [], "ours_batched": [], "raw_batched": []}
    with installation(backend, workdir) as b:
        next_event, next_raw = 10, 0
        # warm-up: connection pools, statement caches, page cache
        ours_single(b, [event(i) for i in range(next_event)])
        raw_single(b, raw_rows([event(i) for i in range(10)], 0))
        next_raw = 10
        for _ in range(plan.repeats):
            events = [event(next_event + i) for i in range(plan.single_events)]
            rows = raw_rows(events, next_raw)
            with inputs_frozen():
                samples["ours_single"].append(ours_single(b, events))
                samples["raw_single"].append(raw_single(b, rows))
            next_event += len(events)
            next_raw += len(rows)
            batches = [[event(next_event + k * BATCH + i) for i in range(BATCH)] for k in range(plan.batched_batches)]
            raw_batches = [raw_rows(batch, next_raw + k * BATCH) for k, batch in enumerate(batches)]
            with inputs_frozen():
                samples["ours_batched"].append(ours_batched(b, batches))
                samples["raw_batched"].append(raw_batched(b, raw_batches))
            next_event += plan.batched_batches * BATCH
            next_raw += plan.batched_batches * BATCH
        with b.ctx.db.reader() as s:
            assert store.tree_size(s) == next_event + 1, "log size does not match the events appended"
    out: dict[str, Any] = {}
    for mode in ("single", "batched"):
        ours, raw = statistics.median(samples[f"ours_{mode}"]), statistics.median(samples[f"raw_{mode}"])
        out[mode] = {
            "ours_per_s": round(ours), "raw_per_s": round(raw), "ratio": round(ours / raw, 4),
            "ours_samples": [round(x) for x in samples[f"ours_{mode}"]],
            "raw_samples": [round(x) for x in samples[f"raw_{mode}"]],
            "events_per_sample": plan.single_events if mode == "single" else plan.batched_batches * BATCH,
            "events_per_transaction": 1 if mode == "single" else BATCH,
        }
    return out


def records(backend: str, workdir: Path, plan: Plan) -> dict[str, Any]:
    """Record creation: create_event (validation) + ctx.record (append + projection), one per transaction."""
    kind = KINDS["party"]
    samples = []
    with installation(backend, workdir) as b:
        ctx, n = b.ctx, 0
        for i in range(10):  # warm-up
            with ctx.db.transaction() as s:
                ctx.record(s, [create_event(s, kind, party(i), "bench")])
        for _ in range(plan.repeats):
            data = [party(10 + n + i) for i in range(plan.records)]
            t0 = time.perf_counter()
            for d in data:
                with ctx.db.transaction() as s:
                    ctx.record(s, [create_event(s, kind, d, "bench")])
            samples.append(_rate(len(data), time.perf_counter() - t0))
            n += plan.records
        data = [party(10 + n + i) for i in range(plan.receipts)]
        t0 = time.perf_counter()
        for d in data:
            create_record(ctx, kind, d, "bench")
        with_receipt = _rate(len(data), time.perf_counter() - t0)
        source = workdir / f"import-{backend}.json"
        source.write_text(json.dumps([{"record_type": "party", **party(10 + n + plan.receipts + i)}
                                      for i in range(plan.imports)]))
        t0 = time.perf_counter()
        imported = import_file(ctx, source, actor="bench")
        import_rate = _rate(plan.imports, time.perf_counter() - t0)
        assert len(imported.accepted) == plan.imports, imported.as_json()["errors"][:3]
        with ctx.db.reader() as s:
            rows = s.connection().execute(sqlalchemy.text("SELECT count(*) FROM parties")).scalar_one()
        assert rows == 10 + n + plan.receipts + plan.imports, "projection did not write every record"
    return {
        "label": "record creation incl. validation and projection: create_event + ctx.record, 1 per transaction",
        "per_s": round(statistics.median(samples)), "samples": [round(x) for x in samples],
        "payload_bytes": len(Event("x", KINDS["party"].fields.model_validate(party(0)).model_dump(mode="json"))
                             .payload_bytes()),
        "with_receipt": {"label": "full create_record: + sign checkpoint + inclusion proof receipt",
                         "per_s": round(with_receipt), "records": plan.receipts},
        "import": {"label": "clearance import of one JSON file (import_file: read, validate, write in batches, "
                            "one checkpoint at the end)",
                   "per_s": round(import_rate), "rows": plan.imports, "rows_per_transaction": IMPORT_BATCH_ROWS},
    }


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _analyze(b: Backend) -> None:
    """Statistics as autovacuum would leave them after a bulk load (PostgreSQL only)."""
    if b.name == "postgres":
        with b.ctx.db.write_engine.connect() as conn:
            conn.execute(sqlalchemy.text("ANALYZE log_entries"))
            conn.commit()


def proofs(backend: str, workdir: Path, plan: Plan, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with installation(backend, workdir) as b:
        ctx = b.ctx
        size, build_s = 1, 0.0  # initialise() appended entry 0
        for target in plan.proof_sizes:
            t0 = time.perf_counter()
            while size < target:
                n = min(BUILD_BATCH, target - size)
                with ctx.db.transaction() as s:
                    store.append(s, [event(size + i) for i in range(n)])
                size += n
            build_s += time.perf_counter() - t0
            _analyze(b)
            indexes = [rng.randrange(target) for _ in range(plan.proofs)]
            latencies: list[float] = []
            node_rows = [len({merkle.node_home(key)[0] for key in merkle.nodes_for(merkle.inclusion_ranges(i, target))})
                         for i in indexes]  # entry rows read, each keeping one or more of the nodes
            with ctx.db.reader() as s:
                assert store.tree_size(s) == target
                root = store.root_at(s, target)
                for i in indexes[:50]:  # warm-up, and check that the proofs verify
                    proof = store.inclusion_proof(s, i, target)
                    leaf = merkle.leaf_hash(store.get_entry(s, i).leaf)
                    merkle.verify_inclusion(i, target, leaf, proof, root)
                for i in indexes:
                    t = time.perf_counter_ns()
                    store.inclusion_proof(s, i, target)
                    latencies.append((time.perf_counter_ns() - t) / 1e6)
            latencies.sort()
            out[str(target)] = {
                "p50_ms": round(_percentile(latencies, 0.50), 4),
                "p95_ms": round(_percentile(latencies, 0.95), 4),
                "p99_ms": round(_percentile(latencies, 0.99), 4),
                "mean_ms": round(statistics.fmean(latencies), 4),
                "proofs": len(latencies),
                "node_rows_per_proof": {"mean": round(statistics.fmean(node_rows), 2),
                                        "min": min(node_rows), "max": max(node_rows)},
                "proof_hashes": len(merkle.inclusion_ranges(indexes[0], target)),
                "queries_per_proof": 1,
            }
        out["build"] = {"entries": size, "seconds": round(build_s, 2),
                        "per_s": round(_rate(size - 1, build_s)), "events_per_transaction": BUILD_BATCH}
    return out


# ---------------------------------------------------------------- report

def machine(backends: list[str]) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        facts["git_commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    if "postgres" in backends:
        import psycopg

        facts["psycopg"] = psycopg.__version__
        with _pg_admin() as admin:
            facts["postgres"] = admin.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            facts["postgres_synchronous_commit"] = admin.execute("SHOW synchronous_commit").fetchone()[0]  # type: ignore[index]
            facts["postgres_fsync"] = admin.execute("SHOW fsync").fetchone()[0]  # type: ignore[index]
    return facts


def check_targets(results: dict[str, Any], plan: Plan) -> list[dict[str, Any]]:
    checks = []
    for backend, data in results.items():
        for mode in ("single", "batched"):
            target = TARGETS[backend][f"{mode}_per_s"]
            value = data["appends"][mode]["ours_per_s"]
            checks.append({"name": f"{backend} {mode} appends/s", "target": f">= {target}", "value": value,
                           "pass": value >= target})
        proof = data["proofs"].get(str(PROOF_TARGET_SIZE))
        checks.append({"name": f"{backend} inclusion proof p50 at 10^6", "target": f"< {PROOF_P50_TARGET_MS} ms",
                       "value": proof["p50_ms"] if proof else None,
                       "pass": (proof["p50_ms"] < PROOF_P50_TARGET_MS) if proof else None})
    return checks


def print_report(report: dict[str, Any]) -> None:
    print(f"\nClearance log benchmark ({report['mode']}), {report['timestamp']}")
    m = report["machine"]
    print(f"  {m['cpu_count']} CPUs, Python {m['python']}, SQLite {m['sqlite']}, "
          f"PostgreSQL {m.get('postgres', '-')}, load {m['load_average_at_start']} -> {m['load_average_at_end']}")
    print(f"\n  {'appends/s':<26}{'ours':>10}{'raw':>10}{'ours/raw':>10}")
    for backend, data in report["results"].items():
        for mode in ("single", "batched"):
            a = data["appends"][mode]
            print(f"  {backend + ' ' + mode:<26}{a['ours_per_s']:>10,}{a['raw_per_s']:>10,}{a['ratio']:>10.3f}")
        r = data["records"]
        print(f"  {backend + ' record+projection':<26}{r['per_s']:>10,}   (create_event + ctx.record)")
        print(f"  {backend + ' create_record':<26}{r['with_receipt']['per_s']:>10,}   (+ checkpoint + receipt)")
        print(f"  {backend + ' import':<26}{r['import']['per_s']:>10,}   (import_file, rows/s)")
    print(f"\n  {'inclusion proof':<26}{'p50 ms':>10}{'p95 ms':>10}{'nodes':>8}")
    for backend, data in report["results"].items():
        for size, p in data["proofs"].items():
            if size == "build":
                continue
            print(f"  {backend + ' n=' + size:<26}{p['p50_ms']:>10.3f}{p['p95_ms']:>10.3f}"
                  f"{p['node_rows_per_proof']['mean']:>8.1f}")
        bld = data["proofs"]["build"]
        print(f"  {backend + ' build':<26}{bld['per_s']:>10,} events/s batched ({bld['entries']:,} entries)")
    print("\n  targets")
    for c in report["targets"]:
        flag = {True: "PASS", False: "FAIL", None: "n/a "}[c["pass"]]
        print(f"  {flag}  {c['name']:<40} {c['target']:>10}   got {c['value']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 10^4 entries only, fewer events")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON file (default {RESULTS})")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args(argv)
    backends = [x.strip() for x in args.backends.split(",") if x.strip()]
    unknown = set(backends) - set(TARGETS)
    if unknown or not backends:
        parser.error(f"unknown backends {sorted(unknown)}; choose from sqlite,postgres")
    plan = QUICK if args.quick else FULL
    rng = random.Random(args.seed)
    started = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "log", "mode": "quick" if args.quick else "full",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(backends),
        "plan": plan.__dict__ | {"batch": BATCH, "build_batch": BUILD_BATCH},
        "notes": [
            "appends: store.append inside ctx.db.transaction(), event type log.initialized (no projection), "
            "~300-byte canonical payload; rates are medians of interleaved repetitions",
            "appends and raw inserts are timed with the prebuilt inputs frozen out of the cyclic GC "
            "(gc.freeze, see inputs_frozen); the code under test allocates and is collected as usual",
            "raw: one row per event with the same leaf/payload/type/subject bytes into a table with only a "
            "primary key; SQLite WAL synchronous=" + SQLITE_SYNCHRONOUS + " via sqlite3, PostgreSQL via psycopg, default settings",
            "our append writes one row per event (the leaf, its payload, and the tree nodes that end at it: "
            "32 bytes plus 32 per completed subtree, 64 on average), updates the head row and keeps one "
            "secondary index (event_type, for fingerprints.indexing.records_revision) on log_entries",
            "proofs: one reader session, random indexes, latency of store.inclusion_proof "
            "(one query: head size joined with the log_entries rows that keep the proof's nodes, + hashing); "
            "PostgreSQL tables ANALYZEd after the build",
        ],
        "results": {},
    }
    with tempfile.TemporaryDirectory(prefix="clearance-bench-log-") as tmp:
        workdir = Path(tmp)
        for backend in backends:
            print(f"[{time.perf_counter() - started:6.0f}s] {backend}: appends", flush=True)
            result: dict[str, Any] = {"appends": appends(backend, workdir, plan)}
            print(f"[{time.perf_counter() - started:6.0f}s] {backend}: records", flush=True)
            result["records"] = records(backend, workdir, plan)
            print(f"[{time.perf_counter() - started:6.0f}s] {backend}: proofs", flush=True)
            result["proofs"] = proofs(backend, workdir, plan, rng)
            report["results"][backend] = result
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    report["targets"] = check_targets(report["results"], plan)
    write_atomic(args.output, (json.dumps(report, indent=2) + "\n").encode())
    print_report(report)
    print(f"\n  wrote {args.output} in {report['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
