"""Verify a production volume: manifest, checkpoint signature, every proof, DAT against JSONL, Bates continuity."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from clearance_verify.completeness import OUTSIDE_MANIFEST, LoggedExport, Observed, compare, prove_export_event
from clearance_verify.custody import check_custody_certificate
from clearance_verify.fields import payload_hash
from clearance_verify.loadfiles import LoadFileInvalid, read_dat, read_opt
from clearance_verify.notes import NoteInvalid, SignedCheckpoint, VerifierKey, open_checkpoint, parse_tlog_proof
from clearance_verify.rfc9162 import ProofInvalid, hash_leaf, verify_consistency, verify_inclusion

T = TypeVar("T")

MANIFEST = "MANIFEST.sha256"
SUMMARY = "production.json"
DAT = "DATA/production.dat"
OPT = "DATA/production.opt"
EVENTS = "LOG/events.jsonl"
CHECKPOINT = "LOG/checkpoint.txt"
MEDIA_KINDS = ("asset", "clip")
ATTACHMENT_TYPES = ("still", "native")
"""Documents that are files of a record; any other row is a record, checked against its creation entry."""
REQUIRED_FIELDS = ("BEGDOC", "ENDDOC", "DOCID", "CUSTODIAN", "SHA256HASH", "DATECREATED", "RECORDTYPE", "LOGINDEX",
                   "RECORDID")
"""Fields every DAT has; any other field may be left out (a column empty in every row) and then reads as empty."""
DATE_FORMATS = {"MM/DD/YYYY": "{m}/{d}/{y}", "DD/MM/YYYY": "{d}/{m}/{y}", "YYYY-MM-DD": "{y}-{m}-{d}"}


def _date_time(stamp: object, date_format: str) -> tuple[str, str]:
    """A log entry's time (``YYYY-MM-DDTHH:MM:SS...Z``, UTC) as the DAT writes it: a date and ``HH:MM:SS``."""
    text = str(stamp)
    return DATE_FORMATS[date_format].format(y=text[0:4], m=text[5:7], d=text[8:10]), text[11:19]


def _date_format(summary: dict[str, Any]) -> str:
    protocol: dict[str, Any] = summary["protocol"] if isinstance(summary.get("protocol"), dict) else {}
    settings: dict[str, Any] = protocol["settings"] if isinstance(protocol.get("settings"), dict) else {}
    chosen = settings.get("date_format", "MM/DD/YYYY")
    return chosen if chosen in DATE_FORMATS else "MM/DD/YYYY"


def _path(row: dict[str, str], name: str) -> str:
    """A path field of the DAT (written with backslashes, as in the OPT) as a '/'-separated relative path."""
    return row.get(name, "").replace("\\", "/")


@dataclass(frozen=True)
class Finding:
    file: str
    problem: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    seen: Observed = field(default_factory=Observed)
    logged: LoggedExport | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    def fail(self, file: str, problem: str) -> None:
        self.findings.append(Finding(file, problem))

    def count(self, what: str, n: int = 1) -> None:
        self.checked[what] = self.checked.get(what, 0) + n

    @property
    def files(self) -> list[str]:
        return sorted({f.file for f in self.findings})

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "files": self.files,
                "findings": [{"file": f.file, "problem": f.problem} for f in self.findings]}


def _safe(relative: str) -> bool:
    path = PurePosixPath(relative)
    return bool(relative) and not path.is_absolute() and ".." not in path.parts and "\\" not in relative


def _check_manifest(root: Path, report: Report) -> None:
    path = root / MANIFEST
    if not path.is_file():
        report.fail(MANIFEST, "missing")
        return
    listed: dict[str, str] = {}
    lines = 0
    for number, line in enumerate(path.read_bytes().decode("utf-8", "replace").splitlines(), start=1):
        lines += 1
        match = re.fullmatch(r"([0-9a-f]{64})  (.+)", line)
        if not match or not _safe(match.group(2)):
            report.fail(MANIFEST, f"line {number} is not '<sha256>  <relative path>'")
            continue
        listed[match.group(2)] = match.group(1)
    report.seen.manifest_files = lines
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - OUTSIDE_MANIFEST
    for name in sorted(present - set(listed)):
        report.fail(name, "not listed in the manifest")
    for name, digest in sorted(listed.items()):
        target = root / name
        if not target.is_file():
            report.fail(name, "listed in the manifest but missing")
            continue
        actual = hashlib.sha256(target.read_bytes()).hexdigest()
        if actual != digest:
            report.fail(name, "SHA-256 differs from the manifest (the file was changed)")
        report.count("files")


