"""Imports write in batches, yet each row's fate is its own: rejected rows write nothing, others commit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.context import Clearance
from ledger.errors import IntegrityError
from ledger.audit import replay
from ledger.log import store
from ledger.records import importer
from ledger.records.kinds import KINDS
from ledger.records.service import list_records


def _party(record_id: str, **extra: Any) -> dict[str, Any]:
    return {"record_type": "party", "id": record_id, "kind": "organisation", "name": f"Org {record_id}", **extra}


def _log_size(ctx: Clearance) -> int:
    with ctx.db.reader() as session:
        return store.tree_size(session)


def _ids(ctx: Clearance, kind: str) -> list[str]:
    return sorted(r["id"] for r in list_records(ctx, KINDS[kind], limit=1000)[1])


def test_rows_in_one_batch_see_each_other_and_bad_rows_are_skipped(ctx: Clearance, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "BATCH_ROWS", 4)
    license_row = {"record_type": "license", "id": "lic", "licensor_id": "p1", "licensee_id": "p2",
                   "permitted_uses": ["train"], "media": ["any"], "territories": ["US"], "starts_on": "2024-01-01"}
    rows = [_party("p1"), _party("p2"), license_row, _party("p1"),  # duplicate id in the same batch
            _party("p3", kind="robot"), _party("p4"), {**license_row, "id": "lic2", "licensor_id": "ghost"}]
    source = tmp_path / "rows.json"
    source.write_text(json.dumps(rows))
    size = _log_size(ctx)
    report = importer.import_file(ctx, source)
    assert [r.row for r in report.accepted] == [1, 2, 3, 6]
    rejected = {r.row: r for r in report.rejected}
    assert sorted(rejected) == [4, 5, 7]
    assert "already exists" in (rejected[4].error or "")
    assert rejected[5].problems[0].field == "kind" and rejected[7].problems[0].field == "licensor_id"
    assert _ids(ctx, "party") == ["p1", "p2", "p4"] and _ids(ctx, "license") == ["lic"]
    assert _log_size(ctx) == size + 4
    assert replay.verify(ctx).ok


def test_a_write_that_fails_mid_batch_rejects_only_its_row(ctx: Clearance, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    created = ctx.projections.handler("record.created")

    def failing(session, envelope, payload):  # type: ignore[no-untyped-def]
        created(session, envelope, payload)
        if envelope.subject_id == "p3":
            raise IntegrityError("the disk said no")

    monkeypatch.setitem(ctx.projections._handlers, "record.created", failing)
    monkeypatch.setattr(importer, "BATCH_ROWS", 3)
    source = tmp_path / "rows.json"
    source.write_text(json.dumps([_party(f"p{i}") for i in range(1, 8)]))
    size = _log_size(ctx)
    report = importer.import_file(ctx, source)
    assert [r.row for r in report.accepted] == [1, 2, 4, 5, 6, 7]
    assert [(r.row, r.error) for r in report.rejected] == [(3, "the disk said no")]
    assert _ids(ctx, "party") == ["p1", "p2", "p4", "p5", "p6", "p7"]
    assert _log_size(ctx) == size + 6  # no entry of the failed row, nor of its rolled-back batch
    assert replay.verify(ctx).ok
