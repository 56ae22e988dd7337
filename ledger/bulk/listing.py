"""The list a bulk registration reads: one media file per row, with the fields of its asset record.

CSV (a header row) or JSON Lines (one object per line). Every row has ``path``: a path (relative
paths are read from the list's own folder) or a ``file://`` URI. Its other columns or keys are the
asset record's fields as ``register`` and ``import`` take them (``title``, ``role``,
``acquisition_method``, ``acquired_on``, ``license_id``, ``rights_holder_id``, ``source_uri``,
``depicted``, ``notes``, ...); what a row leaves out comes from the command's options. CSV cells are
read as ``import`` reads them (empty cells are omitted; a list takes ``;``-separated values or a
JSON array; an object is JSON).

A problem with the list as a whole (not UTF-8, not CSV or JSON Lines, no ``path`` column, too many
rows) stops the command before anything runs. A problem with one row (no path, a URI that is not
``file://``, a line that is not a JSON object) refuses that row only, with the reason.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ledger import json_limits
from ledger.errors import FieldProblem, ValidationFailed
from ledger.records.importer import csv_cell_value, read_utf8
from ledger.records.kinds import KINDS

CSV_SUFFIXES = frozenset({".csv"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


@dataclass(frozen=True)
class ListedFile:
    """One row of the list: where the file is and the record fields the row gives."""

    row: int
    """1-based: the data row of a CSV (the header not counted), the line of a JSON Lines file."""
    given: str
    """The path or URI as the row wrote it (for reports)."""
    path: Path | None
    """The file, resolved; None when the row is refused."""
    fields: dict[str, Any] = field(default_factory=dict)
    refusal: str | None = None


def read_list(list_path: Path, max_rows: int) -> list[ListedFile]:
    """Every row of the list, in order."""
    if not list_path.is_file():
        raise ValidationFailed(f"{list_path} does not exist or is not a file",
                               problems=[FieldProblem("bulk", "a CSV or JSON Lines file")])
    suffix = list_path.suffix.lower()
    if suffix not in CSV_SUFFIXES | JSONL_SUFFIXES:
        raise ValidationFailed(f"{list_path}: a bulk list is a .csv or .jsonl file",
                               problems=[FieldProblem("bulk", f"{suffix or 'no extension'}: expected .csv or .jsonl")])
    text = read_utf8(list_path)
    base = list_path.resolve().parent
    rows = _csv_rows(list_path, text) if suffix in CSV_SUFFIXES else _jsonl_rows(text)
    listed: list[ListedFile] = []
    for number, given, fields, refusal in rows:
        if len(listed) >= max_rows:
            raise ValidationFailed(f"{list_path} has more than {max_rows} rows (max_import_rows); split it")
        listed.append(_listed(base, number, given, fields, refusal))
    return listed


RawRow = tuple[int, str, dict[str, Any], "str | None"]


def _csv_rows(list_path: Path, text: str) -> list[RawRow]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[RawRow] = []
    try:
        header = next(reader, None)
        if header is None or "path" not in header:
            raise ValidationFailed(f"{list_path}: the first row must name the columns, one of them 'path'",
                                   problems=[FieldProblem("path", "no 'path' column")])
        asset = KINDS["asset"]
        for number, cells in enumerate(reader, start=1):
            if not any(cells):
                continue
            if len(cells) != len(header):
                rows.append((number, "", {}, f"row has {len(cells)} cells but the header has {len(header)} "
                                             "(a cell holding a comma must be quoted)"))
                continue
            row = {name: cell for name, cell in zip(header, cells) if name and cell != ""}
            given = row.pop("path", "")
            rows.append((number, given, {k: csv_cell_value(asset, k, v) for k, v in row.items()}, None))
    except csv.Error as exc:
        raise ValidationFailed(f"{list_path} is not valid CSV at line {reader.line_num}: {exc}",
                               problems=[FieldProblem("bulk", f"line {reader.line_num}: {exc}")]) from None
    return rows


def _jsonl_rows(text: str) -> list[RawRow]:
    rows: list[RawRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json_limits.loads(line, f"line {number}")
        except ValidationFailed as exc:
            rows.append((number, "", {}, str(exc)))
            continue
        if not isinstance(value, dict):
            rows.append((number, "", {}, f"line {number} is {type(value).__name__}, not a JSON object"))
            continue
        given = value.pop("path", "")
        if not isinstance(given, str):
            rows.append((number, json.dumps(given), {}, "path must be a string (a path or a file:// URI)"))
            continue
        rows.append((number, given, value, None))
    return rows


def _listed(base: Path, number: int, given: str, fields: dict[str, Any], refusal: str | None) -> ListedFile:
    if refusal is None and not given.strip():
        refusal = "no path: every row names its file in 'path'"
    if refusal is not None:
        return ListedFile(number, given, None, fields, refusal)
    try:
        return ListedFile(number, given, resolve_path(given, base), fields)
    except ValueError as exc:
        return ListedFile(number, given, None, fields, str(exc))


def resolve_path(given: str, base: Path) -> Path:
    """A row's file: a ``file://`` URI, an absolute path, or a path relative to ``base`` (the list's folder)."""
    if "://" in given or given.startswith("file:"):
        parsed = urlparse(given)
        if parsed.scheme != "file":
            raise ValueError(f"{given}: only local paths and file:// URIs can be registered "
                             f"(a {parsed.scheme or 'schemeless'} URI names no file here)")
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"{given}: a file:// URI of another host ({parsed.netloc}) names no file here")
        return Path(unquote(parsed.path))
    path = Path(given).expanduser()
    return path if path.is_absolute() else base / path
