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


@pytest.mark.slow   # whole CLI processes end to end (12-23 s): CI's slow step runs it
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


def test_audit_as_of_a_date_at_a_log_size_writes_its_summary_and_bom_from_the_same_run(tmp_path: Path) -> None:
    """Issue 25: --as-of, --at-checkpoint and --project, and the EU summary and BOM in step with the audit."""
    from ledger.log import store

    home = tmp_path / "home"
    ctx = Clearance(Settings.load(environ={"CLEARANCE_HOME": str(home)}))
    initialise(ctx)
    world = build_world(ctx)
    with ctx.db.reader() as session:
        size = store.tree_size(session)
    ctx.db.dispose()
    out = tmp_path / "reports"
    done = json.loads(run(home, "audit", world.version, "--model", world.model, "--as-of", "2026-01-15",
                          "--at-checkpoint", str(size), "--project", "NL-Video", "--out", str(out), "--json").stdout)
    summary = json.loads(Path(done["training_summary_json"]).read_text())
    assert (summary["generated_on"], summary["log_size"], summary["territories"]) == ("2026-01-15", size, ["US"])
    assert summary["audit_id"] == done["audit_id"]
    bom = json.loads(Path(done["bom"]).read_text())
    props = {p["name"]: p["value"] for p in bom["components"][0]["properties"]}
    assert (props["clearance:cleared_on"], props["clearance:log_size"]) == ("2026-01-15", str(size))
    assert props["clearance:cleared_for_training"] == str(done["totals"]["cleared"])
    assert f"log size {size}" in Path(done["html"]).read_text(encoding="utf-8")
    bad = run(home, "audit", world.version, "--as-of", "15/01/2026", check=False)
    assert bad.returncode == 2 and b"--as-of" in bad.stderr
