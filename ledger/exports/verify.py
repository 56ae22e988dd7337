"""``clearance verify-export``: check a production volume with the log's verifier key.

This is the ledger's own verification, built on the log's proof and note code; the
standalone ``clearance-verify`` distribution (``verifier/``) checks the same things from the
specifications with none of this code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.exports import layout
from ledger.exports.dat import FIXED_FIELDS, DatFormatError, read_rows
from ledger.log import merkle
from ledger.log.note import Checkpoint, NoteError, Verifier, open_checkpoint
from ledger.log.proof_file import ProofFile


@dataclass
class ExportReport:
    problems: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad(self, name: str, problem: str) -> None:
        self.problems.append((name, problem))

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts, "files": sorted({n for n, _ in self.problems}),
                "problems": [{"file": n, "problem": p} for n, p in self.problems]}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(root: Path, report: ExportReport) -> None:
    try:
        lines = (root / layout.MANIFEST).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        report.bad(layout.MANIFEST, "missing or not UTF-8")
        return
    listed = {}
    for line in lines:
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or ".." in Path(name).parts or Path(name).is_absolute():
            report.bad(layout.MANIFEST, f"bad line {line[:80]!r}")
            continue
        listed[name] = digest
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {layout.MANIFEST}
    for name in sorted(files ^ set(listed)):
        report.bad(name, "in the volume but not the manifest" if name in files else "in the manifest but missing")
    for name in sorted(files & set(listed)):
        if _sha256(root / name) != listed[name]:
            report.bad(name, "changed: its SHA-256 is not the manifest's")
    report.counts["files"] = len(files)


def verify_export(root: Path, vkey: str) -> ExportReport:
    """Manifest, checkpoint signature, every event's proof, the DAT against the JSONL, Bates continuity."""
    report = ExportReport()
    verifier = Verifier.from_vkey(vkey)
    _manifest(root, report)
    try:
        summary = json.loads((root / layout.SUMMARY).read_text("utf-8"))
    except (OSError, ValueError):
        report.bad(layout.SUMMARY, "missing or not JSON")
        return report
    try:
        note = (root / layout.CHECKPOINT).read_text("utf-8")
        checkpoint = open_checkpoint(note, verifier)
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        report.bad(layout.CHECKPOINT, f"does not verify: {exc}")
        return report
    events = _events(root, note, verifier, report)
    _dat(root, summary, events, report)
    _consistency(root, summary, checkpoint, verifier, report)
    return report


def _events(root: Path, note: str, verifier: Verifier, report: ExportReport) -> dict[int, dict[str, Any]]:
    events: dict[int, dict[str, Any]] = {}
    try:
        stream = (root / layout.EVENTS).open("rb")
    except OSError:
        report.bad(layout.EVENTS, "missing")
        return events
    with stream:
        for number, raw in enumerate(stream, start=1):
            try:
                line = json.loads(raw)
                leaf = base64.b64decode(line["leaf"], validate=True)
                index = int(line["index"])
                envelope = json.loads(leaf)
            except (ValueError, KeyError, TypeError):
                report.bad(layout.EVENTS, f"line {number} is not an event")
                continue
            if not isinstance(envelope, dict):
                report.bad(layout.EVENTS, f"line {number}: its leaf is not an envelope")
                continue
            payload = line.get("payload_b64")
            if envelope != line.get("envelope") or (payload is not None and (
                    hashlib.sha256(base64.b64decode(payload)).hexdigest() != envelope.get("payload_sha256")
                    or json.loads(base64.b64decode(payload)) != line.get("payload"))):
                report.bad(layout.EVENTS, f"line {number} (entry {index}) does not agree with its leaf")
            events[index] = {**line, "_envelope": envelope, "_line": number}
            name = layout.proof_path(index)
            try:
                proof = ProofFile.parse((root / name).read_text("utf-8"))
                if proof.index != index or proof.checkpoint_note != note:
                    raise NoteError("not this entry's proof against the production's checkpoint")
                proof.verify(leaf, verifier)
            except (OSError, UnicodeDecodeError, NoteError, merkle.ProofError) as exc:
                report.bad(name, f"does not prove entry {index}: {exc}")
    report.counts["events"] = len(events)
    return events


