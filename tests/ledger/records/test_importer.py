"""Imports write in batches, yet each row's fate is its own: rejected rows write nothing, others commit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.context import Clearance
from ledger.errors import ClearanceError, IntegrityError, ValidationFailed
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


# ---------------------------------------------------------------- files that are wrong as a whole

@pytest.mark.parametrize("content, named", [
    ('{"party": 5}', "'party' must map to a list"),
    ('{"party": "abc"}', "'party' must map to a list"),
    ('{"robot": []}', "unknown record kind 'robot'"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper than"),
    ('[{"kind": "person", "name": "A\\u0000"}]', None),  # a row error, below
])
def test_bad_json_files_get_named_errors(sqlite_ctx: Clearance, tmp_path: Path, content: str,
                                         named: str | None) -> None:
    source = tmp_path / "rows.json"
    source.write_text(content)
    size = _log_size(sqlite_ctx)
    if named is None:
        report = importer.import_file(sqlite_ctx, source, "party")
        assert [p.field for p in report.rejected[0].problems] == ["name"]
    else:
        with pytest.raises(ClearanceError) as caught:
            importer.import_file(sqlite_ctx, source)
        assert named in str(caught.value)
    assert _log_size(sqlite_ctx) == size


def test_a_csv_that_is_not_utf8_is_named_with_its_line(sqlite_ctx: Clearance, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_bytes("kind,name\nperson,Ana\nperson,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(ValidationFailed, match=r"not UTF-8.*line 3"):
        importer.import_file(sqlite_ctx, source, "party")


def test_an_unterminated_quote_is_an_error_not_a_name_with_a_newline(sqlite_ctx: Clearance, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text('kind,name\nperson,"Ana\nperson,Bo\n')
    size = _log_size(sqlite_ctx)
    with pytest.raises(ValidationFailed, match="not valid CSV at line"):
        importer.import_file(sqlite_ctx, source, "party")
    assert _log_size(sqlite_ctx) == size


def test_extra_csv_cells_reject_the_row(sqlite_ctx: Clearance, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("kind,name\nperson,Ana\nperson,Lima, Ana\n")
    report = importer.import_file(sqlite_ctx, source, "party")
    assert [r.row for r in report.accepted] == [1]
    assert report.rejected[0].row == 2 and "3 cells but the header has 2" in (report.rejected[0].error or "")


# ---------------------------------------------------------------- dry run, rejects file, external ids

def test_dry_run_reports_without_writing(ctx: Clearance, tmp_path: Path) -> None:
    rows = [_party("p1"), _party("p2"), {"record_type": "license", "id": "lic", "licensor_id": "p1",
            "licensee_id": "p2", "permitted_uses": ["train"], "media": ["any"], "territories": ["US"],
            "starts_on": "2024-01-01"}, _party("p1"), _party("p3", kind="robot")]
    source = tmp_path / "rows.json"
    source.write_text(json.dumps(rows))
    size = _log_size(ctx)
    report = importer.import_file(ctx, source, dry_run=True)
    assert report.dry_run and [r.row for r in report.accepted] == [1, 2, 3]  # row 3 refers to rows 1 and 2
    assert sorted(r.row for r in report.rejected) == [4, 5]
    assert _log_size(ctx) == size and _ids(ctx, "party") == []
    real = importer.import_file(ctx, source)
    assert [r.row for r in real.accepted] == [1, 2, 3] and sorted(r.row for r in real.rejected) == [4, 5]


def test_rejected_rows_fixed_and_imported_again_do_not_duplicate_accepted_ones(ctx: Clearance, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("external_id,kind,name\nHR-1,person,Ana\nHR-2,robot,Bo\nHR-3,person,Cy\n")
    first = importer.import_file(ctx, source, "party")
    assert len(first.accepted) == 2 and len(first.rejected) == 1
    rejects = tmp_path / "rejects.csv"
    assert first.write_rejects(rejects) == 1
    lines = rejects.read_text().splitlines()
    assert lines[0] == f"record_type,external_id,kind,name,{importer.REJECTS_ERROR_COLUMN}"
    assert lines[1].startswith("party,HR-2,robot,Bo,") and "kind" in lines[1]
    rejects.write_text(rejects.read_text().replace(",robot,", ",person,"))  # the studio fixes the row
    second = importer.import_file(ctx, rejects)
    assert len(second.accepted) == 1 and not second.rejected
    whole_again = importer.import_file(ctx, source, "party")  # every external id is on record now
    assert len(whole_again.existing) == 3 and not whole_again.rejected
    parties = list_records(ctx, KINDS["party"], limit=100)[1]
    assert sorted(p["external_id"] for p in parties) == ["HR-1", "HR-2", "HR-3"]
    assert replay.verify(ctx).ok


def test_cli_import_dry_run_and_rejects(sqlite_ctx: Clearance, tmp_path: Path) -> None:
    import subprocess
    import sys

    source = tmp_path / "people.csv"
    source.write_text("external_id,kind,name\nHR-1,person,Ana\nHR-2,robot,Bo\n")
    env = {"CLEARANCE_HOME": str(sqlite_ctx.settings.home), "PATH": "/usr/bin:/bin"}
    clearance = [sys.executable, "-c", "from ledger.cli import main; main()"]
    dry = subprocess.run([*clearance, "import", str(source), "--kind", "party", "--dry-run"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert dry.returncode == 2 and "dry run, nothing written: 1 valid, 0 already imported" not in dry.stdout
    assert "dry run, nothing written: 1 valid, 1 rejected" in dry.stdout
    assert _ids(sqlite_ctx, "party") == []
    rejects = tmp_path / "rejects.csv"
    real = subprocess.run([*clearance, "import", str(source), "--kind", "party", "--rejects", str(rejects)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert real.returncode == 2 and f"(written to {rejects})" in real.stdout.replace("\n", "")
    assert rejects.read_text().count("\n") == 2 and len(_ids(sqlite_ctx, "party")) == 1
