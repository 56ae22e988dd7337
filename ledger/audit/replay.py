"""``clearance log verify``: trust nothing the database says without recomputing it.

1. Entries are contiguous, each leaf is a canonical envelope naming its own
   index, and each stored payload matches the hash its leaf commits to (a
   missing payload must be explained by a later redaction event).
2. The tree is recomputed from the entries; every entry's stored leaf hash, the
   head, and every signed checkpoint (signature, origin, root) must agree with
   it; the tree nodes stored with the entries (which proofs are served from) must
   agree with the tree of the stored leaf hashes; and consecutive checkpoints must
   be consistent by the stored nodes' proofs.
3. The events are replayed into an empty in-memory database through the same
   projection code; every table must equal the live one, row for row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, col, create_engine, select

from ledger.db import table_of
from ledger.context import Clearance
from ledger.errors import IntegrityError
from ledger.log import merkle, store
from ledger.log.events import Envelope, payload_digest
from ledger.log.note import NoteError, open_checkpoint
from ledger.log.projection import Projections
from ledger.log.tables import LogEntry, SignedCheckpoint


@dataclass
class Finding:
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass
class VerifyReport:
    size: int = 0
    checkpoints: int = 0
    rows_compared: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, where: str, problem: str) -> None:
        self.findings.append(Finding(where, problem))

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "size": self.size, "checkpoints": self.checkpoints,
                "rows_compared": self.rows_compared, "findings": [vars(f) for f in self.findings]}


def verify(ctx: Clearance, replay: bool = True) -> VerifyReport:
    report = VerifyReport()
    verifier = ctx.log_key.verifier
    with ctx.db.reader() as session:
        checkpoints = list(session.exec(select(SignedCheckpoint).order_by(col(SignedCheckpoint.size))).all())
        wanted_sizes = {c.size for c in checkpoints}
        roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
        size = 0  # contiguous entries read so far
        redacted: dict[int, dict[str, Any]] = {}
        missing_payloads: list[int] = []
        frontier: list[bytes] = []
        nodes = _StoredNodes()
        for entry in store.iter_entries(session):
            if entry.idx != size:
                report.add(f"entry {size}", f"missing (next stored entry is {entry.idx})")
                break
            entry.leaf, entry.payload = _as_bytes(entry.leaf), _as_bytes(entry.payload)
            leaf_hash = merkle.leaf_hash(entry.leaf)
            merkle.extend(frontier, size, leaf_hash)
            nodes.check(report, entry, leaf_hash)
            size += 1
            if size in wanted_sizes:
                roots[size] = merkle.frontier_root(frontier)
            _check_entry(report, entry, redacted)
            if entry.payload is None:
                missing_payloads.append(entry.idx)
        report.size = size
        head_size = store.tree_size(session)
        if head_size != report.size:
            report.add("log head", f"says size {head_size}, but {report.size} contiguous entries are stored")
        elif report.size:
            _check_stored_root(report, session, merkle.frontier_root(frontier))
        for index in missing_payloads:
            if index not in redacted:
                report.add(f"entry {index}", "payload is missing and no redaction event explains it")
        _check_checkpoints(report, session, checkpoints, roots, verifier)
    if replay:
        _replay_and_compare(report, ctx, redacted)
    return report


def _as_bytes(value: Any) -> Any:
    """A column edited behind the log's back may come back as text; hash what is there."""
    return value.encode() if isinstance(value, str) else value


def _payload_matches(envelope: Envelope, payload: bytes) -> bool:
    try:
        return payload_digest(envelope.version, payload) == envelope.payload_sha256
    except (ValueError, TypeError):
        return False


def _check_entry(report: VerifyReport, entry: LogEntry, redacted: dict[int, dict[str, Any]]) -> None:
    try:
        envelope = Envelope.parse(entry.leaf)
    except (ValueError, KeyError, TypeError) as exc:
        report.add(f"entry {entry.idx}", f"leaf is not a valid event envelope ({exc})")
        return
    if envelope.index != entry.idx:
        report.add(f"entry {entry.idx}", f"leaf says it is entry {envelope.index}: entries were reordered or moved")
    if entry.payload is not None and not _payload_matches(envelope, entry.payload):
        report.add(f"entry {entry.idx}", "stored payload does not match the hash its leaf commits to")
    if envelope.type == "payload.redacted" and entry.payload is not None:
        try:
            body = json.loads(entry.payload)
            redacted[int(body["entry"])] = body["residual"]
        except (ValueError, KeyError, TypeError):
            report.add(f"entry {entry.idx}", "redaction event payload is malformed")


