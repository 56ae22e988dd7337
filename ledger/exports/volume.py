"""Writing a production volume: numbered documents, load files, log events with their proofs, reports, manifest.

The log is read twice in batches (once to find the selected records and their events, once
per batch of documents to write them), the documents are written as they are numbered, and
nothing but a small entry per selected record is held, so memory stays flat as productions grow.
"""

from __future__ import annotations

import base64
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ledger.context import Clearance
from ledger.errors import Conflict, FieldProblem, ValidationFailed
from ledger.exports import files, layout, privilege_log
from ledger.exports.custody import write_custody_certificate
from ledger.exports.dat import FIXED_FIELDS, drop_empty_columns, record_field_names
from ledger.exports.documents import TABLES, Doc, Numbering, VolumeFiles, write_batch
from ledger.exports.models import BatesCounter, PrivilegeDesignation, Production
from ledger.exports.people import Person
from ledger.exports.protocol import ProtocolSettings
from ledger.exports.signing_key import ProductionSigner, ensure_signer
from ledger.exports.selection import Selection, Subject, base_subjects, version_assets
from ledger.log import store
from ledger.log.events import Event
from ledger.log.note import Checkpoint
from ledger.witness.publish import vouched_checkpoint
from ledger.log.proof_file import ProofFile
from ledger.log.tables import LogEntry
from ledger.records import models as m

BATCH = 500


@dataclass(frozen=True)
class ExportRequest:
    selection: Selection
    protocol: ProtocolSettings
    out_dir: Path | None
    """``None``: ``$CLEARANCE_HOME/exports/<production id>`` (the API never takes a caller's path)."""
    protocol_name: str | None = None
    make_zip: bool = False
    person: Person = field(default_factory=lambda: Person("unnamed", "unstated"))
    """Who exported it: named in the event, ``production.json`` and the custody report."""


def _software_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("clearance-ledger")
    except PackageNotFoundError:
        return "unknown"


def custodian_of(kind: str, envelope: dict[str, Any], payload: bytes | None) -> str:
    """The custodian as recorded: the person who acquired an asset when its creation entry names one,
    else whoever made the creation entry (the key or user that registered the record)."""
    if kind == "asset" and payload is not None:
        acquired_by = json.loads(payload).get("acquired_by")
        if isinstance(acquired_by, str) and acquired_by.strip():
            return acquired_by
    return str(envelope["actor"])


def _scan(session: Session, size: int, base: set[Subject] | None) -> dict[Subject, Doc]:
    """Every produced-kind record the log names up to ``size`` (within ``base``), with its events."""
    docs: dict[Subject, Doc] = {}
    for entry in store.iter_entries(session, 0, size):
        kind = entry.subject_kind
        if kind not in TABLES or entry.event_type.startswith("privilege."):
            continue
        key = (kind, entry.subject_id or "")
        if base is not None and key not in base:
            continue
        envelope = json.loads(entry.leaf)
        doc = docs.get(key)
        if doc is None:
            doc = docs[key] = Doc(kind, key[1], entry.idx, envelope["time"], custodian_of(kind, envelope, entry.payload),
                                   envelope["time"])
        doc.events.append(entry.idx)
        doc.last_time = envelope["time"]
    return docs






def _holds_by_subject(session: Session) -> dict[Subject, list[str]]:
    holds: dict[Subject, list[str]] = {}
    query = select(m.LegalHold).where(col(m.LegalHold.released_at).is_(None)).order_by(m.LegalHold.id)
    for hold in session.exec(query):
        holds.setdefault((hold.record_kind, hold.record_id), []).append(hold.id)
    return holds


def _hold_details(ctx: Clearance, hold_ids: set[str]) -> list[dict[str, Any]]:
    """Each covering hold with the person who placed it and the key or user whose entry recorded it."""
    if not hold_ids:
        return []
    details = []
    with ctx.db.reader() as session:
        for hold in session.exec(select(m.LegalHold).where(col(m.LegalHold.id).in_(sorted(hold_ids)))
                                 .order_by(m.LegalHold.id)):
            entry = session.get(LogEntry, hold.log_index)
            details.append({"id": hold.id, "matter": hold.matter, "record_kind": hold.record_kind,
                            "record_id": hold.record_id, "placed_by": hold.placed_by,
                            "placed_on": hold.placed_on.isoformat(),
                            "recorded_by": json.loads(entry.leaf)["actor"] if entry is not None else None})
    return details


