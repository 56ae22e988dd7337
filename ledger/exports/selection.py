"""What a production covers: a matter's legal holds and any ids, narrowed by dates and custodians.

:class:`Selection` is what the caller asks for; :func:`base_subjects` turns its ids (and
the matter's holds) into the records they reach, or ``None`` for "every record". The date
range and the custodians filter on each record's creation entry while the log is read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from ledger.checks.models import Check, Clip
from ledger.errors import FieldProblem, ValidationFailed
from ledger.records import models as m
from ledger.records.kinds import KINDS

Subject = tuple[str, str]
"""(record kind, record id)."""

PRODUCED_KINDS: tuple[str, ...] = (*(k for k in KINDS if k != "legal_hold"), "clip", "check")
"""Record kinds a production can hold (legal holds are listed, not produced)."""


@dataclass(frozen=True)
class Selection:
    matter: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    people: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    dataset_versions: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    clips: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    custodians: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Selection:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationFailed("unknown selection fields",
                                   problems=[FieldProblem(f"selection.{name}", "not a selection field")
                                             for name in unknown])
        values = dict(data)
        for name in ("date_from", "date_to"):
            if values.get(name) is not None and not isinstance(values[name], date):
                try:
                    values[name] = date.fromisoformat(str(values[name]))
                except ValueError:
                    raise ValidationFailed("bad selection date", problems=[
                        FieldProblem(f"selection.{name}", "expected YYYY-MM-DD")]) from None
        for name in known - {"matter", "date_from", "date_to"}:
            items = values.get(name) or []
            if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
                raise ValidationFailed("bad selection list",
                                       problems=[FieldProblem(f"selection.{name}", "expected a list of ids")])
            values[name] = items
        if values.get("matter") is not None and not (isinstance(values["matter"], str) and values["matter"]):
            raise ValidationFailed("bad matter", problems=[FieldProblem("selection.matter", "expected text")])
        selection = cls(**values)
        if selection.date_from and selection.date_to and selection.date_from > selection.date_to:
            raise ValidationFailed("empty date range",
                                   problems=[FieldProblem("selection.date_to", "is before date_from")])
        return selection

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("date_from", "date_to"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @property
    def names_records(self) -> bool:
        return bool(self.matter or self.people or self.assets or self.datasets or self.dataset_versions
                    or self.models or self.clips or self.checks)

    def keeps(self, created: str, actor: str) -> bool:
        """Whether a record created at ``created`` (the entry's time) by ``actor`` passes the filters."""
        day = date.fromisoformat(created[:10])
        if self.date_from and day < self.date_from:
            return False
        if self.date_to and day > self.date_to:
            return False
        return not self.custodians or actor in self.custodians


def matter_holds(session: Session, matter: str) -> list[m.LegalHold]:
    query = select(m.LegalHold).where(m.LegalHold.matter == matter).where(col(m.LegalHold.released_at).is_(None))
    return list(session.exec(query.order_by(m.LegalHold.id)).all())


def base_subjects(session: Session, selection: Selection) -> set[Subject] | None:
    """The records the selection names, with what they reach; ``None`` when it names none (every record)."""
    if not selection.names_records:
        return None
    found: set[Subject] = set()
    clips, checks = list(selection.clips), list(selection.checks)
    if selection.matter:
        holds = matter_holds(session, selection.matter)
        if not holds:
            raise ValidationFailed(f"no active legal hold for matter {selection.matter!r}",
                                   problems=[FieldProblem("selection.matter", "no active legal hold names it")])
        found |= {(h.record_kind, h.record_id) for h in holds if h.record_kind not in ("clip", "check")}
        clips += [h.record_id for h in holds if h.record_kind == "clip"]
        checks += [h.record_id for h in holds if h.record_kind == "check"]
        # a held check brings the clip it decided on: the output in dispute
        clips += [c for c in session.exec(select(Check.clip_id).where(col(Check.id).in_(
            [h.record_id for h in holds if h.record_kind == "check"])))]
    for party in selection.people:
        found.add(("party", party))
        found |= {("consent", c) for c in session.exec(
            select(m.PerformerConsent.id).where(m.PerformerConsent.performer_id == party))}
        found |= {("estate_permission", e) for e in session.exec(
            select(m.EstatePermission.id).where(m.EstatePermission.decedent_id == party))}
        found |= {("asset", a) for a in session.exec(select(m.AssetPerson.asset_id).where(
            m.AssetPerson.party_id == party))}
    found |= {("asset", a) for a in selection.assets}
    for dataset in selection.datasets:
        found.add(("dataset", dataset))
        found |= {("dataset_version", v) for v in session.exec(
            select(m.DatasetVersion.id).where(m.DatasetVersion.dataset_id == dataset))}
    found |= {("dataset_version", v) for v in selection.dataset_versions}
    versions = [record_id for kind, record_id in found if kind == "dataset_version"]
    found |= {("asset", a) for assets in version_assets(session, versions).values() for a in assets}
    found |= {("model", v) for v in selection.models}
    for clip in clips:
        found.add(("clip", clip))
        found |= {("check", c) for c in session.exec(select(Check.id).where(Check.clip_id == clip))}
    found |= {("check", c) for c in checks}
    _check_exist(session, found)
    return {s for s in found if s[0] in PRODUCED_KINDS}


def version_assets(session: Session, versions: list[str]) -> dict[str, list[str]]:
    """Each dataset version's assets, in id order: a production attaches them to the version."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(versions), 1000):
        query = select(m.DatasetVersionAsset).where(
            col(m.DatasetVersionAsset.dataset_version_id).in_(versions[start:start + 1000]))
        for link in session.exec(query.order_by(m.DatasetVersionAsset.asset_id)):
            found.setdefault(link.dataset_version_id, []).append(link.asset_id)
    return found


def _check_exist(session: Session, subjects: set[Subject]) -> None:
    tables: dict[str, type[SQLModel]] = {**{name: kind.table for name, kind in KINDS.items()},
                                         "clip": Clip, "check": Check}
    problems = []
    for kind, record_id in sorted(subjects):
        table = tables.get(kind)
        if table is None or session.get(table, record_id) is None:
            problems.append(FieldProblem("selection", f"no {kind} with id {record_id!r}"))
    if problems:
        raise ValidationFailed("the selection names records that do not exist", problems=problems[:50])
