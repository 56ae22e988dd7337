"""People on a production: who exported it, who designated privilege, and each document's custodian as recorded."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from clearance_verify import verify_production
from clearance_verify.loadfiles import read_dat

from ledger.context import Clearance
from ledger.exports import layout
from ledger.exports.people import Person
from ledger.exports.privilege import assert_privilege
from ledger.exports.service import export
from ledger.exports.verify import verify_export
from tests.ledger.exports.conftest import World


def test_the_exporter_the_asserter_and_the_custodians_are_people(ctx: Clearance, world: World,
                                                                 tmp_path: Path) -> None:
    from pypdf import PdfReader

    assert_privilege(ctx, "asset", "work-0", "attorney-client", "memo attached to the asset", "key:abc123",
                     Person("Priya Natarajan", "legal"))
    result = export(ctx, {"assets": ["work-0", "work-1", "work-2"]}, tmp_path / "vol", "key:abc123",
                    overrides={"image_format": "none"}, person=Person("Dana Reyes", "legal"))
    root = tmp_path / "vol"
    assert (result["exported_by"], result["exported_by_role"]) == ("Dana Reyes", "legal")
    event = json.loads((root / layout.EXPORT_EVENT).read_text("utf-8"))
    assert event["envelope"]["actor"] == "key:abc123"  # the log entry names the key
    assert event["payload"]["exported_by"] == {"name": "Dana Reyes", "role": "legal"}  # the payload the person
    with (root / layout.PRIVILEGE_LOG).open(encoding="utf-8") as stream:
        asserted_by = {row["ASSERTED_BY"] for row in csv.DictReader(stream)}
    assert asserted_by == {"Priya Natarajan (legal)", "counsel"}  # work-1 was designated without a person
    rows = read_dat((root / layout.DAT).read_bytes()).rows
    assert [(r["RECORDID"], r["CUSTODIAN"]) for r in rows] == [("work-2", "Mara Okafor")]  # as recorded
    text = " ".join(page.extract_text() for page in PdfReader(root / layout.CUSTODY_PDF).pages)
    assert "Dana Reyes (legal)" in " ".join(text.split())
    assert verify_production(root, ctx.log_key.vkey).ok and verify_export(root, ctx.log_key.vkey).ok
    with ctx.db.reader() as session:
        from ledger.exports.models import Production

        production = session.get(Production, result["production_id"])
        assert production is not None and production.produced_by == "Dana Reyes (legal)"