def _previous(session: Session, matter: str | None, prefix: str) -> Production | None:
    query = select(Production)
    query = query.where(Production.matter == matter) if matter else query.where(Production.prefix == prefix)
    return session.exec(query.order_by(col(Production.log_index).desc()).limit(1)).first()


def produce(ctx: Clearance, request: ExportRequest, actor: str) -> dict[str, Any]:
    """Write the production volume at ``request.out_dir``, log ``export.produced`` and return the summary."""
    settings, selection = request.protocol, request.selection
    production_id = f"prd_{uuid.uuid4().hex[:16]}"
    root = request.out_dir or exports_dir(ctx) / production_id
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ValidationFailed(f"{root} exists and is not an empty folder",
                               problems=[FieldProblem("out", "name a new or empty folder")])
    signer = ensure_signer(ctx.settings.keys_dir, ctx.settings.provider_name)  # before anything is written
    vouched = vouched_checkpoint(ctx, require_quorum=ctx.settings.export_requires_quorum)
    note, checkpoint = vouched.note, vouched.checkpoint  # the note carries the witnesses' cosignatures
    with ctx.db.reader() as session:
        base = base_subjects(session, selection)
        docs = _scan(session, checkpoint.size, base)
        privileged = {(p.record_kind, p.record_id): p for p in session.exec(select(PrivilegeDesignation))}
        holds = _holds_by_subject(session)
        previous = _previous(session, selection.matter, settings.bates_prefix)
        counter = session.get(BatesCounter, settings.bates_prefix)
        previous_note = None
        if previous is not None:
            previous_note = _checkpoint_note(session, previous)
        assets_of = version_assets(session, sorted(d.id for d in docs.values() if d.kind == "dataset_version"))
    chosen = sorted((d for d in docs.values() if selection.keeps(d.created_time, d.custodian)),
                    key=lambda d: d.created_index)
    del docs
    whole = {key for key, designation in privileged.items() if not designation.fields}
    withheld = [d for d in chosen if (d.kind, d.id) in whole]
    produced = in_families([d for d in chosen if (d.kind, d.id) not in whole], assets_of)
    if not produced:
        raise ValidationFailed("the selection reaches no producible records",
                               problems=[FieldProblem("selection", "no record matched (or all are privileged)")])
    first = counter.next_number if counter is not None else settings.bates_start
    all_fields = record_field_names(TABLES.values())
    fields = [*FIXED_FIELDS, *(f for f in all_fields if not settings.fields or f in settings.fields)]
    unknown = sorted(set(settings.fields) - set(all_fields))
    if unknown:
        raise ValidationFailed("the protocol names fields no record has",
                               problems=[FieldProblem("fields", name) for name in unknown])
    root.mkdir(parents=True, exist_ok=True)
    try:
        summary, manifest_sha256, appended = _write_volume(ctx, request, actor, root, production_id, note, checkpoint,
                                                        produced, withheld, privileged, holds, previous,
                                                        previous_note, first, fields, signer,
                                                        vouched.timestamp_token)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)  # nothing half-written remains
        raise
    # the event is logged: a failure from here on leaves the volume to redo
    covering = _write_export_proof(ctx, root, appended)
    logged = {"manifest_sha256": manifest_sha256, "log_index": appended.index, "checkpoint": covering,
              "certificate_sha256": summary["signing_certificate"]["sha256"]}
    write_custody_certificate(root / layout.CUSTODY_PDF, summary, logged, signer)
    result = {**summary, "manifest_sha256": manifest_sha256, "log_index": appended.index, "path": str(root),
              "export_checkpoint": covering}
    if request.make_zip:
        result["zip"] = str(files.write_zip(root))
    return result


