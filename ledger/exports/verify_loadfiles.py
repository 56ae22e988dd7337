"""The DAT and OPT of a production against its proved events (SPEC.md, sections D and O)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path, PurePosixPath
from typing import Any

from ledger.exports import layout
from ledger.exports.dat import DATE_FORMATS, DatFormatError, date_and_time, read_rows
from ledger.exports.verify_report import ExportReport

MEDIA_KINDS = ("asset", "clip")
ATTACHMENT_TYPES = ("still", "native")
"""Documents that are files of a record; any other row is a record, checked against its creation entry."""
REQUIRED_FIELDS = ("BEGDOC", "ENDDOC", "DOCID", "CUSTODIAN", "SHA256HASH", "DATECREATED", "RECORDTYPE", "LOGINDEX",
                   "RECORDID")
"""Fields every DAT has; the others may be left out (empty in every row) and then read as empty."""


class OptFormatError(ValueError):
    """An Opticon file breaks its format; the message says where."""


def read_opt(data: bytes) -> list[list[str]]:
    """Opticon lines (``ImageKey,Volume,Path,DocBreak,FolderBreak,BoxBreak,PageCount``, CR LF), strictly."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise OptFormatError("the OPT is not UTF-8") from None
    if text and not text.endswith("\r\n"):
        raise OptFormatError("the OPT's last line does not end in CR LF")
    lines = []
    for number, line in enumerate(text[:-2].split("\r\n") if text else [], start=1):
        parts = line.split(",")
        if len(parts) != 7:
            raise OptFormatError(f"OPT line {number}: {len(parts)} values where Opticon has 7")
        if parts[3] not in ("Y", ""):
            raise OptFormatError(f"OPT line {number}: DocBreak is Y or empty")
        lines.append(parts)
    return lines


def _inside(relative: str) -> bool:
    path = PurePosixPath(relative)
    return bool(relative) and not path.is_absolute() and ".." not in path.parts and "\\" not in relative


def _bates_number(value: str, prefix: str, padding: int) -> int | None:
    if not value.startswith(prefix):
        return None
    digits = value[len(prefix):]
    return int(digits) if digits.isdigit() and len(digits) == padding else None


def _date_format(summary: dict[str, Any]) -> str:
    protocol = summary.get("protocol")
    settings = protocol.get("settings") if isinstance(protocol, dict) else None
    chosen = settings.get("date_format", "MM/DD/YYYY") if isinstance(settings, dict) else "MM/DD/YYYY"
    return chosen if chosen in DATE_FORMATS else "MM/DD/YYYY"


def _path(row: dict[str, str], name: str) -> str:
    """A DAT path field (backslash-separated, as in the OPT) as a '/'-separated relative path."""
    return row.get(name, "").replace("\\", "/")