def _read_json(root: Path, name: str, report: Report) -> Any:
    try:
        return json.loads((root / name).read_text("utf-8"))
    except (OSError, ValueError):
        report.fail(name, "missing or not JSON")
        return None


def _events(root: Path, checkpoint: SignedCheckpoint, key: VerifierKey, note: str,
            report: Report) -> dict[int, dict[str, Any]]:
    events: dict[int, dict[str, Any]] = {}
    path = root / EVENTS
    if not path.is_file():
        report.fail(EVENTS, "missing")
        return events
    with path.open("rb") as stream:
        number = 0
        for number, raw in enumerate(stream, start=1):  # noqa: B007 (the count after the loop is the lines read)
            where = f"{EVENTS}"
            try:
                line = json.loads(raw)
                leaf = base64.b64decode(line["leaf"], validate=True)
                envelope = json.loads(leaf)
                index = int(line["index"])
            except (ValueError, KeyError, TypeError, binascii.Error):
                report.fail(where, f"line {number} is not a readable event")
                continue
            if not isinstance(line, dict) or not isinstance(envelope, dict):
                report.fail(where, f"line {number} is not an event object")
                continue
            if envelope != line.get("envelope") or envelope.get("index") != index:
                report.fail(where, f"line {number}: the envelope shown differs from the leaf")
            payload_b64 = line.get("payload_b64")
            if payload_b64 is not None:
                try:
                    payload = base64.b64decode(payload_b64, validate=True)
                except (ValueError, binascii.Error):
                    report.fail(where, f"line {number}: payload is not base64")
                    continue
                if payload_hash(envelope.get("v"), payload) != envelope.get("payload_sha256"):
                    report.fail(where, f"line {number} (entry {index}): payload does not match the leaf's hash")
                elif json.loads(payload) != line.get("payload"):
                    report.fail(where, f"line {number} (entry {index}): the payload shown differs from the payload")
            if index in events:
                report.fail(where, f"line {number}: entry {index} appears twice")
            events[index] = {**line, "_leaf": leaf, "_envelope": envelope, "_line": number}
            _check_proof(root, index, leaf, checkpoint, key, note, report)
            report.count("events")
    report.seen.events = number
    return events


def _check_proof(root: Path, index: int, leaf: bytes, checkpoint: SignedCheckpoint, key: VerifierKey, note: str,
                 report: Report) -> None:
    name = f"LOG/proofs/{index}.tlog-proof"
    try:
        proof = parse_tlog_proof((root / name).read_text("utf-8"))
    except FileNotFoundError:
        report.fail(name, "missing: the event has no proof")
        return
    except (NoteInvalid, UnicodeDecodeError):
        report.fail(name, "malformed")
        return
    if proof.index != index:
        report.fail(name, f"proves entry {proof.index}, not {index}")
        return
    try:
        proved = open_checkpoint(proof.checkpoint, key)
    except NoteInvalid:
        report.fail(name, "its checkpoint does not verify with the log's key")
        return
    if proof.checkpoint != note:
        report.fail(name, "its checkpoint is not the production's checkpoint")
    try:
        verify_inclusion(index, proved.size, hash_leaf(leaf), proof.hashes, proved.root)
    except ProofInvalid:
        report.fail(name, "inclusion proof fails")
        return
    report.count("proofs")


def _bates_number(value: str, prefix: str, padding: int) -> int | None:
    if not value.startswith(prefix):
        return None
    digits = value[len(prefix):]
    return int(digits) if digits.isdigit() and len(digits) == padding else None


def _read_load_file(root: Path, name: str, read: Callable[[bytes], T], report: Report) -> T | None:
    """A load file parsed by ``read``, or None once its absence or its fault is reported."""
    try:
        return read((root / name).read_bytes())
    except FileNotFoundError:
        report.fail(name, "missing")
    except LoadFileInvalid as exc:
        report.fail(name, str(exc))
    return None