class _StoredNodes:
    """Checks the tree nodes each entry keeps (``merkle.extend``), entry by entry.

    The leaf hash is compared with the one recomputed from the leaf bytes, which names
    an edited leaf. The higher nodes are compared with a tree built from the *stored*
    leaf hashes, so one edited leaf is reported once, while an edited node (which would
    make the log serve wrong proofs) is reported at the entry that keeps it.
    """

    def __init__(self) -> None:
        self.frontier: list[bytes] = []
        self.size = 0

    def check(self, report: VerifyReport, entry: LogEntry, leaf_hash: bytes) -> None:
        stored = _as_bytes(entry.hashes) or b""
        stored_leaf = stored[:merkle.HASH_SIZE]
        if stored_leaf != leaf_hash:
            report.add(f"entry {entry.idx}", "leaf bytes differ from the hash recorded when it was appended")
        expected = merkle.extend(self.frontier, self.size, stored_leaf if len(stored_leaf) == merkle.HASH_SIZE
                                 else leaf_hash)
        self.size += 1
        if stored[merkle.HASH_SIZE:] != expected[merkle.HASH_SIZE:]:
            report.add(f"entry {entry.idx}", "the tree nodes stored with it differ from those recomputed "
                                             "from the stored leaf hashes")


def _check_stored_root(report: VerifyReport, session: Session, root: bytes) -> None:
    """The root that proofs are served from must be the one recomputed from the entries."""
    try:
        stored = store.root_at(session, report.size)
    except IntegrityError as exc:
        report.add("tree nodes", f"the stored nodes cannot give the root: {exc}")
        return
    if stored != root:
        report.add("tree nodes", "the stored nodes do not give the root recomputed from the entries")


def _check_checkpoints(report: VerifyReport, session: Session, checkpoints: list[SignedCheckpoint],
                       roots: dict[int, bytes], verifier: Any) -> None:
    previous: SignedCheckpoint | None = None
    for checkpoint in checkpoints:
        where = f"checkpoint at size {checkpoint.size}"
        report.checkpoints += 1
        try:
            body = open_checkpoint(checkpoint.note, verifier)
        except NoteError as exc:
            report.add(where, f"signature does not verify: {exc}")
            continue
        if body.size != checkpoint.size or body.root != checkpoint.root:
            report.add(where, "stored size or root differs from the signed note")
        if checkpoint.size > report.size:
            report.add(where, f"covers {checkpoint.size} entries but only {report.size} are stored")
            continue
        if roots.get(checkpoint.size) != body.root:
            report.add(where, f"the entries 0..{checkpoint.size - 1} no longer hash to the signed root")
        if previous is not None and previous.size > 0:
            try:
                proof = store.consistency_proof(session, previous.size, checkpoint.size)
                merkle.verify_consistency(previous.size, checkpoint.size, previous.root, body.root, proof)
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                report.add(where, f"not consistent with the checkpoint at size {previous.size}: {exc}")
        previous = checkpoint


def _normalise(row: SQLModel, skip: str | None = None) -> dict[str, Any]:
    values = {c.name: getattr(row, c.name) for c in table_of(type(row)).columns if c.name != skip}
    jsonable: dict[str, Any] = to_jsonable_python(values)
    return jsonable


def _rows(session: Session, table: type[SQLModel], derived: str | None) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Rows by primary key; ``derived`` is a column the log holds only the hash of (checked, not compared)."""
    keys = [c.name for c in table_of(table).primary_key.columns]
    rows = {}
    for row in session.exec(select(table)).all():
        values = _normalise(row, skip=derived)
        data = getattr(row, derived) if derived else None
        if data is not None and hashlib.sha256(data).hexdigest() != values[f"{derived}_sha256"]:
            values[f"{derived}_sha256"] = "(stored data does not match this hash)"
        rows[tuple(getattr(row, k) for k in keys)] = values
    return rows


def _replay_and_compare(report: VerifyReport, ctx: Clearance, redacted: dict[int, dict[str, Any]]) -> None:
    projections: Projections = ctx.projections
    tables = projections.tables
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    SQLModel.metadata.create_all(engine, tables=[table_of(t) for t in tables])
    with Session(engine) as replay, ctx.db.reader() as live:
        for entry in store.iter_entries(live):
            try:
                envelope = Envelope.parse(_as_bytes(entry.leaf))
                body = json.loads(entry.payload) if entry.payload is not None else redacted.get(entry.idx)
                if body is not None:
                    with replay.begin_nested():
                        projections.apply(replay, envelope, body)
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                report.add(f"entry {entry.idx}", f"cannot be replayed: {exc}")
        for table in tables:
            name = table_of(table).name
            derived = projections.derived_columns.get(name)
            want, have = _rows(replay, table, derived), _rows(live, table, derived)
            report.rows_compared += len(have)
            for key in sorted(set(want) | set(have), key=str):
                where = f"table {name} record {'/'.join(map(str, key))}"
                if key not in have:
                    report.add(where, "is in the log but missing from the table")
                elif key not in want:
                    report.add(where, "is in the table but no event created it")
                elif want[key] != have[key]:
                    fields = sorted(k for k in want[key] if want[key][k] != have[key].get(k))
                    report.add(where, f"differs from the log in {', '.join(fields)}")
    engine.dispose()
