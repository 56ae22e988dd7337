"""Completeness: the production against the export event the log recorded (SPEC.md, section C).

``export.produced`` commits to the manifest's SHA-256, the counts of files, documents and events,
each load file's SHA-256, the Bates range and the log size the production was cut at; the event,
its inclusion proof and a checkpoint covering it lie in ``EXPORT/``, outside the manifest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path

from ledger.exports import layout
from ledger.exports.verify_report import ExportReport, LoggedExport, Observed
from ledger.log import merkle
from ledger.log.note import Checkpoint, NoteError, Verifier, open_checkpoint
from ledger.log.proof_file import ProofFile


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def read_checkpoint(root: Path, name: str, verifier: Verifier,
                    report: ExportReport) -> tuple[str, Checkpoint] | None:
    """The signed checkpoint in file ``name`` of the volume (its note and what it says); None, with the finding,
    when missing or not the log's."""
    try:
        note = (root / name).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        report.fail(name, "missing")
        return None
    try:
        return note, open_checkpoint(note, verifier)
    except NoteError:
        report.fail(name, "does not verify with the log's key")
        return None


def prove_export_event(root: Path, verifier: Verifier, production_id: object,
                       report: ExportReport) -> LoggedExport | None:
    """The logged export event when ``EXPORT/`` proves it; else None, with findings."""
    if not (root / layout.EXPORT_EVENT).is_file():
        report.fail(layout.EXPORT_EVENT, "missing: nothing proves the production complete")
        return None
    read = read_checkpoint(root, layout.EXPORT_CHECKPOINT, verifier, report)
    if read is None:
        return None
    _note, checkpoint = read
    try:
        line = json.loads((root / layout.EXPORT_EVENT).read_text("utf-8"))
        leaf = base64.b64decode(line["leaf"], validate=True)
        payload_bytes = base64.b64decode(line["payload_b64"], validate=True)
        envelope, payload, index = json.loads(leaf), json.loads(payload_bytes), int(line["index"])
    except (OSError, ValueError, KeyError, TypeError, binascii.Error):
        report.fail(layout.EXPORT_EVENT, "not a readable event")
        return None
    if not isinstance(envelope, dict) or not isinstance(payload, dict) or envelope.get("index") != index:
        report.fail(layout.EXPORT_EVENT, "not a readable event")
        return None
    if hashlib.sha256(payload_bytes).hexdigest() != envelope.get("payload_sha256"):
        report.fail(layout.EXPORT_EVENT, "its payload does not match the leaf's hash")
        return None
    if envelope.get("type") != "export.produced" or \
            envelope.get("subject") != {"kind": "production", "id": production_id}:
        report.fail(layout.EXPORT_EVENT, f"is not the export.produced event of production {production_id}")
        return None
    try:
        proof = ProofFile.parse((root / layout.EXPORT_PROOF).read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        report.fail(layout.EXPORT_PROOF, "missing")
        return None
    except (NoteError, binascii.Error):
        report.fail(layout.EXPORT_PROOF, "malformed")
        return None
    try:
        proved = open_checkpoint(proof.checkpoint_note, verifier)
    except NoteError:
        report.fail(layout.EXPORT_PROOF, "its checkpoint does not verify with the log's key")
        return None
    if proof.index != index or (proved.size, proved.root) != (checkpoint.size, checkpoint.root):
        report.fail(layout.EXPORT_PROOF, f"does not prove entry {index} in {layout.EXPORT_CHECKPOINT}")
        return None
    try:
        merkle.verify_inclusion(index, checkpoint.size, merkle.leaf_hash(leaf), proof.proof, checkpoint.root)
    except merkle.ProofError:
        report.fail(layout.EXPORT_PROOF, "inclusion proof fails")
        return None
    try:
        return LoggedExport(index, int(payload["checkpoint_size"]), payload)
    except (KeyError, TypeError, ValueError):
        report.fail(layout.EXPORT_EVENT, "its payload names no checkpoint size")
        return None


def compare(root: Path, logged: LoggedExport, seen: Observed, report: ExportReport) -> None:
    """Each difference between the volume and the logged export, at most one finding per file."""
    entry = f"logged export entry {logged.index}"
    payload = logged.payload
    contents = payload["contents"] if isinstance(payload.get("contents"), dict) else {}
    bates = payload["bates"] if isinstance(payload.get("bates"), dict) else {}
    found: dict[str, str] = {}
    if seen.manifest_files is not None and seen.manifest_files != contents.get("files"):
        found.setdefault(layout.MANIFEST, f"lists {seen.manifest_files} files where {entry} produced "
                                          f"{contents.get('files')}")
    if seen.documents is not None and seen.documents != contents.get("documents"):
        found.setdefault(layout.DAT, f"holds {seen.documents} documents where {entry} produced "
                                     f"{contents.get('documents')}")
    if seen.bates is not None and seen.bates != (bates.get("first"), bates.get("last")):
        found.setdefault(layout.DAT, f"numbers {seen.bates[0]} to {seen.bates[1]} where {entry} numbered "
                                     f"{bates.get('first')} to {bates.get('last')}")
    if seen.events is not None and seen.events != contents.get("events"):
        found.setdefault(layout.EVENTS, f"holds {seen.events} events where {entry} produced {contents.get('events')}")
    if seen.checkpoint_size is not None and seen.checkpoint_size != logged.checkpoint_size:
        found.setdefault(layout.CHECKPOINT, f"is of size {seen.checkpoint_size} where {entry} was cut at "
                                            f"{logged.checkpoint_size}")
    committed = contents["sha256"] if isinstance(contents.get("sha256"), dict) else {}
    for name, digest in sorted(committed.items()):
        actual = _sha256(root / str(name))
        if actual is None:
            found.setdefault(str(name), f"missing ({entry} produced it)")
        elif actual != digest:
            found.setdefault(str(name), f"differs from the file {entry} produced")
    if not found and _sha256(root / layout.MANIFEST) != payload.get("manifest_sha256"):
        found[layout.MANIFEST] = f"its SHA-256 is not the one {entry} commits to"
    for file, problem in found.items():
        report.fail(file, problem)


def coverage(logged: LoggedExport | None) -> str:
    """The sentence printed after VERIFIED (SPEC.md): what it covers and what it does not."""
    where = f"entry {logged.index}" if logged else "its entry"
    return (f"VERIFIED covers: every file against the manifest; the manifest, the load files, the counts of files, "
            f"documents and events and the Bates range against the export event logged at {where}; each "
            f"produced event's inclusion in the signed log, a field redacted as privileged through the salted "
            f"hash that stands in for it; and the signature of the chain-of-custody certificate against the "
            f"production's signing certificate. It does not cover: whether the selection named the right "
            f"records, anything the log never recorded, records withheld and fields redacted as privileged, or "
            f"the truth of what the records say.")
