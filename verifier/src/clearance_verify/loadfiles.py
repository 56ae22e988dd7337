"""Strict readers for Concordance DAT and Opticon OPT load files."""

from __future__ import annotations

from dataclasses import dataclass

SEP = "\x14"
QUOTE = "\u00fe"
BOM = b"\xef\xbb\xbf"


class LoadFileInvalid(Exception):
    """The load file breaks its format; the message says where."""


@dataclass(frozen=True)
class DatFile:
    header: list[str]
    rows: list[dict[str, str]]


def _split(line: str, number: int) -> list[str]:
    if len(line) < 2 or not line.startswith(QUOTE) or not line.endswith(QUOTE):
        raise LoadFileInvalid(f"row {number}: every value is wrapped in \u00fe")
    values = line[1:-1].split(QUOTE + SEP + QUOTE)
    for value in values:
        if SEP in value:
            raise LoadFileInvalid(f"row {number}: a field separator outside the qualifiers")
    return values


def read_dat(data: bytes) -> DatFile:
    """Parse a DAT: UTF-8 with a byte-order mark, CR LF rows, þ-qualified values separated by ASCII 20."""
    if not data.startswith(BOM):
        raise LoadFileInvalid("no UTF-8 byte-order mark")
    try:
        text = data[3:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadFileInvalid(f"not UTF-8 at byte {exc.start + 3}") from exc
    if not text.endswith("\r\n"):
        raise LoadFileInvalid("the last row does not end in CR LF")
    lines = text[:-2].split("\r\n")
    for number, line in enumerate(lines, start=1):
        if "\n" in line or "\r" in line:
            raise LoadFileInvalid(f"row {number}: a bare line break (in-field newlines are \u00ae)")
    header = _split(lines[0], 1)
    if len(set(header)) != len(header) or not all(header):
        raise LoadFileInvalid("the header repeats a field or has an empty one")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        values = _split(line, number)
        if len(values) != len(header):
            raise LoadFileInvalid(f"row {number}: {len(values)} fields where the header has {len(header)}")
        rows.append(dict(zip(header, values)))
    return DatFile(header, rows)


@dataclass(frozen=True)
class OptLine:
    image_key: str
    volume: str
    path: str
    doc_break: str
    page_count: str


def read_opt(data: bytes) -> list[OptLine]:
    """Opticon: ``ImageKey,Volume,Path,DocBreak,FolderBreak,BoxBreak,PageCount`` per CR LF line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadFileInvalid("the OPT is not UTF-8") from exc
    if text and not text.endswith("\r\n"):
        raise LoadFileInvalid("the OPT's last line does not end in CR LF")
    lines = []
    for number, line in enumerate(text[:-2].split("\r\n") if text else [], start=1):
        parts = line.split(",")
        if len(parts) != 7:
            raise LoadFileInvalid(f"OPT line {number}: {len(parts)} values where Opticon has 7")
        if parts[3] not in ("Y", ""):
            raise LoadFileInvalid(f"OPT line {number}: DocBreak is Y or empty")
        lines.append(OptLine(parts[0], parts[1], parts[2], parts[3], parts[6]))
    return lines