def _dat(root: Path, summary: dict[str, Any], events: dict[int, dict[str, Any]], report: ExportReport) -> None:
    try:
        header, rows = read_rows((root / layout.DAT).read_bytes())
    except (OSError, DatFormatError) as exc:
        report.bad(layout.DAT, str(exc))
        return
    missing = [name for name in FIXED_FIELDS if name not in header]
    if missing:
        report.bad(layout.DAT, f"the header lacks {', '.join(missing)}")
        return
    try:
        bates = summary["bates"]
        prefix, padding = str(bates["prefix"]), int(bates["padding"])
        due, last = int(bates["first"]), int(bates["last"])
    except (KeyError, TypeError, ValueError):
        report.bad(layout.SUMMARY, "has no readable Bates range")
        return
    documents: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        expected = f"{prefix}{due:0{padding}d}"
        if row["BEGDOC"] != expected or row["ENDDOC"] != expected:
            report.bad(layout.DAT, f"row {number}: Bates {row['BEGDOC']} where {expected} was due")
        due += 1
        documents[row["BEGDOC"]] = row
        if row["PARENTID"]:
            path = row["NATIVEPATH"] or row["IMAGEPATH"]
            if not path or not (root / path).is_file() or _sha256(root / path) != row["SHA256HASH"]:
                report.bad(path or layout.DAT, f"does not match DAT row {number} ({row['DOCID']})")
            continue
        event = events.get(int(row["LOGINDEX"])) if row["LOGINDEX"].isdigit() else None
        if event is None:
            report.bad(layout.DAT, f"row {number}: LOGINDEX {row['LOGINDEX']} has no produced event")
            continue
        envelope = event["_envelope"]
        media = (event.get("payload") or {}).get("sha256") if row["RECORDTYPE"] in ("asset", "clip") else None
        if (envelope.get("subject") != {"kind": row["RECORDTYPE"], "id": row["RECORDID"]}
                or row["SHA256HASH"] != (media or envelope.get("payload_sha256"))
                or row["CUSTODIAN"] != envelope.get("actor") or row["DATECREATED"] != envelope.get("time")):
            report.bad(layout.DAT, f"row {number} does not agree with log entry {row['LOGINDEX']}")
    if due - 1 != last:
        report.bad(layout.DAT, f"rows end at {due - 1}; the production says {last}")
    for index, event in events.items():
        document = documents.get(str(event.get("bates")))
        if document is None or document["DOCID"] != event.get("docid"):
            report.bad(layout.EVENTS, f"line {event['_line']} (entry {index}) names no document of the DAT")
    report.counts["documents"] = len(rows)


def _consistency(root: Path, summary: dict[str, Any], checkpoint: Checkpoint, verifier: Verifier,
                 report: ExportReport) -> None:
    if not summary.get("previous"):
        return
    try:
        old = open_checkpoint((root / layout.PREVIOUS_CHECKPOINT).read_text("utf-8"), verifier)
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        report.bad(layout.PREVIOUS_CHECKPOINT, f"does not verify: {exc}")
        return
    try:
        lines = (root / layout.CONSISTENCY).read_text("utf-8").splitlines()
        if lines[:3] != [layout.CONSISTENCY_HEADER, f"old {old.size}", f"new {checkpoint.size}"]:
            raise ValueError("header")
        merkle.verify_consistency(old.size, checkpoint.size, old.root, checkpoint.root,
                                  [base64.b64decode(h, validate=True) for h in lines[3:]])
    except (OSError, UnicodeDecodeError, ValueError, merkle.ProofError) as exc:
        report.bad(layout.CONSISTENCY, f"does not prove the earlier checkpoint consistent: {exc}")