def _write_volume(ctx: Clearance, request: ExportRequest, actor: str, root: Path, production_id: str, note: str,
                  checkpoint: Checkpoint, produced: list[Doc], withheld: list[Doc],
                  privileged: dict[Subject, PrivilegeDesignation], holds: dict[Subject, list[str]],
                  previous: Production | None, previous_note: str | None, first: int,
                  fields: list[str], signer: ProductionSigner,
                  timestamp_token: bytes | None = None) -> tuple[dict[str, Any], str, store.Appended]:
    """Every file of the volume, then the ``export.produced`` event; (summary, manifest hash, log index)."""
    settings, selection = request.protocol, request.selection
    numbering = Numbering(settings, first, first)
    volume = VolumeFiles(root, fields, production_id)
    covering_holds: set[str] = set()
    redacted = {key: list(designation.fields) for key, designation in privileged.items() if designation.fields}
    try:
        with ctx.db.reader() as session:
            for batch in _batches(produced):
                write_batch(ctx, session, batch, volume, numbering, settings, checkpoint.size, note, holds,
                            covering_holds, redacted)
    finally:
        volume.close()
    if not settings.fields:  # the default field list: no column empty in every row
        drop_empty_columns(root / layout.DAT, fields, volume.dat.filled)
    last = numbering.next - 1
    (root / layout.CHECKPOINT).write_text(note, encoding="utf-8")
    if timestamp_token is not None:  # RFC 3161 TimeStampResp over the checkpoint body
        (root / layout.CHECKPOINT_TSR).write_bytes(timestamp_token)
    consistency = None
    if previous is not None and previous_note is not None:
        consistency = _write_consistency(ctx, root, previous, previous_note, checkpoint.size)
    privilege_log.write(root / layout.PRIVILEGE_LOG, withheld, privileged, settings.privilege_log,
                        listed=settings.privilege_handling == "log", redactions=volume.redactions)
    summary: dict[str, Any] = {
        "format": layout.FORMAT, "production_id": production_id, "volume": production_id,
        "matter": selection.matter, "selection": selection.as_json(),
        "protocol": {"name": request.protocol_name, "settings": settings.as_json()},
        "bates": {"prefix": settings.bates_prefix, "padding": settings.bates_padding, "start": settings.bates_start,
                  "first": first, "last": last, "begin": settings.bates(first), "end": settings.bates(last)},
        "checkpoint": {"file": layout.CHECKPOINT, "origin": checkpoint.origin, "size": checkpoint.size,
                       "root": base64.b64encode(checkpoint.root).decode()},
        "previous": consistency,
        "counts": dict(sorted(volume.counts.items())),
        "withheld": len(withheld) if settings.privilege_handling == "log" else 0,
        "redactions": [{"bates": r["bates"], "record_kind": r["record_kind"], "fields": r["fields"]}
                       for r in volume.redactions],
        "holds": sorted(covering_holds), "hold_details": _hold_details(ctx, covering_holds),
        "exported_by": request.person.name.strip(), "exported_by_role": request.person.role,
        "producing_party": ctx.settings.provider_name or None, "log_key": ctx.log_key.vkey,
        "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": {"name": "clearance-ledger", "version": _software_version()},
        "signing_certificate": _write_certificate(root, signer), "custody_certificate": layout.CUSTODY_PDF,
    }
    (root / layout.SUMMARY).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    manifest_sha256, listed = files.write_manifest(root, volume.written)
    contents = {"documents": last - first + 1, "events": volume.counts.get("events", 0), "files": len(listed),
                "sha256": {name: listed[name] for name in layout.LOAD_FILES if name in listed}}
    payload = {"production_id": production_id, "matter": selection.matter, "selection": selection.as_json(),
               "protocol": summary["protocol"], "bates": {k: summary["bates"][k] for k in
                                                          ("prefix", "padding", "start", "first", "last")},
               "checkpoint_size": checkpoint.size, "manifest_sha256": manifest_sha256, "contents": contents,
               "counts": summary["counts"], "holds": summary["holds"], "exported_by": request.person.as_json()}
    with ctx.db.transaction() as session:
        now = session.get(BatesCounter, settings.bates_prefix)
        expected = now.next_number if now is not None else settings.bates_start
        if expected != first:
            raise Conflict(f"another production numbered {settings.bates_prefix} meanwhile (it now stands at "
                           f"{settings.bates(expected)}); run the export again")
        appended = ctx.record(session, [Event("export.produced", payload, "production", production_id, actor)])
    return summary, manifest_sha256, appended[0]


