"""The demo's outside voices: a witness (``clearance witness serve``, its own process) and a local RFC 3161
timestamp authority, both on 127.0.0.1, so the demo's checkpoints are cosigned and dated as a studio's
would be by counsel's witness and a real TSA. Settings made here hold for this run only."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ledger.context import Clearance
from ledger.demo.local_tsa import LocalTsa, openssl_available, start_tsa
from ledger.witness.cosignature import CosignerKey

WITNESS_NAME = "counsel.demo/witness"


@dataclass
class LocalVouchers:
    policy: Path | None = None
    tsa_root: Path | None = None
    witness: subprocess.Popen[str] | None = None
    tsa: LocalTsa | None = None
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.witness is not None and self.witness.poll() is None:
            os.kill(self.witness.pid, signal.SIGTERM)
            try:
                self.witness.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.witness.pid, signal.SIGKILL)
                self.witness.wait()
        if self.tsa is not None:
            self.tsa.stop()


def start_local_vouchers(ctx: Clearance, console: Console) -> LocalVouchers:
    """Start the witness and the TSA, point this run's settings at them, and say so."""
    folder = ctx.settings.home / "demo"
    vouchers = LocalVouchers()
    atexit.register(vouchers.stop)
    witness_dir = folder / "witness"
    key = CosignerKey.load(witness_dir) if (witness_dir / "witness-name.txt").is_file() else \
        CosignerKey.create(witness_dir, WITNESS_NAME)
    process = subprocess.Popen(
        [sys.executable, "-c", "from ledger.cli import main; main()", "witness", "serve", "--dir", str(witness_dir),
         "--log", ctx.log_key.vkey, "--port", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    vouchers.witness = process
    assert process.stderr is not None
    first = process.stderr.readline()
    if " on http://" not in first:
        console.print(f"[yellow]the demo witness did not start: {first.strip()}[/yellow]")
        vouchers.stop()
        return vouchers
    stream = process.stderr
    threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()  # keep its pipe drained
    url = first.split(" on ", 1)[1].split(" ", 1)[0]
    vouchers.policy = folder / "witness-policy.txt"
    vouchers.policy.write_text(f"log {ctx.log_key.vkey}\nwitness counsel {key.verifier.vkey} {url}\nquorum counsel\n")
    ctx.settings.witness_policy = vouchers.policy
    console.print(f"witness {WITNESS_NAME} (counsel's, its own process {process.pid}) at {url}")
    if openssl_available():
        vouchers.tsa = start_tsa(folder / "tsa")
        vouchers.tsa_root = vouchers.tsa.root
        ctx.settings.tsa_url, ctx.settings.tsa_root_cert = vouchers.tsa.url, vouchers.tsa.root
        console.print(f"timestamp authority (OpenSSL ts, a demo CA) at {vouchers.tsa.url}")
    else:
        console.print("[yellow]no openssl here: the demo's checkpoints go without timestamps[/yellow]")
    ctx.reset_vouching()
    return vouchers
