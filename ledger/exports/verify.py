"""``clearance verify-export``: check a production volume with the log's verifier key.

This is the ledger's own verification, built on the log's proof and note code; the
standalone ``clearance-verify`` distribution (``verifier/``) checks the same things with none
of this code. Both follow ``verifier/SPEC.md``: the same checks, and the same finding (file and
sentence) for each fault, which ``tests/ledger/exports/test_agreement.py`` holds them to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from ledger.exports import layout
from ledger.exports.verify_custody import check_custody_certificate
from ledger.exports.verify_complete import compare, prove_export_event, read_checkpoint
from ledger.exports.verify_loadfiles import check_dat
from ledger.exports.verify_report import ExportReport
from ledger.log import merkle
from ledger.log.events import FIELD_COMMITTED, fields_digest
from ledger.log.note import Checkpoint, NoteError, Verifier, open_checkpoint
from ledger.log.proof_file import ProofFile

__all__ = ["ExportReport", "verify_export"]


def safe_path(relative: str) -> bool:
    """A relative, '/'-separated path that stays inside the volume."""
    path = PurePosixPath(relative)
    return bool(relative) and not path.is_absolute() and ".." not in path.parts and "\\" not in relative


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(root: Path, report: ExportReport) -> None:
    path = root / layout.MANIFEST
    if not path.is_file():
        report.fail(layout.MANIFEST, "missing")
        return
    listed: dict[str, str] = {}
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    for number, line in enumerate(lines, start=1):
        match = re.fullmatch(r"([0-9a-f]{64})  (.+)", line)
        if not match or not safe_path(match.group(2)):
            report.fail(layout.MANIFEST, f"line {number} is not '<sha256>  <relative path>'")
            continue
        listed[match.group(2)] = match.group(1)
    report.seen.manifest_files = len(lines)
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for name in sorted(present - set(listed) - set(layout.OUTSIDE_MANIFEST)):
        report.fail(name, "not listed in the manifest")
    for name, digest in sorted(listed.items()):
        if not (root / name).is_file():
            report.fail(name, "listed in the manifest but missing")
            continue
        if sha256_of(root / name) != digest:
            report.fail(name, "SHA-256 differs from the manifest (the file was changed)")
        report.count("files")


def verify_export(root: Path, vkey: str) -> ExportReport:
    """Every check of SPEC.md on the volume at ``root`` against the log's verifier key."""
    report = ExportReport()
    verifier = Verifier.from_vkey(vkey)
    _manifest(root, report)
    try:
        summary = json.loads((root / layout.SUMMARY).read_text("utf-8"))
    except (OSError, ValueError):
        report.fail(layout.SUMMARY, "missing or not JSON")
        summary = {}
    if not isinstance(summary, dict):
        summary = {}
    read = read_checkpoint(root, layout.CHECKPOINT, verifier, report)
    if read is None:
        return report
    note, checkpoint = read
    report.seen.checkpoint_size = checkpoint.size
    if not isinstance(summary.get("checkpoint"), dict) or summary["checkpoint"].get("size") != checkpoint.size:
        report.fail(layout.SUMMARY, "its checkpoint size differs from the signed checkpoint")
    events = _events(root, note, verifier, report)
    check_dat(root, summary, events, report)
    _consistency(root, summary, checkpoint, verifier, report)
    check_custody_certificate(root, summary, report)
    report.logged = prove_export_event(root, verifier, summary.get("production_id"), report)
    if report.logged is not None:
        compare(root, report.logged, report.seen, report)
    return report


