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
from ledger import json_limits
from ledger.records.models import booleans_from_text
from ledger.errors import ClearanceError, FieldProblem, ValidationFailed
from ledger.records.kinds import RecordKind, kind_named
from ledger.records.service import create_event, record_with_external_id

BATCH_ROWS = 500
"""Rows written per transaction."""


REJECTS_ERROR_COLUMN = "import_error"
"""The column a rejects file adds to say why each row was refused; ``import`` ignores it, so the fixed
file can be imported as it is."""


@dataclass
class RowResult:
    row: int
    kind: str
    record_id: str | None = None
    error: str | None = None
    problems: list[FieldProblem] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    """The row as read (for the rejects file)."""
    existing: bool = False
    """The row's ``external_id`` was imported before: nothing was written, ``record_id`` is that record's."""

    def message(self) -> str:
        return "; ".join([self.error or "", *(f"{p.field}: {p.message}" for p in self.problems)]).strip("; ")


@dataclass
class ImportReport:
    accepted: list[RowResult] = field(default_factory=list)
    rejected: list[RowResult] = field(default_factory=list)
    checkpoint: str | None = None
    dry_run: bool = False

    @property
    def existing(self) -> list[RowResult]:
        return [r for r in self.accepted if r.existing]

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "accepted": len(self.accepted) - len(self.existing), "already_imported": len(self.existing),
            "rejected": len(self.rejected),
            "records": [{"row": r.row, "kind": r.kind, "id": r.record_id, "already_imported": r.existing}
                        for r in self.accepted],
            "errors": [{"row": r.row, "kind": r.kind, "error": r.error, "problems": [p.as_dict() for p in r.problems]}
                       for r in self.rejected],
        }

    def write_rejects(self, path: Path) -> int:
        """Write the rejected rows as a CSV to fix and import again: a ``record_type`` column, the rows'
        fields (lists and objects as JSON) and :data:`REJECTS_ERROR_COLUMN`. Returns the row count."""
        columns: list[str] = []
        for result in self.rejected:
            columns += [name for name in result.data if name not in columns]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["record_type", *columns, REJECTS_ERROR_COLUMN])
        for result in self.rejected:
            cells = [result.data.get(name) for name in columns]
            writer.writerow([result.kind, *(_cell(value) for value in cells), result.message()])
        from ledger.fsutil import write_atomic

        write_atomic(path, out.getvalue().encode("utf-8"))
        return len(self.rejected)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _is_list_field(kind: RecordKind[Any, Any], name: str) -> bool:
    info = kind.fields.model_fields.get(name)
    if info is None:
        return False
    annotation = info.annotation
    return typing.get_origin(annotation) is list


def csv_cell_value(kind: RecordKind[Any, Any], name: str, cell: str) -> Any:
    """A CSV cell as the field's value: JSON when it looks like an array or object, a ``;``-separated list
    for a list field, else the text (the bulk registration list reads its cells the same way)."""
    if cell[:1] in "[{":
        try:
            return json_limits.loads(cell, name, nul=True)
        except ValidationFailed:
            return cell  # not JSON after all: the field's own validation says what it expected
    if _is_list_field(kind, name):
        return [part.strip() for part in cell.split(";") if part.strip()]
    return booleans_from_text(kind.fields, {name: cell})[name]  # a CSV boolean is text: true/false, yes/no, 1/0


def read_utf8(path: Path) -> str:
    """The file as text: UTF-8 (a BOM is dropped); else a ValidationFailed naming the first bad byte and its line."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ValidationFailed(f"{path} is not UTF-8 text: byte {exc.start} (line {line}) is 0x{raw[exc.start]:02x}; "
                               "save the file as UTF-8 and import it again",
                               problems=[FieldProblem("file", f"line {line}: not UTF-8")]) from None


def read_rows(path: Path, kind_name: str | None) -> Iterator[tuple[int, RecordKind[Any, Any], dict[str, Any]]]:
    """Yield (row number, kind, data). Row numbers are 1-based data rows (CSV: header not counted).

    Whatever is wrong with the file as a whole is a :class:`ValidationFailed` naming it; whatever is
    wrong with one row is yielded as that row's ``__error__``, so the other rows go on."""
    text = read_utf8(path)
    default = kind_named(kind_name) if kind_name else None
    if path.suffix.lower() == ".json":
        yield from _json_rows(path, text, default)
    elif path.suffix.lower() == ".csv":
        yield from _csv_rows(path, text, default)
    else:
        raise ValidationFailed(f"{path}: import takes .csv or .json files")


