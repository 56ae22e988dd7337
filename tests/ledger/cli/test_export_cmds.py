"""``clearance export`` and ``verify-export`` as a user runs them, and ``clearance-verify`` in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ledger.cli.test_cli import run

VERIFIER_SRC = Path(__file__).resolve().parents[3] / "verifier" / "src"


def _standalone(volume: Path, vkey: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(VERIFIER_SRC)}
    return subprocess.run([sys.executable, "-m", "clearance_verify", str(volume), "--log-key", vkey, "--load-files"],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow   # several CLI processes (~25 s)
def test_export_then_verify_then_tamper(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init")
    run(home, "party", "add", "kind=person", "name=Ana Lima", "--id", "ana")
    run(home, "party", "add", "kind=organisation", "name=Studio", "--id", "studio")
    run(home, "legal-hold", "add", "matter=Lima v. Studio", "record_kind=party", "record_id=ana",
        "placed_by=counsel", "placed_on=2026-01-02")
    run(home, "legal-hold", "add", "matter=Lima v. Studio", "record_kind=party", "record_id=studio",
        "placed_by=counsel", "placed_on=2026-01-02")
    unnamed = run(home, "privilege", "assert", "party", "studio", "--privilege", "attorney-client",
                  "--description", "engagement memo", check=False)
    assert unnamed.returncode == 2 and "--actor" in unnamed.stderr.decode()  # who designates it is required
    partial = run(home, "privilege", "assert", "party", "studio", "--privilege", "attorney-client",
                  "--description", "engagement memo", "--field", "name", "--actor", "Priya Natarajan", check=False)
    assert partial.returncode != 0 and "withhold the whole record" in " ".join(partial.stdout.decode().split() +
                                                                              partial.stderr.decode().split())
    run(home, "privilege", "assert", "party", "studio", "--privilege", "attorney-client",
        "--description", "engagement memo", "--actor", "Priya Natarajan")
    run(home, "export-protocol", "save", "lima", "--prefix", "LIMA", "--padding", "4")
    out = run(home, "export", "--matter", "Lima v. Studio", "--protocol", "lima", "--out", str(tmp_path / "vol"),
              "--zip", "--json", "--actor", "Dana Reyes").stdout
    result = json.loads(out)
    assert (result["exported_by"], result["exported_by_role"]) == ("Dana Reyes", "cli")
    logged = json.loads((tmp_path / "vol" / "EXPORT" / "export-event.json").read_text("utf-8"))
    assert logged["payload"]["exported_by"] == {"name": "Dana Reyes", "role": "cli"}
    privilege_log = (tmp_path / "vol" / "DATA" / "privilege-log.csv").read_text("utf-8")
    assert "Priya Natarajan (cli)" in privilege_log
    assert (result["bates"]["begin"], result["bates"]["end"], result["withheld"]) == ("LIMA0001", "LIMA0001", 1)
    assert Path(result["zip"]).is_file()
    vkey = run(home, "log", "key").stdout.decode().strip()
    assert "VERIFIED" in run(home, "verify-export", str(tmp_path / "vol"), "--log-key", vkey).stdout.decode()
    checked = _standalone(tmp_path / "vol", vkey)
    assert checked.returncode == 0 and "LOAD FILES WELL FORMED" in checked.stdout, checked.stdout
    assert _standalone(Path(result["zip"]), vkey).returncode == 0

    dat = tmp_path / "vol" / "DATA" / "production.dat"
    dat.write_bytes(dat.read_bytes().replace("Ana Lima".encode(), "Ana Lina".encode()))
    failed = run(home, "verify-export", str(tmp_path / "vol"), "--log-key", vkey, check=False)
    assert failed.returncode == 7 and "DATA/production.dat" in failed.stdout.decode()
    standalone = _standalone(tmp_path / "vol", vkey)
    assert standalone.returncode == 1 and "FAIL DATA/production.dat" in standalone.stdout

    again = run(home, "export", "--matter", "Lima v. Studio", "--out", str(tmp_path / "vol"), "--actor", "Dana Reyes",
                check=False)
    assert again.returncode == 2 and "not an empty folder" in again.stderr.decode()