def _write_certificate(root: Path, signer: ProductionSigner) -> dict[str, str]:
    """The production-signing certificate, in the volume (and so in the manifest the export event commits to)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    pem = signer.certificate_pem
    (root / layout.SIGNING_CERT).write_bytes(pem)
    fingerprint = x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256()).hex()
    return {"file": layout.SIGNING_CERT, "sha256": fingerprint}


def _write_export_proof(ctx: Clearance, root: Path, appended: store.Appended) -> dict[str, Any]:
    """The ``export.produced`` event, its inclusion proof and the checkpoint covering it, outside the manifest.

    The event commits to the manifest's SHA-256, so it cannot be listed in the manifest; with these three
    files anyone holding the log's key can check that nothing was added to, or left out of, the production."""
    receipt = ctx.receipt(appended)
    with ctx.db.reader() as session:
        entry = session.get(LogEntry, appended.index)
    if entry is None or entry.payload is None:
        raise RuntimeError(f"log entry {appended.index} vanished while the production was written")
    (root / layout.EXPORT).mkdir(exist_ok=True)
    line = {"index": appended.index, "leaf": base64.b64encode(entry.leaf).decode(),
            "envelope": json.loads(entry.leaf), "payload_b64": base64.b64encode(entry.payload).decode(),
            "payload": json.loads(entry.payload)}
    (root / layout.EXPORT_EVENT).write_text(json.dumps(line, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    (root / layout.EXPORT_PROOF).write_text(ProofFile(appended.index, receipt.inclusion_proof,
                                                      receipt.checkpoint).render(), encoding="utf-8")
    (root / layout.EXPORT_CHECKPOINT).write_text(receipt.checkpoint, encoding="utf-8")
    covering = Checkpoint.parse(receipt.checkpoint)
    return {"origin": covering.origin, "size": covering.size, "root": base64.b64encode(covering.root).decode()}


def exports_dir(ctx: Clearance) -> Path:
    return ctx.settings.home / "exports"


def _checkpoint_note(session: Session, production: Production) -> str | None:
    from ledger.log.tables import SignedCheckpoint

    row = session.get(SignedCheckpoint, production.checkpoint_size)
    return row.note if row is not None else None


def _batches(docs: list[Doc]) -> Iterator[list[Doc]]:
    """Batches of about ``BATCH`` documents that never split a family (a record and its attached records)."""
    batch: list[Doc] = []
    for doc in docs:
        if len(batch) >= BATCH and doc.parent is None:
            yield batch
            batch = []
        batch.append(doc)
    if batch:
        yield batch


def in_families(produced: list[Doc], assets_of: dict[str, list[str]]) -> list[Doc]:
    """The documents in log order, but each produced asset of a produced dataset version right after the
    version (the first one, when several hold it), as its attachment."""
    by_key = {(d.kind, d.id): d for d in produced}
    attached: dict[str, str] = {}
    for doc in produced:
        if doc.kind == "dataset_version":
            for asset_id in assets_of.get(doc.id, []):
                if ("asset", asset_id) in by_key:
                    attached.setdefault(asset_id, doc.id)
    ordered: list[Doc] = []
    for doc in produced:
        if doc.kind == "asset" and doc.id in attached:
            continue
        ordered.append(doc)
        if doc.kind == "dataset_version":
            for asset_id in assets_of.get(doc.id, []):
                if attached.get(asset_id) == doc.id:
                    member = by_key[("asset", asset_id)]
                    member.parent = doc.id
                    ordered.append(member)
    return ordered


def _write_consistency(ctx: Clearance, root: Path, previous: Production, previous_note: str,
                       size: int) -> dict[str, Any]:
    with ctx.db.reader() as session:
        proof = store.consistency_proof(session, previous.checkpoint_size, size)
    (root / layout.PREVIOUS_CHECKPOINT).write_text(previous_note, encoding="utf-8")
    lines = [layout.CONSISTENCY_HEADER, f"old {previous.checkpoint_size}", f"new {size}",
             *(base64.b64encode(h).decode() for h in proof)]
    (root / layout.CONSISTENCY).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"production_id": previous.id, "checkpoint_size": previous.checkpoint_size,
            "checkpoint_file": layout.PREVIOUS_CHECKPOINT, "proof_file": layout.CONSISTENCY}
