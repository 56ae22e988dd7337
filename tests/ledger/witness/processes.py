"""Witnesses as separate processes on 127.0.0.1, and small in-memory trees to feed them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ledger.log import merkle

CLI = [sys.executable, "-c", "from ledger.cli import main; main()"]
ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([*CLI, *args], env=full_env, capture_output=True, text=True, timeout=timeout)


@dataclass
class WitnessProcess:
    process: subprocess.Popen[str]
    url: str
    folder: Path

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
        self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()


def start_witness(folder: Path, log_vkeys: list[str], port: int = 0) -> WitnessProcess:
    """``clearance witness serve`` on a free port; its first stderr line names the URL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["witness", "serve", "--dir", str(folder), "--port", str(port)]
    for vkey in log_vkeys:
        args += ["--log", vkey]
    process = subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    line = process.stderr.readline()
    if " on http://" not in line:
        process.kill()
        process.wait()
        raise RuntimeError(f"witness did not start: {line}{process.stderr.read()}")
    url = line.split(" on ", 1)[1].split(" ", 1)[0]
    # keep draining stderr so the witness never blocks on a full pipe
    import threading

    threading.Thread(target=lambda: [None for _ in process.stderr or []], daemon=True).start()
    return WitnessProcess(process, url, folder)


def post(url: str, body: bytes) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


class Tree:
    """An RFC 9162 tree of the given leaves, computed from scratch."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.hashes = [merkle.leaf_hash(leaf) for leaf in leaves]

    def _mth(self, start: int, end: int) -> bytes:
        if end - start == 1:
            return self.hashes[start]
        split = 1
        while split * 2 < end - start:
            split *= 2
        return merkle.node_hash(self._mth(start, start + split), self._mth(start + split, end))

    def root(self, size: int) -> bytes:
        return merkle.EMPTY_ROOT if size == 0 else self._mth(0, size)

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        if size1 in (0, size2):
            return []
        return [self._mth(start, end) for start, end in merkle.consistency_ranges(size1, size2)]
