"""Creating, reading and revoking rights records; every write is a logged event."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from ledger.checks.models import Check, Clip
from ledger.context import Clearance, Receipt
from ledger.db import table_of
from ledger.errors import ClearanceError, Conflict, FieldProblem, NotFound, ValidationFailed
from ledger.json_limits import refuse_unrepresentable
from ledger.log import store
from ledger.log.events import Event
from ledger.records import models as m
from ledger.records.kinds import KINDS, FieldsT, RecordKind, TableT
from ledger.records.projection import created_row
from ledger.records.lineage import descendants, lineage_problems, tree
from ledger import clock

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")


def problems_from(exc: ValidationError, prefix: str = "") -> list[FieldProblem]:
    return [FieldProblem(prefix + ".".join(str(p) for p in error["loc"]) or "(body)", error["msg"])
            for error in exc.errors()]


def validate_fields(kind: RecordKind[FieldsT, Any], data: dict[str, Any]) -> FieldsT:
    try:
        return kind.fields.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(f"invalid {kind.name} record", problems=problems_from(exc)) from None


def record_dict(kind: RecordKind[Any, Any], row: SQLModel | SimpleNamespace) -> dict[str, Any]:
    """A record as the API and CLI show it: every column of its table, JSON-ready (from a loaded row
    or the values an insert wrote)."""
    values = {column.name: getattr(row, column.name) for column in table_of(kind.table).columns}
    return {"record_type": kind.name, **to_jsonable_python(values)}


def record_with_external_id(session: Session, kind: RecordKind[Any, Any], external_id: str) -> str | None:
    """The id of the record of ``kind`` that carries this external id (the studio's own key), if any."""
    table = table_of(kind.table)
    return session.connection().execute(select(table.c.id).where(table.c.external_id == external_id)).scalar()


def record_exists(session: Session, table: type[SQLModel], record_id: str) -> bool:
    """Whether a row with this id exists, without loading it (projectors flush, so nothing is pending)."""
    id_column = table_of(table).c.id
    return session.connection().execute(select(id_column).where(id_column == record_id)).first() is not None


def check_references(session: Session, kind: RecordKind[Any, Any], fields: SQLModel, record_id: str,
                     pending: dict[str, set[str]] | None = None) -> list[FieldProblem]:
    """Problems with what the record refers to; ``record_id`` is the record's own id (new or amended)."""
    problems = []
    outputs: dict[str, type[SQLModel]] = {"clip": Clip, "check": Check}  # a legal hold may name these too
    for path, target, target_id in kind.references_of(fields):
        if target not in KINDS and target not in outputs:
            problems.append(FieldProblem(path, f"unknown record kind {target_id!r}"))
        elif target_id in (pending or {}).get(target, set()):
            continue
        elif not record_exists(session, KINDS[target].table if target in KINDS else outputs[target], target_id):
            problems.append(FieldProblem(path, f"no {target} with id {target_id!r}"))
    if isinstance(fields, m.PerformerConsentFields) and fields.supersedes_id:
        problems += _supersession_problems(session, fields, record_id)
    if isinstance(fields, m.AiModelFields):
        problems += lineage_problems(session, record_id, fields)
    if isinstance(fields, m.EstatePermissionFields):
        decedent = session.get(m.Party, fields.decedent_id)
        if decedent is not None and decedent.died_on != fields.died_on:
            problems.append(FieldProblem("died_on", f"party {decedent.id} is recorded with died_on "
                                         f"{decedent.died_on}, not {fields.died_on}"))
    return problems


def _supersession_problems(session: Session, consent: m.PerformerConsentFields, consent_id: str) -> list[FieldProblem]:
    """A consent replaces an earlier one of the same performer, which no other consent has replaced."""
    if consent.supersedes_id == consent_id:
        return [FieldProblem("supersedes_id", "a consent cannot supersede itself")]
    old = session.get(m.PerformerConsent, consent.supersedes_id)
    if old is None:
        return []  # the reference check names it
    if old.performer_id != consent.performer_id:
        return [FieldProblem("supersedes_id", f"consent {old.id} is of performer {old.performer_id}, "
                             f"not {consent.performer_id}")]
    query = select(m.PerformerConsent.id).where(m.PerformerConsent.supersedes_id == old.id,
                                                m.PerformerConsent.id != consent_id)
    newer = session.exec(query).first()
    if newer is not None:
        return [FieldProblem("supersedes_id", f"consent {old.id} was already superseded by {newer}")]
    return []


@dataclass(frozen=True)
class Written:
    record: dict[str, Any]
    receipt: Receipt

    def as_json(self) -> dict[str, Any]:
        return {"record": self.record, "log": self.receipt.as_json()}


def create_event(session: Session, kind: RecordKind[Any, Any], data: dict[str, Any], actor: str,
                 pending: dict[str, set[str]] | None = None) -> Event:
    """Validate ``data`` as a new record of ``kind`` against the current state; return its event.

    ``pending`` names records created earlier in the same batch of events (kind -> ids),
    which references may point to before they are projected.
    """
    data = dict(data)
    refuse_unrepresentable(data)
    chosen_id = data.pop("id", None)
    record_id = chosen_id or f"{kind.id_prefix}_{uuid.uuid4().hex[:20]}"
    if not isinstance(record_id, str) or not ID_PATTERN.match(record_id):
        raise ValidationFailed(f"invalid {kind.name} record",
                               problems=[FieldProblem("id", "letters, digits and _.:- only, at most 100")])
    fields = validate_fields(kind, data)
    external_id = getattr(fields, "external_id", None)
    if external_id is not None:
        holder = record_with_external_id(session, kind, external_id)
        if holder is not None:
            raise Conflict(f"{kind.name} {holder} already has external_id {external_id!r}",
                           extra={"field": "external_id", "record_id": holder})
    problems = check_references(session, kind, fields, record_id, pending)
    if problems:
        raise ValidationFailed(f"{kind.name} does not agree with the records it refers to", problems=problems)
    # An id made here is 80 random bits (and the primary key would refuse a repeat); only a chosen one is looked up.
    if chosen_id and record_exists(session, kind.table, record_id):
        raise Conflict(f"a {kind.name} with id {record_id!r} already exists", extra={"id": record_id})
    if isinstance(fields, m.AssetFields):
        same = session.exec(select(m.Asset.id).where(m.Asset.sha256 == fields.sha256)).first()
        if same is not None:
            raise Conflict(f"asset {same} already has these bytes (SHA-256 {fields.sha256}); "
                           "cover it with a license's asset_ids instead of registering it again",
                           extra={"asset_id": same})
    return Event("record.created", fields.model_dump(mode="json"), kind.name, record_id, actor)


def create_record(ctx: Clearance, kind: RecordKind[Any, Any], data: dict[str, Any], actor: str) -> Written:
    """Validate and log a new record; a kind with a rule (``Clearance.record_rules``) is decided first,
    and a refusal is logged (with the decision) and raised."""
    rule = ctx.record_rules.get(kind.name)

    def create(session: Session) -> tuple[Any, store.Appended] | ClearanceError:
        """The record and its entry, or the refusal to raise once the decision that refused it is logged."""
        event = create_event(session, kind, data, actor)  # it copies data, so running twice is safe
        decided = rule(ctx, session, record_id_of(event), kind.fields.model_validate(event.payload), actor) \
            if rule else None
        if decided is not None and decided.refusal is not None:
            ctx.record(session, decided.events)
            return decided.refusal
        appended = ctx.record(session, [*(decided.events if decided else []), event])[-1]
        record_id = record_id_of(event)
        return created_row(session, record_id) or get_row(session, kind, record_id), appended

    # Shared with other threads' writes of the moment: a burst of writes commits in a few transactions.
    outcome = ctx.db.shared_transaction(create)
    if isinstance(outcome, ClearanceError):
        raise outcome
    row, appended = outcome
    return Written(record_dict(kind, row), ctx.receipt(appended))  # made after the commit: the head is free


def record_id_of(event: Event) -> str:
    """The id of the record an event creates or changes (every record event names one)."""
    if event.subject_id is None:
        raise ValueError(f"event {event.type} names no record")
    return event.subject_id


def get_row(session: Session, kind: RecordKind[Any, TableT], record_id: str) -> TableT:
    row = session.get(kind.table, record_id)
    if row is None:
        raise NotFound(f"no {kind.name} with id {record_id!r}", extra={"kind": kind.name, "id": record_id})
    return row


def get_record(ctx: Clearance, kind: RecordKind[Any, Any], record_id: str) -> dict[str, Any]:
    with ctx.db.reader() as session:
        return record_dict(kind, get_row(session, kind, record_id))


def model_lineage(ctx: Clearance, model_id: str) -> dict[str, Any]:
    """The model and its ancestors as a tree (``LineageNode.as_json``)."""
    with ctx.db.reader() as session:
        get_row(session, KINDS["model"], model_id)
        return tree(session, model_id).as_json()


def list_records(ctx: Clearance, kind: RecordKind[Any, Any], limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    with ctx.db.reader() as session:
        total = session.exec(select(func.count()).select_from(kind.table)).one()
        rows = session.exec(select(kind.table).order_by(table_of(kind.table).c.log_index)
                            .offset(offset).limit(limit)).all()
        return int(total), [record_dict(kind, row) for row in rows]


# ---------------------------------------------------------------- revocation

def dependents(session: Session, kind: RecordKind[Any, Any], record_id: str) -> dict[str, list[str]]:
    """What depends on a grant: assets, dataset versions, models (with every model derived from them)."""
    if kind.name == "model_license":
        return _model_license_dependents(session, record_id)
    if kind.name == "license":
        assets = [*session.exec(select(m.Asset.id).where(m.Asset.license_id == record_id)).all(),
                  *session.exec(select(m.LicenseAsset.asset_id).where(m.LicenseAsset.license_id == record_id)).all()]
    else:
        column = m.AssetPerson.consent_id if kind.name == "consent" else m.AssetPerson.estate_permission_id
        assets = list(session.exec(select(m.AssetPerson.asset_id).where(column == record_id)).all())
    asset_ids = sorted(set(assets))
    versions = sorted(set(session.exec(select(m.DatasetVersionAsset.dataset_version_id)
                                       .where(col(m.DatasetVersionAsset.asset_id).in_(asset_ids))).all())) if asset_ids else []
    trained = sorted(set(session.exec(select(m.ModelTraining.model_id)
                                      .where(col(m.ModelTraining.dataset_version_id).in_(versions))).all())) if versions else []
    models = sorted({*trained, *descendants(session, trained)})
    return {"assets": asset_ids, "dataset_versions": versions, "models": models}


def _model_license_dependents(session: Session, record_id: str) -> dict[str, list[str]]:
    """A model license's licensee's models derived from the licensed model."""
    row = session.get(m.ModelLicense, record_id)
    if row is None:
        return {"assets": [], "dataset_versions": [], "models": []}
    derived = descendants(session, [row.model_id])
    models = sorted(d for d in derived if (model := session.get(m.AiModel, d)) and model.developer_id == row.licensee_id)
    return {"assets": [], "dataset_versions": [], "models": models}


def released_clips(session: Session, kind: RecordKind[Any, Any], record_id: str,
                   models: list[str] | None = None) -> list[str]:
    """Clips already releasable whose check relied on this grant, or that ``models`` generated (for takedown)."""
    grant = f"{kind.name}:{record_id}"
    rows = session.exec(select(Check).where(col(Check.verdict).in_(["pass", "review"]))).all()
    clips = {row.clip_id for row in rows if grant in row.relied_on and row.releasable}
    if models:
        generated = set(session.exec(select(Clip.id).where(col(Clip.model_id).in_(models))).all())
        clips |= {row.clip_id for row in rows if row.clip_id in generated and row.releasable}
    return sorted(clips)


def revoke(ctx: Clearance, kind: RecordKind[Any, Any], record_id: str, reason: str, actor: str,
           revoked_on: date | None = None) -> tuple[Written, dict[str, list[str]]]:
    """Revoke, flag the dataset versions that depend on it, and report everything that does."""
    if not kind.revocable:
        raise Conflict(f"{kind.plural} cannot be revoked")
    if not reason.strip():
        raise ValidationFailed("a revocation needs a reason", problems=[FieldProblem("reason", "must not be empty")])
    with ctx.db.transaction() as session:
        row = get_row(session, kind, record_id)
        if row.revoked_at is not None:
            raise Conflict(f"{kind.name} {record_id!r} was already revoked on {row.revoked_on}")
        payload = {"reason": reason, "revoked_on": (revoked_on or clock.today()).isoformat()}
        events = [Event("record.revoked", payload, kind.name, record_id, actor)]
        affected = dependents(session, kind, record_id)
        flag = {"kind": kind.name, "id": record_id, "reason": reason, "revoked_on": payload["revoked_on"]}
        events += [Event("dataset_version.flagged", flag, "dataset_version", v, actor)
                   for v in affected["dataset_versions"]]
        appended = ctx.record(session, events)[0]
        affected["released_clips"] = released_clips(session, kind, record_id, affected["models"])
        record = record_dict(kind, row)
    return Written(record, ctx.receipt(appended)), affected


def active_holds(session: Session, record_kind: str, record_id: str) -> list[m.LegalHold]:
    query = select(m.LegalHold).where(m.LegalHold.record_kind == record_kind, m.LegalHold.record_id == record_id,
                                      col(m.LegalHold.released_at).is_(None))
    return list(session.exec(query).all())


def release_hold(ctx: Clearance, hold_id: str, reason: str, actor: str) -> Written:
    kind = KINDS["legal_hold"]
    with ctx.db.transaction() as session:
        row = get_row(session, kind, hold_id)
        if row.released_at is not None:
            raise Conflict(f"legal hold {hold_id!r} was already released")
        appended = ctx.record(session, [Event("legal_hold.released", {"reason": reason}, kind.name, hold_id, actor)])[0]
        record = record_dict(kind, row)
    return Written(record, ctx.receipt(appended))
