"""Running an audit: the files it writes, and the audit itself as a logged, replayable event."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest

from ledger.audit.replay import verify as verify_log
from ledger.context import Clearance
from ledger.errors import NotFound, ValidationFailed
from ledger.log import store
from ledger.log.events import Envelope
from ledger.log.note import open_checkpoint
from ledger.reports.audit_service import audit_dataset, stored_report
from ledger.reports.models import DatasetAudit

from .conftest import World

pytestmark = pytest.mark.dated  # the world's terms end relative to the clock's today (tests/dates.py)


def test_audit_writes_csv_and_html_and_is_logged(ctx: Clearance, world: World, tmp_path: Path) -> None:
    with ctx.db.reader() as session:
        size_before = store.tree_size(session)
    result = audit_dataset(ctx, world.version, world.model, ["US"], "legal-team", tmp_path / "out")
    assert result.html.parent == result.csv.parent == tmp_path / "out"
    rows = list(csv.DictReader(result.csv.open(encoding="utf-8-sig")))
    assert [r["key"] for r in rows if r["section"] == "asset"] == [
        *world.licensed, world.opted_out, world.unlicensed, world.revoked_license_asset, world.with_consent,
        world.without_consent]
    totals = {r["key"]: int(r["count"]) for r in rows if r["section"] == "total"}
    assert totals == {"assets": 8, "cleared": 4, "review": 0, "block": 4} and result.totals == totals
    with ctx.db.reader() as session:
        entry = store.get_entry(session, result.log["index"])
        row = session.get(DatasetAudit, result.audit_id)
    envelope = Envelope.parse(entry.leaf)
    assert (envelope.type, envelope.subject_id, envelope.actor) == ("audit.recorded", result.audit_id, "legal-team")
    assert row is not None and row.csv_sha256 == hashlib.sha256(result.csv.read_bytes()).hexdigest()
    checkpoint = open_checkpoint(row.checkpoint, ctx.log_key.verifier)  # signed by the log: "what we knew then"
    assert checkpoint.size == row.checkpoint_size == size_before
    assert [r["key"] for r in rows if r["section"] == "checkpoint"] == [str(size_before)]
    html = result.html.read_text(encoding="utf-8")
    assert f"log entry <strong>{result.log['index']}</strong>" in html and row.checkpoint.splitlines()[2] in html
    assert not re.search(r"<script|<link|@import|(src|href)=\"(https?:)?//|url\((?!#)", html)  # nothing fetched
    assert "Stock &amp; Co &lt;b&gt;" in html and "Stock & Co <b>" not in html
    assert verify_log(ctx).ok  # the audit table replays from the log like every other


def test_stored_reports_are_found_by_checked_id_only(ctx: Clearance, world: World) -> None:
    result = audit_dataset(ctx, world.version, None, ["WORLD"], "api")
    assert stored_report(ctx, result.audit_id, "html") == result.html
    assert stored_report(ctx, result.audit_id, "csv") == result.csv
    with pytest.raises(ValidationFailed):
        stored_report(ctx, "../../keys", "html")
    with pytest.raises(NotFound):
        stored_report(ctx, "aud_" + "0" * 20, "csv")


@pytest.mark.parametrize("territories", [["usa"], [], ["US", "../x"]])
def test_bad_territories_are_refused(ctx: Clearance, world: World, tmp_path: Path, territories: list[str]) -> None:
    with pytest.raises(ValidationFailed, match="territory"):
        audit_dataset(ctx, world.version, None, territories, "t", tmp_path)
