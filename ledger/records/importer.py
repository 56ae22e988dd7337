"""Bulk import of rights records from CSV or JSON.

A rejected row writes nothing, accepted rows stay committed, and the report
names the row and field of every problem. One checkpoint is signed at the end.

Rows are written in batches of ``BATCH_ROWS``, one transaction each, because a
commit per row costs as much as the row itself (an fsync on PostgreSQL). A row
that fails validation writes nothing before it fails, so the batch goes on
without it. Should a write itself fail half-way, the whole batch rolls back and
is written again one row per transaction, so that only the row at fault is
rejected. Rows later in a file may refer to records created earlier in it.

JSON: a list of objects, each with ``record_type`` (a kind such as ``license``),
or an object mapping kinds to lists of objects. CSV: one kind per file (from
``--kind`` or a ``record_type`` column); empty cells are omitted, list fields
take ``;``-separated values or a JSON array, object fields take JSON.
"""

from __future__ import annotations

import csv
import io
import json
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ledger.context import Clearance
from ledger.errors import ClearanceError, FieldProblem, ValidationFailed
from ledger.records.kinds import RecordKind, kind_named
from ledger.records.service import create_event

BATCH_ROWS = 500
"""Rows written per transaction."""


@dataclass
class RowResult:
    row: int
    kind: str
    record_id: str | None = None
    error: str | None = None
    problems: list[FieldProblem] = field(default_factory=list)


@dataclass
class ImportReport:
    accepted: list[RowResult] = field(default_factory=list)
    rejected: list[RowResult] = field(default_factory=list)
    checkpoint: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": len(self.accepted), "rejected": len(self.rejected),
            "records": [{"row": r.row, "kind": r.kind, "id": r.record_id} for r in self.accepted],
            "errors": [{"row": r.row, "kind": r.kind, "error": r.error, "problems": [p.as_dict() for p in r.problems]}
                       for r in self.rejected],
        }


def _is_list_field(kind: RecordKind[Any, Any], name: str) -> bool:
    info = kind.fields.model_fields.get(name)
    if info is None:
        return False
    annotation = info.annotation
    return typing.get_origin(annotation) is list


def _csv_value(kind: RecordKind[Any, Any], name: str, cell: str) -> Any:
    if cell[:1] in "[{":
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell
    if _is_list_field(kind, name):
        return [part.strip() for part in cell.split(";") if part.strip()]
    return cell


def read_rows(path: Path, kind_name: str | None) -> Iterator[tuple[int, RecordKind[Any, Any], dict[str, Any]]]:
    """Yield (row number, kind, data). Row numbers are 1-based data rows (CSV: header not counted)."""
    text = path.read_text(encoding="utf-8-sig")
    default = kind_named(kind_name) if kind_name else None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if isinstance(data, dict):
            data = [{**row, "record_type": k} for k, rows in data.items() for row in rows]
        if not isinstance(data, list):
            raise ValidationFailed(f"{path} must hold a list of records or an object of kind -> list")
        for number, row in enumerate(data, start=1):
            if not isinstance(row, dict):
                yield number, default or kind_named("party"), {"__error__": "row is not a JSON object"}
                continue
            row = dict(row)
            named = row.pop("record_type", None)
            yield number, kind_named(named) if named else _need(default, number), row
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        for number, row in enumerate(reader, start=1):
            named = row.pop("record_type", None)
            kind = kind_named(named) if named else _need(default, number)
            yield number, kind, {k: _csv_value(kind, k, v) for k, v in row.items() if k and v not in (None, "")}
    else:
        raise ValidationFailed(f"{path}: import takes .csv or .json files")


def _need(kind: RecordKind[Any, Any] | None, row: int) -> RecordKind[Any, Any]:
    if kind is None:
        raise ValidationFailed(f"row {row} has no record_type and no --kind was given")
    return kind


def import_file(ctx: Clearance, path: Path, kind_name: str | None = None, actor: str = "cli",
                progress: Callable[[int], None] | None = None,
                counted: Callable[[int], None] | None = None) -> ImportReport:
    """Import every row of ``path``. ``counted`` hears the number of rows once the file is read
    (before anything is written); ``progress`` hears how many more rows were done after each batch."""
    if not path.is_file():
        raise ValidationFailed(f"{path} does not exist or is not a file")
    report = ImportReport()
    rows = list(read_rows(path, kind_name))
    if len(rows) > ctx.settings.max_import_rows:
        raise ValidationFailed(f"{path} has {len(rows)} rows; max_import_rows is {ctx.settings.max_import_rows}")
    if counted:
        counted(len(rows))
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start:start + BATCH_ROWS]
        try:
            with ctx.db.transaction() as session:
                results = [_write_row(ctx, session, row, actor) for row in batch]
        except Exception:  # noqa: BLE001  (a write failed: nothing of the batch is kept; go row by row)
            results = [_write_row_alone(ctx, row, actor) for row in batch]
        for result in results:
            (report.rejected if result.error else report.accepted).append(result)
        if progress:
            progress(len(batch))
    if report.accepted:
        report.checkpoint = ctx.checkpoint()
    return report


Row = tuple[int, RecordKind[Any, Any], dict[str, Any]]


def _write_row(ctx: Clearance, session: Session, row: Row, actor: str) -> RowResult:
    """Validate one row and write it in the caller's transaction.

    A row that fails validation is returned rejected, having written nothing. An
    error while writing is raised: it ends the caller's transaction.
    """
    number, kind, data = row
    result = RowResult(number, kind.name)
    try:
        if "__error__" in data:
            raise ValidationFailed(data["__error__"])
        if kind.name in ctx.record_rules:
            raise ValidationFailed(f"a {kind.name} is decided by the policies when it is added; "
                                   f"add it with 'clearance {kind.name.replace('_', '-')} add', not by import")
        event = create_event(session, kind, data, actor)
    except ClearanceError as exc:
        result.error, result.problems = exc.detail, exc.problems
        return result
    ctx.record(session, [event])
    result.record_id = event.subject_id
    return result


def _write_row_alone(ctx: Clearance, row: Row, actor: str) -> RowResult:
    """The same in a transaction of its own, where a failed write rejects only this row."""
    try:
        with ctx.db.transaction() as session:
            return _write_row(ctx, session, row, actor)
    except ClearanceError as exc:
        return RowResult(row[0], row[1].name, error=exc.detail, problems=exc.problems)