def _check_dat(root: Path, summary: dict[str, Any], events: dict[int, dict[str, Any]], report: Report) -> None:
    dat = _read_load_file(root, DAT, read_dat, report)
    if dat is None:
        return
    report.seen.documents = len(dat.rows)
    missing = [name for name in REQUIRED_FIELDS if name not in dat.header]
    if missing:
        report.fail(DAT, f"the header lacks {', '.join(missing)}")
        return
    bates: Any = summary.get("bates")
    try:
        prefix, padding = str(bates["prefix"]), int(bates["padding"])
        expected, last = int(bates["first"]), int(bates["last"])
    except (KeyError, TypeError, ValueError):
        report.fail(SUMMARY, "has no readable Bates range")
        return
    numbers = [_bates_number(dat.rows[i].get("BEGDOC", ""), prefix, padding) for i in (0, -1)] if dat.rows else []
    if len(numbers) == 2 and numbers[0] is not None and numbers[1] is not None:
        report.seen.bates = (numbers[0], numbers[1])
    docids: set[str] = set()
    date_format = _date_format(summary)
    media = {str((e["_envelope"].get("subject") or {}).get("id")): e["payload"]["sha256"] for e in events.values()
             if (e["_envelope"].get("subject") or {}).get("kind") in MEDIA_KINDS and isinstance(e.get("payload"), dict)
             and isinstance(e["payload"].get("sha256"), str)}
    signed = {e["payload"]["signed_sha256"] for e in events.values()
              if e["_envelope"].get("type") == "clip.signed" and isinstance(e.get("payload"), dict)
              and isinstance(e["payload"].get("signed_sha256"), str)}
    by_bates: dict[str, dict[str, str]] = {}
    for number, row in enumerate(dat.rows, start=2):
        begin = _bates_number(row.get("BEGDOC", ""), prefix, padding)
        if begin is None or row.get("ENDDOC") != row.get("BEGDOC"):
            report.fail(DAT, f"row {number}: BEGDOC/ENDDOC is not one {prefix} number")
            continue
        if begin != expected:
            report.fail(DAT, f"row {number}: Bates {row['BEGDOC']} where {prefix}{expected:0{padding}d} was due")
        expected = begin + 1
        by_bates[row["BEGDOC"]] = row
        row = {**row, "PARENTID": row.get("PARENTID", "")}
        if row["PARENTID"] and row["PARENTID"] not in docids:
            report.fail(DAT, f"row {number}: PARENTID {row['PARENTID']} names no earlier document")
        docids.add(row["DOCID"])
        _check_row(root, row, number, events, media, signed, date_format, report)
        report.count("documents")
    if expected - 1 != last:
        report.fail(DAT, f"the rows end at {expected - 1}, the production says {last}")
    produced_docs = {r["DOCID"] for r in dat.rows if r["RECORDTYPE"] not in ATTACHMENT_TYPES}
    for index, event in events.items():
        holder = by_bates.get(str(event.get("bates")))
        if holder is None or holder["DOCID"] != event.get("docid") or event.get("docid") not in produced_docs:
            report.fail(EVENTS, f"line {event['_line']} (entry {index}) names a document the DAT does not hold")
            continue
        subject = event["_envelope"].get("subject") or {}
        if subject.get("kind") != holder["RECORDTYPE"] or subject.get("id") != holder["RECORDID"]:
            report.fail(EVENTS, f"line {event['_line']} (entry {index}) is about another record than its document")
    _check_opt(root, summary, by_bates, report)


def _recorded_custodian(kind: str, envelope: dict[str, Any], payload: Any) -> Any:
    """SPEC.md: an asset's ``acquired_by`` from its creation payload when it names one, else the entry's actor."""
    if kind == "asset" and isinstance(payload, dict):
        named = payload.get("acquired_by")
        if isinstance(named, str) and named.strip():
            return named
    return envelope.get("actor")


def _check_row(root: Path, row: dict[str, str], number: int, events: dict[int, dict[str, Any]],
               media: dict[str, str], signed: set[str], date_format: str, report: Report) -> None:
    if row["RECORDTYPE"] in ATTACHMENT_TYPES:
        relative = _path(row, "NATIVEPATH") or _path(row, "IMAGEPATH")
        if not relative or not _safe(relative) or not (root / relative).is_file():
            report.fail(DAT, f"row {number}: attachment {row['DOCID']} has no file in the volume")
            return
        data = (root / relative).read_bytes()
        if hashlib.sha256(data).hexdigest() != row["SHA256HASH"] or \
                hashlib.md5(data).hexdigest() != row.get("MD5HASH") or \
                hashlib.sha1(data).hexdigest() != row.get("SHA1HASH"):
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
        report.fail(DAT, f"row {number}: LOGINDEX {row['LOGINDEX']!r} has no produced event")
        return
    event = events[int(row["LOGINDEX"])]
    envelope = event["_envelope"]
    subject = envelope.get("subject") or {}
    if subject.get("kind") != row["RECORDTYPE"] or subject.get("id") != row["RECORDID"]:
        report.fail(DAT, f"row {number}: RECORDTYPE/RECORDID differ from log entry {row['LOGINDEX']}")
    if row["CUSTODIAN"] != _recorded_custodian(row["RECORDTYPE"], envelope, event.get("payload")) or \
            (row["DATECREATED"], row.get("TIMECREATED", "")) != _date_time(envelope.get("time"), date_format):
        report.fail(DAT, f"row {number}: CUSTODIAN/DATECREATED differ from log entry {row['LOGINDEX']}")
    if row["RECORDTYPE"] in MEDIA_KINDS:
        expected = (event.get("payload") or {}).get("sha256")
        if expected is not None and row["SHA256HASH"] != expected:
            report.fail(DAT, f"row {number}: SHA256HASH differs from the media hash in log entry {row['LOGINDEX']}")
    elif row["SHA256HASH"] != envelope.get("payload_sha256"):
        report.fail(DAT, f"row {number}: SHA256HASH differs from the payload hash of log entry {row['LOGINDEX']}")
    elif isinstance(event.get("payload_b64"), str):
        payload = base64.b64decode(event["payload_b64"])
        if (row.get("MD5HASH"), row.get("SHA1HASH")) != (hashlib.md5(payload).hexdigest(),
                                                          hashlib.sha1(payload).hexdigest()):
            report.fail(DAT, f"row {number}: MD5HASH/SHA1HASH differ from the payload of log entry {row['LOGINDEX']}")