def check_dat(root: Path, summary: dict[str, Any], events: dict[int, dict[str, Any]], report: ExportReport) -> None:
    try:
        header, rows = read_rows((root / layout.DAT).read_bytes())
    except FileNotFoundError:
        report.fail(layout.DAT, "missing")
        return
    except DatFormatError as exc:
        report.fail(layout.DAT, str(exc))
        return
    report.seen.documents = len(rows)
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if missing:
        report.fail(layout.DAT, f"the header lacks {', '.join(missing)}")
        return
    bates = summary.get("bates")
    try:
        prefix, padding = str(bates["prefix"]), int(bates["padding"])  # type: ignore[index]
        due, last = int(bates["first"]), int(bates["last"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        report.fail(layout.SUMMARY, "has no readable Bates range")
        return
    ends = [_bates_number(rows[i]["BEGDOC"], prefix, padding) for i in (0, -1)] if rows else []
    if len(ends) == 2 and ends[0] is not None and ends[1] is not None:
        report.seen.bates = (ends[0], ends[1])
    media = {}
    for event in events.values():
        subject, payload = event["_envelope"].get("subject") or {}, event.get("payload")
        if subject.get("kind") in MEDIA_KINDS and isinstance(payload, dict) and isinstance(payload.get("sha256"), str):
            media[str(subject.get("id"))] = payload["sha256"]
    docids: set[str] = set()
    date_format = _date_format(summary)
    signed = set()
    for event in events.values():
        payload = event.get("payload")
        if event["_envelope"].get("type") == "clip.signed" and isinstance(payload, dict) \
                and isinstance(payload.get("signed_sha256"), str):
            signed.add(payload["signed_sha256"])
    by_bates: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        begin = _bates_number(row["BEGDOC"], prefix, padding)
        if begin is None or row["ENDDOC"] != row["BEGDOC"]:
            report.fail(layout.DAT, f"row {number}: BEGDOC/ENDDOC is not one {prefix} number")
            continue
        if begin != due:
            report.fail(layout.DAT, f"row {number}: Bates {row['BEGDOC']} where {prefix}{due:0{padding}d} was due")
        due = begin + 1
        by_bates[row["BEGDOC"]] = row
        row.setdefault("PARENTID", "")
        if row["PARENTID"] and row["PARENTID"] not in docids:
            report.fail(layout.DAT, f"row {number}: PARENTID {row['PARENTID']} names no earlier document")
        docids.add(row["DOCID"])
        _row(root, row, number, events, media, signed, date_format, report)
        report.count("documents")
    if due - 1 != last:
        report.fail(layout.DAT, f"the rows end at {due - 1}, the production says {last}")
    records = {r["DOCID"] for r in rows if r["RECORDTYPE"] not in ATTACHMENT_TYPES}
    for index, event in events.items():
        holder = by_bates.get(str(event.get("bates")))
        if holder is None or holder["DOCID"] != event.get("docid") or event.get("docid") not in records:
            report.fail(layout.EVENTS, f"line {event['_line']} (entry {index}) names a document the DAT does not hold")
            continue
        subject = event["_envelope"].get("subject") or {}
        if subject.get("kind") != holder["RECORDTYPE"] or subject.get("id") != holder["RECORDID"]:
            report.fail(layout.EVENTS,
                        f"line {event['_line']} (entry {index}) is about another record than its document")
    _opt(root, summary, by_bates, report)


def _custodian(kind: str, envelope: dict[str, Any], payload: Any) -> Any:
    """An asset's ``acquired_by`` when its creation payload names one, else the creation entry's actor."""
    acquired_by = payload.get("acquired_by") if kind == "asset" and isinstance(payload, dict) else None
    return acquired_by if isinstance(acquired_by, str) and acquired_by.strip() else envelope.get("actor")


def _row(root: Path, row: dict[str, str], number: int, events: dict[int, dict[str, Any]], media: dict[str, str],
         signed: set[str], date_format: str, report: ExportReport) -> None:
    if row["RECORDTYPE"] in ATTACHMENT_TYPES:
        relative = _path(row, "NATIVEPATH") or _path(row, "IMAGEPATH")
        if not relative or not _inside(relative) or not (root / relative).is_file():
            report.fail(layout.DAT, f"row {number}: attachment {row['DOCID']} has no file in the volume")
            return
        data = (root / relative).read_bytes()
        if hashlib.sha256(data).hexdigest() != row["SHA256HASH"] or \
                hashlib.md5(data, usedforsecurity=False).hexdigest() != row.get("MD5HASH") or \
                hashlib.sha1(data, usedforsecurity=False).hexdigest() != row.get("SHA1HASH"):
            report.fail(relative, f"its hashes differ from DAT row {number}")
        if row["RECORDTYPE"] == "native" and row["DOCID"].endswith(".native"):
            logged = media.get(row["PARENTID"])
            if logged is not None and logged != row["SHA256HASH"]:
                report.fail(relative, "differs from the media the log records for its parent")
        if row["RECORDTYPE"] == "native" and row["DOCID"].endswith(".signed") and signed \
                and row["SHA256HASH"] not in signed:
            report.fail(relative, "is not a signed file the log records for its clip")
        return
    if not row["LOGINDEX"].isdigit() or int(row["LOGINDEX"]) not in events:
        report.fail(layout.DAT, f"row {number}: LOGINDEX {row['LOGINDEX']!r} has no produced event")
        return
    event = events[int(row["LOGINDEX"])]
    envelope = event["_envelope"]
    subject = envelope.get("subject") or {}
    if subject.get("kind") != row["RECORDTYPE"] or subject.get("id") != row["RECORDID"]:
        report.fail(layout.DAT, f"row {number}: RECORDTYPE/RECORDID differ from log entry {row['LOGINDEX']}")
    if row["CUSTODIAN"] != _custodian(row["RECORDTYPE"], envelope, event.get("payload")) or \
            (row["DATECREATED"], row.get("TIMECREATED", "")) != date_and_time(str(envelope.get("time")), date_format):
        report.fail(layout.DAT, f"row {number}: CUSTODIAN/DATECREATED differ from log entry {row['LOGINDEX']}")
    if row["RECORDTYPE"] in MEDIA_KINDS:
        expected = (event.get("payload") or {}).get("sha256")
        if expected is not None and row["SHA256HASH"] != expected:
            report.fail(layout.DAT,
                        f"row {number}: SHA256HASH differs from the media hash in log entry {row['LOGINDEX']}")
    elif row["SHA256HASH"] != envelope.get("payload_sha256"):
        report.fail(layout.DAT,
                    f"row {number}: SHA256HASH differs from the payload hash of log entry {row['LOGINDEX']}")
    elif isinstance(event.get("payload_b64"), str):
        payload = base64.b64decode(event["payload_b64"])
        if (row.get("MD5HASH"), row.get("SHA1HASH")) != (hashlib.md5(payload, usedforsecurity=False).hexdigest(),
                                                          hashlib.sha1(payload, usedforsecurity=False).hexdigest()):
            report.fail(layout.DAT,
                        f"row {number}: MD5HASH/SHA1HASH differ from the payload of log entry {row['LOGINDEX']}")


def _opt(root: Path, summary: dict[str, Any], by_bates: dict[str, dict[str, str]], report: ExportReport) -> None:
    try:
        lines = read_opt((root / layout.OPT).read_bytes())
    except FileNotFoundError:
        report.fail(layout.OPT, "missing")
        return
    except OptFormatError as exc:
        report.fail(layout.OPT, str(exc))
        return
    for number, (key, volume, path, *_) in enumerate(lines, start=1):
        relative = path.replace("\\", "/")
        row = by_bates.get(key)
        if row is None or _path(row, "IMAGEPATH") != relative:
            report.fail(layout.OPT, f"line {number}: image {key} is not a DAT image document")
        if volume != summary.get("volume") or not _inside(relative) or not (root / relative).is_file():
            report.fail(layout.OPT, f"line {number}: volume or path does not name a file in this production")
        report.count("images")
