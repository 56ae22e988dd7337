"""Bulk import of rights records from CSV or JSON.

Each row is validated and committed in its own transaction: a rejected row
writes nothing, accepted rows stay committed, and the report names the row and
field of every problem. One checkpoint is signed at the end.

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

from ledger.context import Clearance
from ledger.errors import ClearanceError, FieldProblem, ValidationFailed
from ledger.records.kinds import RecordKind, kind_named
from ledger.records.service import create_event


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


def _is_list_field(kind: RecordKind, name: str) -> bool:
    info = kind.fields.model_fields.get(name)
    if info is None:
        return False
    annotation = info.annotation
    return typing.get_origin(annotation) is list


def _csv_value(kind: RecordKind, name: str, cell: str) -> Any:
    if cell[:1] in "[{":
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell
    if _is_list_field(kind, name):
        return [part.strip() for part in cell.split(";") if part.strip()]
    return cell


def read_rows(path: Path, kind_name: str | None) -> Iterator[tuple[int, RecordKind, dict[str, Any]]]:
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


def _need(kind: RecordKind | None, row: int) -> RecordKind:
    if kind is None:
        raise ValidationFailed(f"row {row} has no record_type and no --kind was given")
    return kind


def import_file(ctx: Clearance, path: Path, kind_name: str | None = None, actor: str = "cli",
                progress: Callable[[int], None] | None = None) -> ImportReport:
    if not path.is_file():
        raise ValidationFailed(f"{path} does not exist or is not a file")
    report = ImportReport()
    rows = list(read_rows(path, kind_name))
    if len(rows) > ctx.settings.max_import_rows:
        raise ValidationFailed(f"{path} has {len(rows)} rows; max_import_rows is {ctx.settings.max_import_rows}")
    for number, kind, data in rows:
        result = RowResult(number, kind.name)
        try:
            if "__error__" in data:
                raise ValidationFailed(data["__error__"])
            with ctx.db.transaction() as session:
                event = create_event(session, kind, data, actor)
                ctx.record(session, [event])
            result.record_id = event.subject_id
            report.accepted.append(result)
        except ClearanceError as exc:
            result.error, result.problems = exc.detail, exc.problems
            report.rejected.append(result)
        if progress:
            progress(1)
    if report.accepted:
        report.checkpoint = ctx.checkpoint()
    return report
