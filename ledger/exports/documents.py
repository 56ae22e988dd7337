"""The documents of a volume: each record's DAT row, text, slip-sheet, stills, natives, events and proofs.

A record is one document, numbered, followed by its attachments (a still of its media, its native
file), each numbered after it: a family whose range is ``BEGATTACH``-``ENDATTACH``. Every document
has an image when the protocol asks for images: an asset's or clip's still is its own document, and
a document with no image of its own gets a Bates-stamped slip-sheet. Files are written as documents
are numbered; the small ones (proofs, texts) by writer threads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from pydantic_core import to_jsonable_python
from sqlmodel import Session, col, select

from ledger.checks.models import Check, Clip
from ledger.context import Clearance
from ledger.errors import Conflict
from ledger.exports import attachments, endorse, files, layout, redaction, text
from ledger.exports.dat import TIMEZONE, DatWriter, date_and_time, flatten, volume_path
from ledger.exports.protocol import ProtocolSettings
from ledger.exports.selection import PRODUCED_KINDS, Subject
from ledger.log import store
from ledger.log.events import FIELD_COMMITTED, canonical, redact_fields
from ledger.log.proof_file import ProofFile
from ledger.log.tables import LogEntry
from ledger.records.kinds import KINDS

TABLES: dict[str, Any] = {**{k: KINDS[k].table for k in PRODUCED_KINDS if k in KINDS}, "clip": Clip, "check": Check}
MEDIA_KINDS = ("asset", "clip")


@dataclass(slots=True)
class Doc:
    kind: str
    id: str
    created_index: int
    created_time: str
    custodian: str
    last_time: str
    events: list[int] = field(default_factory=list)
    parent: str | None = None
    """The record this one is produced as an attachment of (a dataset version's asset)."""


@dataclass
class Numbering:
    settings: ProtocolSettings
    first: int
    next: int = 0

    def take(self) -> str:
        bates = self.settings.bates(self.next)
        self.next += 1
        return bates


class VolumeFiles:
    """The open files of one volume and the running counts."""

    def __init__(self, root: Path, fields: list[str], volume_name: str) -> None:
        self.root = root
        for folder in (layout.DATA, layout.IMAGES, layout.NATIVES, layout.TEXT, layout.PROOFS, layout.REPORTS):
            (root / folder).mkdir(parents=True, exist_ok=True)
        self.dat_file: IO[str] = (root / layout.DAT).open("w", encoding="utf-8", newline="")
        self.opt_file: IO[str] = (root / layout.OPT).open("w", encoding="utf-8", newline="")
        self.events_file: IO[str] = (root / layout.EVENTS).open("w", encoding="utf-8", newline="\n")
        self.dat = DatWriter(self.dat_file, fields)
        self.volume_name = volume_name
        self.counts: dict[str, int] = {}
        self.written: dict[str, str] = {}
        """SHA-256 of the files hashed as they were written (relative path -> hex)."""
        self.record_fields = {name[2:].lower(): name for name in fields if name.startswith("F_")}
        """Column name -> its ``F_`` field, for the fields this volume produces."""
        self.redactions: list[dict[str, Any]] = []
        """Each document produced with fields redacted as privileged: Bates, record kind, fields, designation."""
        self.writers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="clearance-export")
        self._in_flight: list[tuple[list[tuple[str, str]], Future[list[str]]]] = []

    def write_small_files(self, pending: list[tuple[str, str]]) -> None:
        """Hand a batch's small files (proofs, texts) to the writer threads and return while they work.

        Creating a file waits on the file system far longer than it costs the CPU, so the
        next batch is read and written while these are created (each call releases the GIL).
        At most one batch is in flight: the previous one is finished first, keeping memory flat.
        """
        self.finish_small_files()
        chunks = [pending[start:start + 64] for start in range(0, len(pending), 64)]
        write = partial(files.write_many, self.root)
        self._in_flight = [(chunk, self.writers.submit(write, chunk)) for chunk in chunks]

    def finish_small_files(self) -> None:
        for chunk, future in self._in_flight:
            for (relative, _), digest in zip(chunk, future.result(), strict=True):
                self.written[relative] = digest
        self._in_flight = []

    def count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def image_line(self, bates: str, relative: str) -> None:
        self.opt_file.write(f"{bates},{self.volume_name},{volume_path(relative)},Y,,,1\r\n")

    def close(self) -> None:
        try:
            self.finish_small_files()
        finally:
            for handle in (self.dat_file, self.opt_file, self.events_file):
                handle.close()
            self.writers.shutdown()