def _check_opt(root: Path, summary: dict[str, Any], by_bates: dict[str, dict[str, str]], report: Report) -> None:
    lines = _read_load_file(root, OPT, read_opt, report)
    if lines is None:
        return
    for number, line in enumerate(lines, start=1):
        relative = line.path.replace("\\", "/")
        row = by_bates.get(line.image_key)
        if row is None or _path(row, "IMAGEPATH") != relative:
            report.fail(OPT, f"line {number}: image {line.image_key} is not a DAT image document")
        if line.volume != summary.get("volume") or not _safe(relative) or not (root / relative).is_file():
            report.fail(OPT, f"line {number}: volume or path does not name a file in this production")
        report.count("images")


def _check_consistency(root: Path, summary: dict[str, Any], key: VerifierKey, checkpoint: SignedCheckpoint,
                       report: Report) -> None:
    previous = summary.get("previous")
    if not previous:
        return
    note_file, proof_file = previous.get("checkpoint_file", ""), previous.get("proof_file", "")
    if not (_safe(note_file) and _safe(proof_file)):
        report.fail(SUMMARY, "the previous production's files are not paths inside the volume")
        return
    try:
        old = open_checkpoint((root / note_file).read_text("utf-8"), key)
    except (OSError, UnicodeDecodeError, NoteInvalid):
        report.fail(note_file, "does not verify with the log's key")
        return
    try:
        lines = (root / proof_file).read_text("utf-8").split("\n")
        if lines[0] != "clearance.consistency-proof/v1" or lines[-1] != "":
            raise ValueError("header")
        sizes = int(lines[1].removeprefix("old ")), int(lines[2].removeprefix("new "))
        hashes = [base64.b64decode(h, validate=True) for h in lines[3:-1]]
    except (OSError, ValueError, IndexError, binascii.Error):
        report.fail(proof_file, "malformed consistency proof")
        return
    if sizes != (old.size, checkpoint.size):
        report.fail(proof_file, f"proves {sizes[0]} -> {sizes[1]}, not {old.size} -> {checkpoint.size}")
        return
    try:
        verify_consistency(old.size, checkpoint.size, old.root, checkpoint.root, hashes)
    except ProofInvalid:
        report.fail(proof_file, "consistency proof fails")
        return
    report.count("consistency proofs")


def verify_production(root: Path, log_key: str) -> Report:
    """Every check on the volume at ``root`` against the log's verifier key; the report names each bad file."""
    report = Report()
    key = VerifierKey.parse(log_key)
    _check_manifest(root, report)
    summary = _read_json(root, SUMMARY, report) or {}
    try:
        note = (root / CHECKPOINT).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        report.fail(CHECKPOINT, "missing")
        return report
    try:
        checkpoint = open_checkpoint(note, key)
    except NoteInvalid:
        report.fail(CHECKPOINT, "does not verify with the log's key")
        return report
    report.seen.checkpoint_size = checkpoint.size
    if not isinstance(summary.get("checkpoint"), dict) or summary["checkpoint"].get("size") != checkpoint.size:
        report.fail(SUMMARY, "its checkpoint size differs from the signed checkpoint")
    events = _events(root, checkpoint, key, note, report)
    _check_dat(root, summary, events, report)
    _check_consistency(root, summary, key, checkpoint, report)
    if check_custody_certificate(root, summary, report.fail) and summary.get("custody_certificate"):
        report.count("signed custody certificates")
    report.logged = prove_export_event(root, key, summary.get("production_id"), report)
    if report.logged is not None:
        compare(root, report.logged, report.seen, report)
    return report
