"""Schemathesis over every route of `clearance serve` on a loopback port, bounded in examples and time.

    .venv/bin/python scripts/fuzz_api.py --backend sqlite   [--max-examples 10 --max-time 600]
    .venv/bin/python scripts/fuzz_api.py --backend postgres [--pg postgresql://127.0.0.1:5432/test]

Makes a fresh installation in a temporary directory (PostgreSQL: a fresh database, dropped after),
seeds one record of a few kinds so reads find something, starts `clearance serve` on 127.0.0.1 with
an admin key and rate limits raised out of the way, and runs `schemathesis run` (every check) against its OpenAPI
document with the checks below. Prints the summary, writes
`benchmarks/results/schemathesis-<backend>.json`, and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ["all"]
"""Every check Schemathesis has: server errors, conformance of status, content type, headers and body,
positive data accepted and negative data refused, missing headers, unsupported methods, the Allow header,
use after free, resource availability, ignored auth and object-level authorization."""


POSITIVE_DATA = """[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"""
"""What a schema-valid request may be answered. JSON Schema cannot say that a body names records that
exist (``performer_id``, ``asset_ids``), rules across fields (a term that ends before it starts, counsel
named when representation is counsel), or what a file holds; the server refuses those by name, 422 (409
for state: a duplicate id, a legal hold). Every other answer to a valid request is a failure."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clearance(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", "from ledger.cli import main; main()", *args], env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"clearance {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def wait_for(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"clearance serve did not listen on port {port} within {timeout_s} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg", default=os.environ.get("CLEARANCE_TEST_PG", "postgresql://127.0.0.1:5432/test"),
                        help="a PostgreSQL server's admin URL (a fresh database is made on it)")
    parser.add_argument("--max-examples", type=int, default=10, help="examples per operation and phase")
    parser.add_argument("--max-time", type=int, default=600, help="time budget for the whole run, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--checks", default=",".join(CHECKS), help="comma-separated Schemathesis checks (all: every one)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[],
                        help="further `schemathesis run` options (e.g. --include-path-regex ...)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="clearance-fuzz-"))
    env = {**os.environ, "CLEARANCE_HOME": str(home), "CLEARANCE_RATE_LIMIT_PER_KEY": "1000000/minute",
           "CLEARANCE_AUTH_FAILURE_LIMIT": "1000000/minute", "CLEARANCE_LOG_LEVEL": "WARNING",
           "CLEARANCE_SEMANTIC_ENABLED": "false"}
    dbname = None
    if args.backend == "postgres":
        import psycopg

        dbname = f"clearance_fuzz_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        env["CLEARANCE_DATABASE_URL"] = args.pg.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+psycopg://") + f"/{dbname}"
    server = None
    try:
        clearance(env, "init")
        key = clearance(env, "keys", "create", "--role", "admin").strip()
        for fields in (["kind=person", "name=Ana Lima", "--id", "party_seed"],
                       ["kind=organisation", "name=Harbor Films", "--id", "org_seed"]):
            clearance(env, "party", "add", *fields)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", "from ledger.cli import main; main()", "serve",
                                   "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=open(home / "serve.log", "w"))
        wait_for(port)
        report = home / "report.ndjson"
        config = home / "schemathesis.toml"  # the key for both declared schemes, so generated ones do not replace it
        config.write_text(f'[auth.openapi.BearerKey]\nbearer = "{key}"\n\n'
                          f'[auth.openapi.ApiKeyHeader]\napi_key = "{key}"\n\n' + POSITIVE_DATA)
        started = time.monotonic()
        run = subprocess.run([str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
                              f"http://127.0.0.1:{port}/openapi.json", "-H", f"Authorization: Bearer {key}",
                              "--checks", args.checks, "--max-examples", str(args.max_examples),
                              "--max-time", str(args.max_time), "--seed", str(args.seed),
                              "--generation-allow-x00", "true", "--request-timeout", "60",
                              "--workers", "1", "--report", "ndjson", "--report-ndjson-path", str(report),
                              *args.extra],
                             env=env, cwd=home, capture_output=True, text=True, timeout=args.max_time + 300)
        elapsed = time.monotonic() - started
        output = run.stdout + run.stderr
        print(output[-6000:])
        shutil.copy(report, Path(tempfile.gettempdir()) / f"schemathesis-{args.backend}.ndjson")
        server_errors = len(re.findall(r"Server error", output))
        summary = {
            "backend": args.backend, "checks": args.checks.split(","), "max_examples": args.max_examples,
            "max_time_s": args.max_time, "seed": args.seed, "elapsed_s": round(elapsed, 1),
            "exit_code": run.returncode, "server_errors_reported": server_errors,
            "summary": [line.strip() for line in output.splitlines()
                        if re.search(r"\b(passed|failed|errored|skipped|cases|operations?)\b", line)][-8:],
            "server_log_tracebacks": (home / "serve.log").read_text().count("Traceback"),
            "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus",
        }
        out = args.out or ROOT / "benchmarks" / "results" / f"schemathesis-{args.backend}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
        return 0 if run.returncode == 0 and summary["server_log_tracebacks"] == 0 else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if dbname:
            import psycopg

            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