def _rows(session: Session, batch: list[Doc]) -> dict[Subject, dict[str, Any]]:
    rows: dict[Subject, dict[str, Any]] = {}
    by_kind: dict[str, list[str]] = {}
    for doc in batch:
        by_kind.setdefault(doc.kind, []).append(doc.id)
    for kind, ids in by_kind.items():
        table = TABLES[kind]
        columns = table.__table__.columns
        for row in session.connection().execute(select(*columns).where(columns["id"].in_(ids))):
            values = to_jsonable_python(dict(row._mapping))
            rows[(kind, values["id"])] = values
    return rows


def _entries(session: Session, batch: list[Doc]) -> dict[int, LogEntry]:
    wanted = [i for doc in batch for i in doc.events]
    found: dict[int, LogEntry] = {}
    for start in range(0, len(wanted), 2000):
        chunk = wanted[start:start + 2000]
        for entry in session.exec(select(LogEntry).where(col(LogEntry.idx).in_(chunk))):
            found[entry.idx] = entry
    return found


def _payload_hashes(payload: bytes | None) -> tuple[str, str]:
    if payload is None:
        return "", ""
    return (hashlib.md5(payload, usedforsecurity=False).hexdigest(),
            hashlib.sha1(payload, usedforsecurity=False).hexdigest())


@dataclass
class _Family:
    """The rows and images of one record and its attachments, written once all are numbered."""

    rows: list[dict[str, str]] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)
    """(Bates number, image path) for the OPT, in Bates order."""


def _produced_payload(entry: LogEntry, envelope: dict[str, Any], kind: str,
                      fields: list[str]) -> tuple[bytes | None, list[str]]:
    """The payload as produced (bytes) and the logged fields shown redacted in it.

    A field designated privileged is replaced by its commitment (envelope version 2), so the event still
    proves; an entry that logs such a field but commits to its payload as a whole cannot be produced."""
    names = redaction.logged_fields(kind, fields).get(envelope["type"], set()) if fields else set()
    if entry.payload is None or not names:
        return entry.payload, []
    payload = json.loads(entry.payload)
    present = names & set(payload)
    if not present:
        return entry.payload, []
    if envelope.get("v") != FIELD_COMMITTED:
        raise Conflict(f"log entry {entry.idx} ({envelope['type']}) holds {', '.join(sorted(present))} of "
                       f"{kind} {envelope['subject']['id']} but commits to its payload as a whole, so the field cannot "
                       "be produced redacted; withhold the whole record instead")
    return canonical(redact_fields(payload, present)), sorted(present)


