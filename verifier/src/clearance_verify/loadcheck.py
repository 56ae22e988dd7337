"""A load-file checker for Concordance DAT and Opticon OPT productions, Clearance's or anyone's.

It reads the load files the way a review platform's loader would and names every line a
loader would reject or misread: the byte-order mark and encoding, CR LF rows, the ``þ``
qualifier and ASCII 20 delimiter, field counts, Bates numbers (one prefix and width, ranges in
order with no gap or overlap, families that hold their documents), the OPT's pages against the
DAT's ranges (one image per page, a document break on each first page, page counts), dates and
times in one format, one path separator, every path present inside the volume, and the MD5,
SHA-1 and SHA-256 of each native. It needs no key: it checks form, not provenance.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SEP = "\x14"
QUOTE = "\u00fe"
BOM = b"\xef\xbb\xbf"
BATES = re.compile(r"^(.*?)(\d+)$")
DATE_PATTERNS = {"MM/DD/YYYY": re.compile(r"^(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/\d{4}$"),
                 "DD/MM/YYYY": re.compile(r"^(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/\d{4}$"),
                 "YYYY-MM-DD": re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")}
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
PATH_FIELDS = ("NATIVEPATH", "IMAGEPATH", "TEXTPATH")
HASH_FIELDS = {"MD5HASH": "md5", "SHA1HASH": "sha1", "SHA256HASH": "sha256"}
MAX_PER_KIND = 20
"""At most this many findings of one kind are listed; the last one says how many more there were."""


@dataclass
class LoadFileReport:
    findings: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """Observations that are not faults (a column empty in every row)."""
    checked: dict[str, int] = field(default_factory=dict)
    _kinds: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    def fail(self, file: str, problem: str, kind: str | None = None) -> None:
        key = f"{file}:{kind or problem}"
        seen = self._kinds[key] = self._kinds.get(key, 0) + 1
        if seen <= MAX_PER_KIND:
            self.findings.append((file, problem))

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "checked": self.checked,
                "findings": [{"file": f, "problem": p} for f, p in self.findings],
                "notes": [{"file": f, "note": n} for f, n in self.notes]}


@dataclass(frozen=True)
class _Bates:
    prefix: str
    number: int
    width: int


def _bates(value: str) -> _Bates | None:
    match = BATES.match(value)
    return _Bates(match.group(1), int(match.group(2)), len(match.group(2))) if match else None


def _inside(root: Path, value: str) -> Path | None:
    relative = value.replace("\\", "/")
    path = PurePosixPath(relative)
    if not relative or path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", relative):
        return None
    return root / relative


def _dat_table(data: bytes, name: str, report: LoadFileReport) -> tuple[list[str], list[list[str]]] | None:
    if not data.startswith(BOM):
        report.fail(name, "no UTF-8 byte-order mark (the encoding is not declared)")
        body = data
    else:
        body = data[3:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.fail(name, f"not UTF-8 at byte {exc.start + (3 if data.startswith(BOM) else 0)}")
        return None
    if not text.endswith("\r\n"):
        report.fail(name, "the last row does not end in CR LF")
    lines = text.split("\r\n")
    if lines and lines[-1] == "":
        lines.pop()
    table: list[list[str]] = []
    for number, line in enumerate(lines, start=1):
        if "\n" in line or "\r" in line:
            report.fail(name, f"row {number}: a bare line break inside the row (in-field newlines are \u00ae)",
                        "bare line break")
        if len(line) < 2 or not line.startswith(QUOTE) or not line.endswith(QUOTE):
            report.fail(name, f"row {number}: not every value is wrapped in the \u00fe qualifier", "qualifier")
            table.append(line.split(SEP))
            continue
        values = line[1:-1].split(QUOTE + SEP + QUOTE)
        if any(SEP in value for value in values):
            report.fail(name, f"row {number}: a delimiter (ASCII 20) outside the qualifiers", "delimiter")
        table.append(values)
    if not table:
        report.fail(name, "no header row")
        return None
    header = table[0]
    if len(set(header)) != len(header) or not all(header):
        report.fail(name, "the header repeats a field or has an empty one")
    for number, values in enumerate(table[1:], start=2):
        if len(values) != len(header):
            report.fail(name, f"row {number}: {len(values)} fields where the header has {len(header)}",
                        "field count")
    return header, table[1:]


def check_load_files(root: Path, dat: str = "DATA/production.dat", opt: str = "DATA/production.opt") -> LoadFileReport:
    """Every loader-level problem of the DAT at ``root/dat`` and the OPT at ``root/opt``."""
    report = LoadFileReport()
    try:
        data = (root / dat).read_bytes()
    except OSError:
        report.fail(dat, "missing")
        return report
    table = _dat_table(data, dat, report)
    if table is None:
        return report
    header, values = table
    rows = [dict(zip(header, v)) for v in values if len(v) == len(header)]
    report.checked["documents"] = len(rows)
    for required in ("BEGDOC", "ENDDOC"):
        if required not in header:
            report.fail(dat, f"the header has no {required}")
    if report.findings:
        return report
    ranges = _check_bates(rows, dat, report)
    _check_families(rows, dat, report)
    _check_dates(rows, header, dat, report)
    separators = _check_paths(root, rows, dat, report)
    _check_hashes(root, rows, dat, report)
    for name in header:
        if not any(row.get(name) for row in rows):
            report.notes.append((dat, f"column {name} is empty in every row"))
    if (root / opt).exists():
        separators |= _check_opt(root, opt, ranges, report)
    if len(separators) > 1:
        report.fail(dat, "paths mix '/' and '\\' (one separator throughout)")
    return report


def _check_bates(rows: list[dict[str, str]], dat: str, report: LoadFileReport) -> list[tuple[_Bates, _Bates]]:
    ranges: list[tuple[_Bates, _Bates]] = []
    shape: tuple[str, int] | None = None
    previous: _Bates | None = None
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        begin, end = _bates(row["BEGDOC"]), _bates(row["ENDDOC"])
        if begin is None or end is None:
            report.fail(dat, f"row {number}: BEGDOC/ENDDOC {row['BEGDOC']!r}/{row['ENDDOC']!r} are not Bates numbers",
                        "not Bates")
            continue
        shape = shape or (begin.prefix, begin.width)
        if (begin.prefix, begin.width) != shape or (end.prefix, end.width) != shape:
            report.fail(dat, f"row {number}: {row['BEGDOC']} breaks the production's Bates format "
                             f"({shape[0]} and {shape[1]} digits)", "Bates format")
        if end.number < begin.number:
            report.fail(dat, f"row {number}: ENDDOC {row['ENDDOC']} is before BEGDOC {row['BEGDOC']}", "range order")
        if row["BEGDOC"] in seen:
            report.fail(dat, f"row {number}: Bates {row['BEGDOC']} is used twice", "duplicate")
        seen.add(row["BEGDOC"])
        if previous is not None and begin.number != previous.number + 1:
            what = "a gap" if begin.number > previous.number + 1 else "an overlap"
            report.fail(dat, f"row {number}: {row['BEGDOC']} follows {previous.prefix}{previous.number:0{previous.width}d}"
                             f" ({what} in the Bates numbers)", "continuity")
        previous = end
        ranges.append((begin, end))
    report.checked["Bates ranges"] = len(ranges)
    return ranges


def _check_families(rows: list[dict[str, str]], dat: str, report: LoadFileReport) -> None:
    if not rows or "BEGATTACH" not in rows[0]:
        return
    for number, row in enumerate(rows, start=2):
        begin, end = _bates(row.get("BEGATTACH", "")), _bates(row.get("ENDATTACH", ""))
        own_begin, own_end = _bates(row["BEGDOC"]), _bates(row["ENDDOC"])
        if begin is None or end is None or own_begin is None or own_end is None:
            if row.get("BEGATTACH") or row.get("ENDATTACH"):
                report.fail(dat, f"row {number}: BEGATTACH/ENDATTACH are not Bates numbers", "attach format")
            continue
        if not begin.number <= own_begin.number <= own_end.number <= end.number:
            report.fail(dat, f"row {number}: its family range {row['BEGATTACH']}-{row['ENDATTACH']} does not hold "
                             f"the document {row['BEGDOC']}", "family")


def _check_dates(rows: list[dict[str, str]], header: list[str], dat: str, report: LoadFileReport) -> None:
    for name in (h for h in header if h.startswith("DATE")):
        first = next((row[name] for row in rows if row.get(name)), "")
        pattern = next((p for p in DATE_PATTERNS.values() if p.match(first)), None)  # MM/DD first when ambiguous
        for number, row in enumerate(rows, start=2):
            if row.get(name) and (pattern is None or not pattern.match(row[name])):
                report.fail(dat, f"row {number}: {name} {row[name]!r} is not a date in the production's format",
                            f"date {name}")
    for name in (h for h in header if h.startswith("TIME") and h != "TIMEZONE"):
        for number, row in enumerate(rows, start=2):
            if row.get(name) and not TIME.match(row[name]):
                report.fail(dat, f"row {number}: {name} {row[name]!r} is not HH:MM:SS", f"time {name}")


def _check_paths(root: Path, rows: list[dict[str, str]], dat: str, report: LoadFileReport) -> set[str]:
    separators: set[str] = set()
    for number, row in enumerate(rows, start=2):
        for name in PATH_FIELDS:
            value = row.get(name, "")
            if not value:
                continue
            separators |= {s for s in ("/", "\\") if s in value}
            path = _inside(root, value)
            if path is None:
                report.fail(dat, f"row {number}: {name} {value} is not a relative path inside the volume",
                            f"path {name}")
            elif not path.is_file():
                report.fail(dat, f"row {number}: {name} {value} is not in the volume", f"missing {name}")
            else:
                report.checked["paths"] = report.checked.get("paths", 0) + 1
    return separators


def _check_hashes(root: Path, rows: list[dict[str, str]], dat: str, report: LoadFileReport) -> None:
    for number, row in enumerate(rows, start=2):
        path = _inside(root, row.get("NATIVEPATH", ""))
        if path is None or not path.is_file():
            continue
        data = path.read_bytes()
        for name, algorithm in HASH_FIELDS.items():
            given = row.get(name, "")
            if given and hashlib.new(algorithm, data).hexdigest() != given.lower():
                report.fail(dat, f"row {number}: {name} is not the {algorithm.upper()} of its native "
                                 f"{row['NATIVEPATH']}", "hash")
        report.checked["natives hashed"] = report.checked.get("natives hashed", 0) + 1


def _check_opt(root: Path, opt: str, ranges: list[tuple[_Bates, _Bates]], report: LoadFileReport) -> set[str]:
    data = (root / opt).read_bytes()
    separators: set[str] = set()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        report.fail(opt, "not UTF-8")
        return separators
    if text and not text.endswith("\r\n"):
        report.fail(opt, "the last line does not end in CR LF")
    lines = [line for line in text.split("\r\n") if line != ""] if text else []
    pages: dict[int, tuple[int, list[str]]] = {}
    """Bates number -> (line, fields) of each image."""
    for number, line in enumerate(lines, start=1):
        parts = line.split(",")
        if len(parts) != 7:
            report.fail(opt, f"line {number}: {len(parts)} values where Opticon has 7", "OPT values")
            continue
        key = _bates(parts[0])
        if key is None:
            report.fail(opt, f"line {number}: image key {parts[0]!r} is not a Bates number", "OPT key")
            continue
        if key.number in pages:
            report.fail(opt, f"line {number}: image {parts[0]} appears twice", "OPT duplicate")
        pages[key.number] = (number, parts)
        separators |= {s for s in ("/", "\\") if s in parts[2]}
        path = _inside(root, parts[2])
        if path is None or not path.is_file():
            report.fail(opt, f"line {number}: image {parts[2]} is not in the volume", "OPT path")
    covered: set[int] = set()
    for begin, end in ranges:
        span = list(range(begin.number, end.number + 1))
        present = [n for n in span if n in pages]
        covered.update(span)
        if not present:
            continue
        if len(present) != len(span):
            missing = next(n for n in span if n not in pages)
            report.fail(opt, f"document {begin.prefix}{begin.number:0{begin.width}d} has {len(span)} pages but no "
                             f"image for page {begin.prefix}{missing:0{begin.width}d}", "OPT pages")
            continue
        first_line, first = pages[begin.number]
        if first[3] != "Y":
            report.fail(opt, f"line {first_line}: the first page of {first[0]} has no document break (Y)",
                        "OPT break")
        for n in span[1:]:
            if pages[n][1][3] == "Y":
                report.fail(opt, f"line {pages[n][0]}: a document break inside {first[0]}", "OPT break")
        if first[6] and first[6] != str(len(span)):
            report.fail(opt, f"line {first_line}: page count {first[6]} where {first[0]} has {len(span)} pages",
                        "OPT page count")
    for n, (number, parts) in sorted(pages.items()):
        if n not in covered:
            report.fail(opt, f"line {number}: image {parts[0]} lies in no DAT document's Bates range", "OPT orphan")
    report.checked["images"] = len(pages)
    return separators