def _json_rows(path: Path, text: str, default: RecordKind[Any, Any] | None) -> Iterator[tuple[int, RecordKind[Any, Any], dict[str, Any]]]:
    data = json_limits.loads(text, path.name, nul=True)  # nesting bounded before parsing; NUL: per row
    if isinstance(data, dict):
        flattened: list[Any] = []
        for name, rows in data.items():
            kind = kind_named(name)  # an unknown kind is named, with the known ones
            if not isinstance(rows, list):
                raise ValidationFailed(f"{path}: {name!r} must map to a list of {kind.name} records, "
                                       f"not {type(rows).__name__}",
                                       problems=[FieldProblem(name, f"expected a list, got {type(rows).__name__}")])
            flattened += [{**row, "record_type": name} if isinstance(row, dict) else row for row in rows]
        data = flattened
    if not isinstance(data, list):
        raise ValidationFailed(f"{path} must hold a list of records or an object of kind -> list")
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            yield number, default or kind_named("party"), {"__error__": f"row is {type(row).__name__}, not a "
                                                           "JSON object"}
            continue
        row = dict(row)
        named = row.pop("record_type", None)
        if named is not None and not isinstance(named, str):
            yield number, default or kind_named("party"), {"__error__": "record_type must be a kind's name"}
            continue
        yield number, kind_named(named) if named else _need(default, number), row