def _events(root: Path, note: str, verifier: Verifier, report: ExportReport) -> dict[int, dict[str, Any]]:
    events: dict[int, dict[str, Any]] = {}
    try:
        stream = (root / layout.EVENTS).open("rb")
    except OSError:
        report.fail(layout.EVENTS, "missing")
        return events
    number = 0
    with stream:
        for number, raw in enumerate(stream, start=1):  # noqa: B007 (the count after the loop is the lines read)
            try:
                line = json.loads(raw)
                leaf = base64.b64decode(line["leaf"], validate=True)
                envelope = json.loads(leaf)
                index = int(line["index"])
            except (ValueError, KeyError, TypeError, binascii.Error):
                report.fail(layout.EVENTS, f"line {number} is not a readable event")
                continue
            if not isinstance(line, dict) or not isinstance(envelope, dict):
                report.fail(layout.EVENTS, f"line {number} is not an event object")
                continue
            if envelope != line.get("envelope") or envelope.get("index") != index:
                report.fail(layout.EVENTS, f"line {number}: the envelope shown differs from the leaf")
            encoded = line.get("payload_b64")
            if encoded is not None:
                try:
                    payload = base64.b64decode(encoded, validate=True)
                except (ValueError, binascii.Error):
                    report.fail(layout.EVENTS, f"line {number}: payload is not base64")
                    continue
                if _digest(envelope.get("v"), payload) != envelope.get("payload_sha256"):
                    report.fail(layout.EVENTS, f"line {number} (entry {index}): payload does not match the leaf's hash")
                elif json.loads(payload) != line.get("payload"):
                    report.fail(layout.EVENTS,
                                f"line {number} (entry {index}): the payload shown differs from the payload")
            if index in events:
                report.fail(layout.EVENTS, f"line {number}: entry {index} appears twice")
            events[index] = {**line, "_leaf": leaf, "_envelope": envelope, "_line": number}
            _proof(root, index, leaf, note, verifier, report)
            report.count("events")
    report.seen.events = number
    return events


def _digest(version: Any, payload: bytes) -> str | None:
    """The payload hash a leaf of this envelope version commits to (version 2: per field, redactions included)."""
    if version == FIELD_COMMITTED:
        try:
            return fields_digest(json.loads(payload))
        except ValueError:
            return None
    return hashlib.sha256(payload).hexdigest()


def _proof(root: Path, index: int, leaf: bytes, note: str, verifier: Verifier, report: ExportReport) -> None:
    name = layout.proof_path(index)
    try:
        text = (root / name).read_text("utf-8")
    except FileNotFoundError:
        report.fail(name, "missing: the event has no proof")
        return
    except (OSError, UnicodeDecodeError):
        report.fail(name, "malformed")
        return
    try:
        proof = ProofFile.parse(text)
        if any(len(h) != 32 for h in proof.proof):
            raise NoteError("a proof hash is not 32 bytes")
    except (NoteError, binascii.Error):
        report.fail(name, "malformed")
        return
    if proof.index != index:
        report.fail(name, f"proves entry {proof.index}, not {index}")
        return
    try:
        proved = open_checkpoint(proof.checkpoint_note, verifier)
    except NoteError:
        report.fail(name, "its checkpoint does not verify with the log's key")
        return
    if proof.checkpoint_note != note:
        report.fail(name, "its checkpoint is not the production's checkpoint")
    try:
        merkle.verify_inclusion(index, proved.size, merkle.leaf_hash(leaf), proof.proof, proved.root)
    except merkle.ProofError:
        report.fail(name, "inclusion proof fails")
        return
    report.count("proofs")


def _consistency(root: Path, summary: dict[str, Any], checkpoint: Checkpoint, verifier: Verifier,
                 report: ExportReport) -> None:
    previous = summary.get("previous")
    if not previous:
        return
    note_file = str(previous.get("checkpoint_file", "")) if isinstance(previous, dict) else ""
    proof_file = str(previous.get("proof_file", "")) if isinstance(previous, dict) else ""
    if not (safe_path(note_file) and safe_path(proof_file)):
        report.fail(layout.SUMMARY, "the previous production's files are not paths inside the volume")
        return
    try:
        old = open_checkpoint((root / note_file).read_text("utf-8"), verifier)
    except (OSError, UnicodeDecodeError, NoteError):
        report.fail(note_file, "does not verify with the log's key")
        return
    try:
        lines = (root / proof_file).read_text("utf-8").split("\n")
        if lines[0] != layout.CONSISTENCY_HEADER or lines[-1] != "":
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
        merkle.verify_consistency(old.size, checkpoint.size, old.root, checkpoint.root, hashes)
    except merkle.ProofError:
        report.fail(proof_file, "consistency proof fails")
        return
    report.count("consistency proofs")