def write_batch(ctx: Clearance, session: Session, batch: list[Doc], volume: VolumeFiles, numbering: Numbering,
                settings: ProtocolSettings, size: int, note: str, holds: dict[Subject, list[str]],
                covering: set[str], redacted: dict[Subject, list[str]] | None = None) -> None:
    """Write a batch of documents; a record with ``parent`` None starts a family, those after it with a parent
    join it (a batch never splits a family). ``redacted``: the fields withheld from a record, by record."""
    rows = _rows(session, batch)
    entries = _entries(session, batch)
    proofs = store.inclusion_proofs(session, [i for doc in batch for i in doc.events], size)
    pending: list[tuple[str, str]] = []
    family: _Family | None = None
    for doc in batch:
        if doc.parent is None or family is None:
            if family is not None:
                _write_family(family, volume)
            family = _Family()
        record = rows[(doc.kind, doc.id)]
        withheld_fields = (redacted or {}).get((doc.kind, doc.id), [])
        if withheld_fields:
            record = {**record, **{c: redaction.REDACTED_TEXT for c in redaction.redacted_columns(doc.kind,
                                                                                                    withheld_fields)}}
        created = entries[doc.created_index]
        envelope = json.loads(created.leaf)
        bates = numbering.take()
        shown, _ = _produced_payload(created, envelope, doc.kind, withheld_fields)
        row = _record_row(doc, record, bates, envelope["payload_sha256"], shown, settings, volume)
        if withheld_fields:
            volume.redactions.append({"bates": bates, "record_kind": doc.kind, "record_id": doc.id,
                                      "fields": withheld_fields, "created_time": doc.created_time,
                                      "custodian": doc.custodian})
        if doc.parent is not None:
            row["PARENTID"] = doc.parent
            head = family.rows[0]
            head["ATTACHIDS"] = "; ".join(filter(None, [head.get("ATTACHIDS", ""), doc.id]))
        first_of_member = len(family.rows)
        family.rows.append(row)
        hold_ids = holds.get((doc.kind, doc.id), [])
        covering.update(hold_ids)
        row["HOLDS"] = "; ".join(hold_ids)
        if settings.text:
            relative = f"{layout.TEXT}/{bates}.txt"
            pending.append((relative, text.render(doc.kind, doc.id, bates, record)))
            row["TEXTPATH"] = volume_path(relative)
        _slip_sheet(row, family, settings, volume, [f"Record type: {doc.kind}", f"Record id: {doc.id}",
                                                    "Produced as data: see its text file and the DAT."])
        _attachments(ctx, session, doc, record, family, volume, numbering, settings)
        own = [r["DOCID"] for r in family.rows[first_of_member + 1:]]
        row["ATTACHIDS"] = "; ".join(filter(None, [row.get("ATTACHIDS", ""), *own]))
        volume.count(doc.kind)
        for index in doc.events:
            entry = entries[index]
            leaf = json.loads(entry.leaf)
            produced, hidden = _produced_payload(entry, leaf, doc.kind, withheld_fields)
            payload = None if produced is None else base64.b64encode(produced).decode()
            line = {"bates": bates, "docid": doc.id, "index": index, "leaf": base64.b64encode(entry.leaf).decode(),
                    "envelope": leaf, "payload_b64": payload,
                    "payload": None if produced is None else json.loads(produced)}
            if hidden:
                line["redacted"] = hidden
            volume.events_file.write(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n")
            pending.append((layout.proof_path(index), ProofFile(index, proofs[index], note).render()))
            volume.count("events")
    if family is not None:
        _write_family(family, volume)
    volume.write_small_files(pending)


def _write_family(family: _Family, volume: VolumeFiles) -> None:
    """The family's rows, each with the family's range, and its images' OPT lines."""
    begin, end = family.rows[0]["BEGDOC"], family.rows[-1]["BEGDOC"]
    for member in family.rows:
        member["BEGATTACH"], member["ENDATTACH"] = begin, end
        volume.dat.write(member)
    for image_bates, relative in family.images:
        volume.image_line(image_bates, relative)


def _stamps(doc: Doc, settings: ProtocolSettings) -> dict[str, str]:
    created_date, created_time = date_and_time(doc.created_time, settings.date_format)
    modified_date, modified_time = date_and_time(doc.last_time, settings.date_format)
    return {"DATECREATED": created_date, "TIMECREATED": created_time, "DATEMODIFIED": modified_date,
            "TIMEMODIFIED": modified_time, "TIMEZONE": TIMEZONE}


def _record_row(doc: Doc, record: dict[str, Any], bates: str, payload_sha256: str, payload: bytes | None,
                settings: ProtocolSettings, volume: VolumeFiles) -> dict[str, str]:
    if doc.kind in MEDIA_KINDS:
        md5, sha1, sha256 = record.get("md5") or "", record.get("sha1") or "", record["sha256"]
    else:
        (md5, sha1), sha256 = _payload_hashes(payload), payload_sha256
    row = {"BEGDOC": bates, "ENDDOC": bates, "DOCID": doc.id, "PARENTID": "", "CUSTODIAN": doc.custodian,
           "MD5HASH": md5, "SHA1HASH": sha1, "SHA256HASH": sha256, **_stamps(doc, settings),
           "CONFIDENTIALITY": settings.confidentiality, "RECORDTYPE": doc.kind, "LOGINDEX": str(doc.created_index),
           "RECORDID": doc.id}
    for name, value in record.items():
        key = volume.record_fields.get(name)
        if key is not None:
            row[key] = flatten(value)
    return row


def _slip_sheet(row: dict[str, str], family: _Family, settings: ProtocolSettings, volume: VolumeFiles,
                lines: list[str]) -> None:
    """A Bates-stamped slip-sheet as the image of a document that has none of its own."""
    if settings.image_format == "none":
        return
    bates = row["BEGDOC"]
    relative = f"{layout.IMAGES}/{bates}{'.jpg' if settings.image_format == 'jpeg' else '.png'}"
    sheet = endorse.slip_sheet(bates, endorse.legend_of(settings.confidentiality), [f"Bates: {bates}", *lines])
    endorse.save(sheet, volume.root / relative, settings.image_format)
    row["IMAGEPATH"] = volume_path(relative)
    family.images.append((bates, relative))
    volume.count("slip_sheets")


def _released_file(ctx: Clearance, session: Session, clip_id: str) -> Path | None:
    """The signed file a clip was released as (its latest signed check's), when stored."""
    query = select(Check.signed_sha256).where(Check.clip_id == clip_id, col(Check.signed_sha256).is_not(None))
    signed = session.exec(query.order_by(col(Check.log_index).desc()).limit(1)).first()
    return attachments.stored(ctx, signed)


def _attachments(ctx: Clearance, session: Session, doc: Doc, record: dict[str, Any], family: _Family,
                 volume: VolumeFiles, numbering: Numbering, settings: ProtocolSettings) -> None:
    """Frame stills and natives of a record, numbered right after it. A released clip's native is the signed
    file it was released as (its C2PA manifest inside); the pre-signing file too when the protocol asks."""
    source = attachments.stored(ctx, record.get("sha256")) if doc.kind in MEDIA_KINDS else None
    released = _released_file(ctx, session, doc.id) if doc.kind == "clip" else None
    if source is None and doc.kind == "license" and settings.natives:
        source = attachments.stored(ctx, record.get("source_document_sha256"))
    if source is not None and doc.kind in MEDIA_KINDS and settings.image_format != "none":
        bates = settings.bates(numbering.next)
        suffix = ".jpg" if settings.image_format == "jpeg" else ".png"
        relative = f"{layout.IMAGES}/{bates}{suffix}"
        legend = endorse.legend_of(settings.confidentiality)
        if attachments.still(ctx, source, volume.root / relative, settings.image_format, bates, legend):
            numbering.take()
            family.rows.append(_child_row(doc, bates, f"{doc.id}.still-1", "still", volume.root / relative,
                                          settings, image=relative))
            family.images.append((bates, relative))
            volume.count("stills")
    natives: list[tuple[Path, str, str]] = []
    if released is not None:
        natives.append((released, f"{doc.id}.signed", f"Released (signed) file of clip {doc.id}"))
    if source is not None and settings.natives and (released is None or settings.presigned_clips):
        docid = f"{doc.id}.document" if doc.kind == "license" else f"{doc.id}.native"
        what = "Pre-signing file of clip" if released is not None else f"Native file of {doc.kind}"
        natives.append((source, docid, f"{what} {doc.id}"))
    for path, docid, what in natives:
        bates = numbering.take()
        relative = f"{layout.NATIVES}/{bates}{attachments.extension(path)}"
        shutil.copyfile(path, volume.root / relative)
        row = _child_row(doc, bates, docid, "native", volume.root / relative, settings, native=relative)
        family.rows.append(row)
        _slip_sheet(row, family, settings, volume, [what, f"Produced natively: {volume_path(relative)}"])
        volume.count("natives")


def _child_row(doc: Doc, bates: str, docid: str, kind: str, path: Path, settings: ProtocolSettings,
               image: str = "", native: str = "") -> dict[str, str]:
    md5, sha1, sha256 = files.file_hashes(path)
    return {"BEGDOC": bates, "ENDDOC": bates, "DOCID": docid, "PARENTID": doc.id, "CUSTODIAN": doc.custodian,
            "MD5HASH": md5, "SHA1HASH": sha1, "SHA256HASH": sha256, **_stamps(doc, settings),
            "CONFIDENTIALITY": settings.confidentiality, "RECORDTYPE": kind, "LOGINDEX": str(doc.created_index),
            "RECORDID": doc.id, "NATIVEPATH": volume_path(native), "IMAGEPATH": volume_path(image)}
