"""Concordance DAT load files: the fixed fields, the record fields flattened, and the byte format.

A DAT is UTF-8 with a byte-order mark; one header row then one row per document, rows
ending in CR LF; every value is wrapped in the qualifier ``þ`` (U+00FE) and values are
separated by ASCII 20 (U+0014). A newline inside a value is written as ``®`` (U+00AE);
an ASCII 20 inside a value, which no reader could tell from a separator, becomes a space.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from sqlmodel import SQLModel

from ledger.db import table_of

DELIMITER = "\x14"
QUALIFIER = "\u00fe"
NEWLINE = "\u00ae"
MULTI_VALUE = "; "
BOM = "\ufeff"
ROW_END = "\r\n"

FIXED_FIELDS = ("BEGDOC", "ENDDOC", "BEGATTACH", "ENDATTACH", "DOCID", "PARENTID", "ATTACHIDS", "CUSTODIAN",
                "MD5HASH", "SHA1HASH", "SHA256HASH", "DATECREATED", "TIMECREATED", "DATEMODIFIED", "TIMEMODIFIED",
                "TIMEZONE", "CONFIDENTIALITY", "RECORDTYPE", "LOGINDEX", "RECORDID", "NATIVEPATH", "IMAGEPATH",
                "TEXTPATH", "HOLDS")
"""The fixed fields, in this order; the flattened record fields (``F_...``) follow. With the default field
list a column empty in every row is left out of the DAT (:func:`drop_empty_columns`)."""

DATE_FORMATS = {"MM/DD/YYYY": "{m}/{d}/{y}", "DD/MM/YYYY": "{d}/{m}/{y}", "YYYY-MM-DD": "{y}-{m}-{d}"}
TIMEZONE = "UTC"


def date_and_time(stamp: str, date_format: str) -> tuple[str, str]:
    """A log time (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, UTC) as the protocol's date and ``HH:MM:SS``."""
    y, m, d = stamp[0:4], stamp[5:7], stamp[8:10]
    return DATE_FORMATS[date_format].format(y=y, m=m, d=d), stamp[11:19]


def volume_path(relative: str) -> str:
    """A path inside the volume as load files write it: one separator throughout, the backslash."""
    return relative.replace("/", "\\")

_SKIPPED_COLUMNS = frozenset({"id", "log_index"})


def record_field_names(tables: Iterable[type[SQLModel]]) -> list[str]:
    """``F_<COLUMN>`` for every column of the produced tables (their union, sorted), ids and log indexes aside."""
    names = {column.name for table in tables for column in table_of(table).columns}
    return sorted(f"F_{name.upper()}" for name in names - _SKIPPED_COLUMNS)


def flatten(value: Any) -> str:
    """One cell's text: lists of plain values joined with ``; ``, objects and nested lists as compact JSON."""
    import json

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if all(isinstance(item, str | int | float) and not isinstance(item, bool) for item in value):
            return MULTI_VALUE.join(str(item) for item in value)
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


_EMPTY = QUALIFIER + QUALIFIER
_SPECIAL = frozenset("\r\n" + DELIMITER)


def _cell(text: str) -> str:
    if not text:
        return _EMPTY
    if not _SPECIAL.isdisjoint(text):
        text = text.replace("\r\n", NEWLINE).replace("\n", NEWLINE).replace("\r", NEWLINE).replace(DELIMITER, " ")
    return f"{QUALIFIER}{text}{QUALIFIER}"


class DatWriter:
    """Writes the header once, then rows; each row is a mapping from field name to text."""

    def __init__(self, stream: IO[str], fields: Sequence[str]) -> None:
        self._stream = stream
        self.fields = list(fields)
        self._known = frozenset(self.fields)
        self._position = {name: i for i, name in enumerate(self.fields)}
        self.filled: set[str] = set()
        """The fields some row has given a value."""
        stream.write(BOM + self._row(self.fields))

    def _row(self, values: Sequence[str]) -> str:
        return DELIMITER.join(_cell(v) for v in values) + ROW_END

    def write(self, row: dict[str, str]) -> None:
        unknown = row.keys() - self._known
        if unknown:
            raise ValueError(f"DAT row has fields outside the header: {sorted(unknown)}")
        cells = [_EMPTY] * len(self.fields)  # most cells of a row are empty: fill in only the others
        position = self._position
        for name, value in row.items():
            if value:
                cells[position[name]] = _cell(value)
                self.filled.add(name)
        self._stream.write(DELIMITER.join(cells) + ROW_END)


def drop_empty_columns(path: Path, fields: Sequence[str], filled: set[str]) -> list[str]:
    """Rewrite the DAT at ``path`` without the columns no row filled, a line at a time; the fields kept."""
    keep = [i for i, name in enumerate(fields) if name in filled]
    if len(keep) == len(fields):
        return list(fields)
    separator = QUALIFIER + DELIMITER + QUALIFIER
    target = path.with_name(path.name + ".part")
    with path.open("r", encoding="utf-8", newline="") as source, \
            target.open("w", encoding="utf-8", newline="") as out:
        for number, line in enumerate(source):
            body = line[:-len(ROW_END)]
            if number == 0:
                out.write(BOM)
                body = body[len(BOM):]
            cells = body[1:-1].split(separator)
            out.write(QUALIFIER + separator.join(cells[i] for i in keep) + QUALIFIER + ROW_END)
    target.replace(path)
    return [fields[i] for i in keep]


class DatFormatError(ValueError):
    """A DAT breaks the format; the message names the row."""


def read_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Read a DAT strictly: BOM, CR LF rows, qualified values, equal field counts (messages per SPEC.md)."""
    if not data.startswith(BOM.encode("utf-8")):
        raise DatFormatError("no UTF-8 byte-order mark")
    try:
        text = data.decode("utf-8")[1:]
    except UnicodeDecodeError as exc:
        raise DatFormatError(f"not UTF-8 at byte {exc.start}") from None
    if not text.endswith(ROW_END):
        raise DatFormatError("the last row does not end in CR LF")
    lines = text[:-2].split(ROW_END)
    for number, line in enumerate(lines, start=1):
        if "\n" in line or "\r" in line:
            raise DatFormatError(f"row {number}: a bare line break (in-field newlines are {NEWLINE})")
    separator = QUALIFIER + DELIMITER + QUALIFIER
    table: list[list[str]] = []
    for number, line in enumerate(lines, start=1):
        if not (len(line) >= 2 and line[0] == QUALIFIER and line[-1] == QUALIFIER):
            raise DatFormatError(f"row {number}: every value is wrapped in {QUALIFIER}")
        values = line[1:-1].split(separator)
        if any(DELIMITER in value for value in values):
            raise DatFormatError(f"row {number}: a field separator outside the qualifiers")
        if number == 1 and (len(set(values)) != len(values) or not all(values)):
            raise DatFormatError("the header repeats a field or has an empty one")
        if table and len(values) != len(table[0]):
            raise DatFormatError(f"row {number}: {len(values)} fields where the header has {len(table[0])}")
        table.append(values)
    header = table[0]
    return header, [dict(zip(header, values)) for values in table[1:]]
