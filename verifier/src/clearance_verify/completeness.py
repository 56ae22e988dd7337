"""Completeness: the production against the export event the log recorded (SPEC.md, section C).

The ``export.produced`` event commits to the manifest's SHA-256, the number of files, documents
and events, the SHA-256 of each load file, the Bates range and the log size the production was
cut at. The event, its inclusion proof and the checkpoint covering it travel in ``EXPORT/``,
outside the manifest (whose hash the event holds). Once the event is proved, anything added,
dropped or edited after the export shows as a difference from what it commits to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from clearance_verify.notes import NoteInvalid, VerifierKey, open_checkpoint, parse_tlog_proof
from clearance_verify.rfc9162 import ProofInvalid, hash_leaf, verify_inclusion

MANIFEST = "MANIFEST.sha256"
DAT = "DATA/production.dat"
EVENTS = "LOG/events.jsonl"
CHECKPOINT = "LOG/checkpoint.txt"
EXPORT_EVENT = "EXPORT/export-event.json"
EXPORT_PROOF = "EXPORT/export-event.tlog-proof"
EXPORT_CHECKPOINT = "EXPORT/checkpoint.txt"
CUSTODY_PDF = "EXPORT/chain-of-custody.pdf"  # signed; names the export event, so it comes after it
OUTSIDE_MANIFEST = frozenset({MANIFEST, EXPORT_EVENT, EXPORT_PROOF, EXPORT_CHECKPOINT, CUSTODY_PDF})


class Failing(Protocol):
    def fail(self, file: str, problem: str) -> None: ...


@dataclass
class Observed:
    """What the other checks read from the volume, for comparison with the logged export."""

    manifest_files: int | None = None
    documents: int | None = None
    bates: tuple[int, int] | None = None
    events: int | None = None
    checkpoint_size: int | None = None


@dataclass(frozen=True)
class LoggedExport:
    index: int
    checkpoint_size: int
    payload: dict[str, Any]


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def prove_export_event(root: Path, key: VerifierKey, production_id: object, report: Failing) -> LoggedExport | None:
    """The logged export event when ``EXPORT/`` proves it with ``key``; else None, with findings."""
    if not (root / EXPORT_EVENT).is_file():
        report.fail(EXPORT_EVENT, "missing: nothing proves the production complete")
        return None
    try:
        note = (root / EXPORT_CHECKPOINT).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        report.fail(EXPORT_CHECKPOINT, "missing")
        return None
    try:
        checkpoint = open_checkpoint(note, key)
    except NoteInvalid:
        report.fail(EXPORT_CHECKPOINT, "does not verify with the log's key")
        return None
    try:
        line = json.loads((root / EXPORT_EVENT).read_text("utf-8"))
        leaf = base64.b64decode(line["leaf"], validate=True)
        payload_bytes = base64.b64decode(line["payload_b64"], validate=True)
        envelope = json.loads(leaf)
        payload = json.loads(payload_bytes)
        index = int(line["index"])
    except (OSError, ValueError, KeyError, TypeError, binascii.Error):
        report.fail(EXPORT_EVENT, "not a readable event")
        return None
    if not isinstance(envelope, dict) or not isinstance(payload, dict) or envelope.get("index") != index:
        report.fail(EXPORT_EVENT, "not a readable event")
        return None
    if hashlib.sha256(payload_bytes).hexdigest() != envelope.get("payload_sha256"):
        report.fail(EXPORT_EVENT, "its payload does not match the leaf's hash")
        return None
    if envelope.get("type") != "export.produced" or \
            envelope.get("subject") != {"kind": "production", "id": production_id}:
        report.fail(EXPORT_EVENT, f"is not the export.produced event of production {production_id}")
        return None
    try:
        proof = parse_tlog_proof((root / EXPORT_PROOF).read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        report.fail(EXPORT_PROOF, "missing")
        return None
    except NoteInvalid:
        report.fail(EXPORT_PROOF, "malformed")
        return None
    try:
        proved = open_checkpoint(proof.checkpoint, key)
    except NoteInvalid:
        report.fail(EXPORT_PROOF, "its checkpoint does not verify with the log's key")
        return None
    if proof.index != index or (proved.size, proved.root) != (checkpoint.size, checkpoint.root):
        report.fail(EXPORT_PROOF, f"does not prove entry {index} in {EXPORT_CHECKPOINT}")
        return None
    try:
        verify_inclusion(index, checkpoint.size, hash_leaf(leaf), proof.hashes, checkpoint.root)
    except ProofInvalid:
        report.fail(EXPORT_PROOF, "inclusion proof fails")
        return None
    try:
        return LoggedExport(index, int(payload["checkpoint_size"]), payload)
    except (KeyError, TypeError, ValueError):
        report.fail(EXPORT_EVENT, "its payload names no checkpoint size")
        return None


def compare(root: Path, logged: LoggedExport, seen: Observed, report: Failing) -> None:
    """Each difference between the volume and the logged export, at most one finding per file."""
    entry = f"logged export entry {logged.index}"
    payload = logged.payload
    contents: dict[str, Any] = payload["contents"] if isinstance(payload.get("contents"), dict) else {}
    bates: dict[str, Any] = payload["bates"] if isinstance(payload.get("bates"), dict) else {}
    found: dict[str, str] = {}

    def note(file: str, problem: str) -> None:
        found.setdefault(file, problem)

    if seen.manifest_files is not None and seen.manifest_files != contents.get("files"):
        note(MANIFEST, f"lists {seen.manifest_files} files where {entry} produced {contents.get('files')}")
    if seen.documents is not None and seen.documents != contents.get("documents"):
        note(DAT, f"holds {seen.documents} documents where {entry} produced {contents.get('documents')}")
    if seen.bates is not None and seen.bates != (bates.get("first"), bates.get("last")):
        note(DAT, f"numbers {seen.bates[0]} to {seen.bates[1]} where {entry} numbered "
                  f"{bates.get('first')} to {bates.get('last')}")
    if seen.events is not None and seen.events != contents.get("events"):
        note(EVENTS, f"holds {seen.events} events where {entry} produced {contents.get('events')}")
    if seen.checkpoint_size is not None and seen.checkpoint_size != logged.checkpoint_size:
        note(CHECKPOINT, f"is of size {seen.checkpoint_size} where {entry} was cut at {logged.checkpoint_size}")
    committed: dict[str, Any] = contents["sha256"] if isinstance(contents.get("sha256"), dict) else {}
    for name, digest in sorted(committed.items()):
        actual = _sha256(root / str(name))
        if actual is None:
            note(str(name), f"missing ({entry} produced it)")
        elif actual != digest:
            note(str(name), f"differs from the file {entry} produced")
    if not found and _sha256(root / MANIFEST) != payload.get("manifest_sha256"):
        note(MANIFEST, f"its SHA-256 is not the one {entry} commits to")
    for file, problem in found.items():
        report.fail(file, problem)


def coverage(logged: LoggedExport | None) -> str:
    """The sentence printed after VERIFIED: what it covers and what it does not."""
    where = f"entry {logged.index}" if logged else "its entry"
    return (f"VERIFIED covers: every file against the manifest; the manifest, the load files, the counts of files, "
            f"documents and events and the Bates range against the export event logged at {where}; each "
            f"produced event's inclusion in the signed log, a field redacted as privileged through the salted "
            f"hash that stands in for it; and the signature of the chain-of-custody certificate against the "
            f"production's signing certificate. It does not cover: whether the selection named the right "
            f"records, anything the log never recorded, records withheld and fields redacted as privileged, or "
            f"the truth of what the records say.")
