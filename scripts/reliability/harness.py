"""What the reliability scripts share: a fresh installation on PostgreSQL, its server and workers, and checks.

Everything runs on loopback: the PostgreSQL server (``CLEARANCE_TEST_PG``, default
``postgresql://127.0.0.1:5432/test``), RabbitMQ (``CLEARANCE_TEST_AMQP``, default guest on
127.0.0.1:5672) and the server this starts on a free port. Each run makes its own database,
data directory and queue and removes them afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
PG_URL = os.environ.get("CLEARANCE_TEST_PG", "postgresql://127.0.0.1:5432/test")
AMQP_URL = os.environ.get("CLEARANCE_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/%2F")
CLEARANCE = str(Path(sys.executable).parent / "clearance")
# No release_date: the server's clock (ledger.clock) gives the day, so the load runs the same on any day.
CHECK_REQUEST = {"service": "gen-svc", "project": "Tidewater", "media": ["streaming"], "territories": ["US"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> dict[str, Any]:
    import platform

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "note": "2-core machine shared with other jobs; absolute figures swing"}


class Installation:
    """A fresh PostgreSQL-backed installation with a queue, ``serve --workers`` and ``clearance worker`` processes."""

    def __init__(self, api_processes: int = 2, workers: int = 2, settings: dict[str, str] | None = None) -> None:
        import psycopg

        self.dbname = f"clearance_rel_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')
        self.tmp = Path(tempfile.mkdtemp(prefix="clearance-reliability-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "CLEARANCE_HOME": str(self.tmp / "home"),
                    "CLEARANCE_DATABASE_URL": PG_URL.rsplit("/", 1)[0] + f"/{self.dbname}",
                    "CLEARANCE_QUEUE_URL": AMQP_URL, "CLEARANCE_LOG_FORMAT": "json", "CLEARANCE_LOG_LEVEL": "INFO",
                    "CLEARANCE_RATE_LIMIT_PER_KEY": "1000000/minute",  # the load is the subject, not the limiter
                    **(settings or {})}
        self.cli("init")
        self.keys = {role: self.cli("keys", "create", "--role", role).strip()
                     for role in ("registrar", "generator", "admin")}
        self.api_processes, self.worker_count = api_processes, workers
        self.server: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    def cli(self, *args: str) -> str:
        done = subprocess.run([CLEARANCE, *args], env=self.env, capture_output=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"clearance {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
        return done.stdout.decode()

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def start(self) -> None:
        self.server = subprocess.Popen([CLEARANCE, "serve", "--port", str(self.port), "--workers",
                                        str(self.api_processes)], env=self.env, stdout=subprocess.DEVNULL,
                                       stderr=(self.tmp / "serve.log").open("wb"))
        for n in range(self.worker_count):
            self.start_worker(n)
        self.wait_ready()

    def start_worker(self, n: int) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([CLEARANCE, "worker"], env=self.env, stdout=subprocess.DEVNULL,
                                   stderr=(self.tmp / f"worker-{n}.log").open("ab"))
        self.workers.append(process)
        return process

    def wait_ready(self, timeout_s: float = 120) -> None:
        import httpx

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/v1/log/checkpoint", headers=self.headers("admin"), timeout=2).status_code == 200 \
                        and len(self.api_pids()) == self.api_processes:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"server not ready in {timeout_s} s: {(self.tmp / 'serve.log').read_text()[-2000:]}")

    def api_pids(self) -> list[int]:
        """The server processes uvicorn spawned (not its supervisor, not multiprocessing's helpers)."""
        assert self.server is not None
        return children(self.server.pid, "spawn_main")

    def database_pids(self) -> list[int]:
        """The PostgreSQL backends serving this installation's database (other than the asking one)."""
        return [int(pid) for (pid,) in self.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]

    def stop(self) -> None:
        for process in [*self.workers, *([self.server] if self.server else [])]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, *([self.server] if self.server else [])]:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def remove(self) -> None:
        import shutil

        import pika
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        digest = __import__("hashlib").sha256(self._resolved_url().encode()).hexdigest()[:16]
        with pika.BlockingConnection(pika.URLParameters(AMQP_URL)) as connection:
            channel = connection.channel()
            for jobs in ("checks", "register"):
                for suffix in ("", ".DQ", ".XQ"):
                    channel.queue_delete(f"clearance-{jobs}-{digest}{suffix}")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _resolved_url(self) -> str:
        return "postgresql+psycopg://" + self.env["CLEARANCE_DATABASE_URL"].split("://", 1)[1]

    # ------------------------------------------------------------ what the log says

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.env["CLEARANCE_DATABASE_URL"]) as conn:
            return list(conn.execute(sql, params).fetchall())

    def entries_per_subject(self, event_type: str) -> Counter[str]:
        return Counter(row[0] for row in self.query(
            "SELECT subject_id FROM log_entries WHERE event_type = %s", event_type))

    def decisions_per_clip(self) -> Counter[str]:
        """check.decided (by the clip id in its payload) and check.failed entries, per clip."""
        counts: Counter[str] = Counter()
        for kind, subject, payload in self.query(
                "SELECT event_type, subject_id, payload FROM log_entries "
                "WHERE event_type IN ('check.decided', 'check.failed')"):
            counts[json.loads(bytes(payload))["clip_id"] if kind == "check.decided" else subject] += 1
        return counts

    def log_verify(self) -> bool:
        return bool(json.loads(self.cli("log", "verify", "--json"))["ok"])


def machine_cpu() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine so far, from /proc/stat (idle and iowait count as not busy)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def process_table() -> dict[int, int]:
    """Every process now: pid -> parent pid (Linux /proc)."""
    table: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            table[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return table


def descendants(root: int) -> list[int]:
    """The processes ``root`` started, and those they started, all the way down."""
    table = process_table()
    found: list[int] = []
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in table.items():
            if ppid == parent and pid not in found:
                found.append(pid)
                frontier.append(pid)
    return found


def process_cpu() -> dict[int, int]:
    """User and system CPU ticks of every process now (a process that started since is counted whole)."""
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks


def children(pid: int, marker: str) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and marker in (stat.parent / "cmdline").read_text().replace("\0", " "):
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(found)


def check_clips(count: int) -> list[Path]:
    """Real stills for the checks, from ../shared/data (cycled when there are fewer)."""
    stills = sorted((SHARED / "near-duplicates" / "ukbench").glob("*.jpg"))
    if not stills:
        raise SystemExit(f"no test media at {SHARED}; the checks need ../shared/data")
    return [stills[i % len(stills)] for i in range(count)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def save(name: str, result: dict[str, Any]) -> Path:
    out = ROOT / "benchmarks" / "results" / f"{name}.json"
    out.write_text(json.dumps({**result, "machine": machine(), "at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                  time.gmtime())}, indent=2) + "\n")
    return out