def _csv_rows(path: Path, text: str, default: RecordKind[Any, Any] | None) -> Iterator[tuple[int, RecordKind[Any, Any], dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        for number, cells in enumerate(reader, start=1):
            if not any(cells):
                continue  # a blank line
            if len(cells) != len(header):
                yield number, default or kind_named("party"), {
                    "__error__": f"row has {len(cells)} cells but the header has {len(header)} "
                                 "(a cell holding a comma must be quoted)",
                    "__data__": dict(zip(header, cells))}
                continue
            row = dict(zip(header, cells))
            row.pop(REJECTS_ERROR_COLUMN, None)
            named = row.pop("record_type", None)
            kind = kind_named(named) if named else _need(default, number)
            yield number, kind, {k: csv_cell_value(kind, k, v) for k, v in row.items() if k and v not in (None, "")}
    except csv.Error as exc:
        raise ValidationFailed(f"{path} is not valid CSV at line {reader.line_num}: {exc} "
                               "(a quote that is opened must be closed)",
                               problems=[FieldProblem("file", f"line {reader.line_num}: {exc}")]) from None


def _need(kind: RecordKind[Any, Any] | None, row: int) -> RecordKind[Any, Any]:
    if kind is None:
        raise ValidationFailed(f"row {row} has no record_type and no --kind was given")
    return kind


def import_file(ctx: Clearance, path: Path, kind_name: str | None = None, actor: str = "cli",
                progress: Callable[[int], None] | None = None,
                counted: Callable[[int], None] | None = None, dry_run: bool = False) -> ImportReport:
    """Import every row of ``path``. ``counted`` hears the number of rows once the file is read
    (before anything is written); ``progress`` hears how many more rows were done after each batch.

    A row whose ``external_id`` a record of its kind already has was imported before: it is reported
    as already imported and not written again, so a fixed file can be imported whole. ``dry_run``
    validates every row against the records (and the rows before it) and writes nothing."""
    if not path.is_file():
        raise ValidationFailed(f"{path} does not exist or is not a file")
    report = ImportReport(dry_run=dry_run)
    rows = list(read_rows(path, kind_name))
    if len(rows) > ctx.settings.max_import_rows:
        raise ValidationFailed(f"{path} has {len(rows)} rows; max_import_rows is {ctx.settings.max_import_rows}")
    if counted:
        counted(len(rows))
    if dry_run:
        _validate_only(ctx, rows, actor, report, progress)
        return report
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
    if any(not r.existing for r in report.accepted):
        report.checkpoint = ctx.checkpoint()
    return report


Row = tuple[int, RecordKind[Any, Any], dict[str, Any]]


def _rejected(row: Row, exc: ClearanceError) -> RowResult:
    number, kind, data = row
    return RowResult(number, kind.name, error=exc.detail, problems=exc.problems, data=_as_read(data))


def _as_read(data: dict[str, Any]) -> dict[str, Any]:
    return data.get("__data__") or {k: v for k, v in data.items() if not k.startswith("__")}


def _imported_before(session: Session, kind: RecordKind[Any, Any], data: dict[str, Any]) -> str | None:
    """The id of the record of this kind that already carries the row's ``external_id``, if any."""
    external_id = data.get("external_id")
    if not isinstance(external_id, str) or not external_id:
        return None
    return record_with_external_id(session, kind, external_id)


def _validate_only(ctx: Clearance, rows: list[Row], actor: str, report: ImportReport,
                   progress: Callable[[int], None] | None) -> None:
    pending: dict[str, set[str]] = {}
    seen_external: dict[str, dict[str, str]] = {}  # kind -> external id -> id, of rows earlier in the file
    with ctx.db.reader() as session:
        for row in rows:
            number, kind, data = row
            try:
                if "__error__" in data:
                    raise ValidationFailed(data["__error__"])
                external = data.get("external_id")
                existing = _imported_before(session, kind, data) or seen_external.get(kind.name, {}).get(
                    external if isinstance(external, str) else "")
                if existing is not None:
                    report.accepted.append(RowResult(number, kind.name, existing, existing=True))
                    continue
                event = create_event(session, kind, data, actor, pending=pending)
                if event.subject_id in pending.get(kind.name, set()):
                    raise ValidationFailed("an earlier row of the file has the same id",
                                           problems=[FieldProblem("id", f"{event.subject_id!r} repeated")])
            except ClearanceError as exc:
                report.rejected.append(_rejected(row, exc))
                continue
            pending.setdefault(kind.name, set()).add(event.subject_id or "")
            if isinstance(external, str):
                seen_external.setdefault(kind.name, {})[external] = event.subject_id or ""
            report.accepted.append(RowResult(number, kind.name, event.subject_id, data=_as_read(data)))
    if progress:
        progress(len(rows))


def _write_row(ctx: Clearance, session: Session, row: Row, actor: str) -> RowResult:
    """Validate one row and write it in the caller's transaction.

    A row that fails validation is returned rejected, having written nothing. An
    error while writing is raised: it ends the caller's transaction.
    """
    number, kind, data = row
    result = RowResult(number, kind.name, data=_as_read(data))
    try:
        if "__error__" in data:
            raise ValidationFailed(data["__error__"])
        if kind.name in ctx.record_rules:
            raise ValidationFailed(f"a {kind.name} is decided by the policies when it is added; "
                                   f"add it with 'clearance {kind.name.replace('_', '-')} add', not by import")
        existing = _imported_before(session, kind, data)
        if existing is not None:
            result.record_id, result.existing = existing, True
            return result
        event = create_event(session, kind, data, actor)
    except ClearanceError as exc:
        return _rejected(row, exc)
    ctx.record(session, [event])
    result.record_id = event.subject_id
    return result


def _write_row_alone(ctx: Clearance, row: Row, actor: str) -> RowResult:
    """The same in a transaction of its own, where a failed write rejects only this row."""
    try:
        with ctx.db.transaction() as session:
            return _write_row(ctx, session, row, actor)
    except ClearanceError as exc:
        return _rejected(row, exc)
