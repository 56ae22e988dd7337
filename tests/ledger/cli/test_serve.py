"""``clearance serve --workers N`` starts N server processes that all answer on one port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CLEARANCE = str(Path(sys.executable).parent / "clearance")


def _server_processes(parent: int) -> list[int]:
    """uvicorn's worker processes: children of the supervisor started by multiprocessing's spawn."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == parent and "spawn_main" in (stat.parent / "cmdline").read_text():
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.mark.slow
def test_serve_with_three_workers_runs_three_processes_that_answer(tmp_path: Path) -> None:
    env = {**os.environ, "CLEARANCE_HOME": str(tmp_path / "home"), "CLEARANCE_LOG_FORMAT": "json"}
    subprocess.run([CLEARANCE, "init"], env=env, check=True, capture_output=True, timeout=120)
    key = subprocess.run([CLEARANCE, "keys", "create", "--role", "auditor"], env=env, check=True,
                         capture_output=True, timeout=120).stdout.decode().strip()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([CLEARANCE, "serve", "--port", str(port), "--workers", "3"], env=env,
                              stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("wb"))
    try:
        deadline, answered = time.monotonic() + 120, set()
        while time.monotonic() < deadline and (len(_server_processes(server.pid)) < 3 or not answered):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/v1/log/checkpoint",
                                   headers={"Authorization": f"Bearer {key}"}, timeout=5)
                answered.add(answer.status_code)
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert answered == {200}, (tmp_path / "serve.log").read_text()[-3000:]
        workers = _server_processes(server.pid)
        assert len(workers) == 3, (tmp_path / "serve.log").read_text()[-3000:]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]  # SIGTERM stopped every worker


def test_serve_refuses_zero_workers(tmp_path: Path) -> None:
    env = {**os.environ, "CLEARANCE_HOME": str(tmp_path / "home")}
    done = subprocess.run([CLEARANCE, "serve", "--workers", "0"], env=env, capture_output=True, timeout=120)
    assert done.returncode == 2 and b"--workers" in done.stderr
