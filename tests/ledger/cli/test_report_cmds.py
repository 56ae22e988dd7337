"""``clearance audit``, ``training-summary`` and ``bom`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.context import Clearance
from ledger.settings import Settings
from ledger.setup import initialise
from tests.ledger.cli.test_cli import run
from tests.ledger.reports.conftest import build_world


@pytest.mark.dated
def test_audit_summary_and_bom_commands(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home)}))
    initialise(ctx)
    world = build_world(ctx)
    ctx.db.dispose()
    out = tmp_path / "reports"
    printed = run(home, "audit", world.version, "--model", world.model, "--territory", "US", "--out", str(out)).stdout
    text = printed.decode()
    assert f"4/8 assets of {world.version} cleared for training" in text
    [html] = out.glob("audit-aud_*.html")
    [table] = out.glob("audit-aud_*.csv")
    assert str(html) in text and str(table) in text
    as_json = json.loads(run(home, "audit", world.version, "--out", str(out), "--json").stdout)
    assert as_json["totals"]["assets"] == 8 and as_json["log"]["index"] > 0
    bad = run(home, "audit", world.version, "--territory", "usa", check=False)
    assert bad.returncode == 2 and b"territory" in bad.stderr
    assert run(home, "audit", "nope", check=False).returncode == 3

    written = json.loads(run(home, "training-summary", world.model, "--out", str(out), "--json").stdout)
    assert Path(written["markdown"]).read_text().startswith("# Public summary of training content")
    assert json.loads(Path(written["json"]).read_text())["unfilled"] == written["unfilled"]
    bom = json.loads(run(home, "bom", world.model, "--out", str(out), "--json").stdout)
    assert json.loads(Path(bom["cyclonedx"]).read_text())["specVersion"] == "1.6"
    assert b"OK" in run(home, "log", "verify").stdout  # the two audits replay from the log
