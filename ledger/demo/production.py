"""The demo's last act: a small discovery production, checked by the standalone verifier as opposing counsel would."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from ledger.context import Clearance
from ledger.demo import world
from ledger.exports.people import Person
from ledger.exports.service import export

VERIFIER_SOURCE = Path(__file__).resolve().parents[2] / "verifier" / "src"


def _verifier_command(root: Path, vkey: str) -> tuple[list[str], dict[str, str]] | None:
    """``clearance-verify`` in its own process: installed, or from this repository's ``verifier/`` folder."""
    env = dict(os.environ)
    try:
        # imported by name: it is a separate distribution (verifier/), not on mypy's path
        importlib.import_module("clearance_verify")
    except ImportError:
        if not (VERIFIER_SOURCE / "clearance_verify").is_dir():
            return None
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(VERIFIER_SOURCE), env.get("PYTHONPATH")]))
    return [sys.executable, "-m", "clearance_verify", str(root), "--log-key", vkey, "--load-files"], env


def show_production(ctx: Clearance, console: Console) -> None:
    console.rule("A discovery production of the training data, verified by opposing counsel")
    result = export(ctx, {"datasets": ["demo-dataset-library"], "models": [world.MODEL]}, None, "demo",
                    overrides={"bates_prefix": "NLDEMO", "image_format": "none"},
                    person=Person("Dana Reyes", "legal"))
    console.print(f"production {result['production_id']}: Bates {result['bates']['begin']} - "
                  f"{result['bates']['end']}, {result['counts'].get('events', 0)} log events with proofs, "
                  f"at {result['path']}")
    command = _verifier_command(Path(result["path"]), ctx.log_key.vkey)
    if command is None:
        console.print("[yellow]the standalone verifier (verifier/) is not here; run: pip install ./verifier[/yellow]")
        return
    done = subprocess.run(command[0], env=command[1], capture_output=True, text=True, check=False)
    console.print(done.stdout.strip(), markup=False, highlight=False)
    console.print("clearance-verify: " + ("[green]production verified[/green]" if done.returncode == 0
                                          else f"[red]NOT verified[/red] {done.stderr.strip()}"))
