"""Records -> the typed facts the policy engine reads.

This is the only place that knows both vocabularies. It translates, it does
not judge: whether a consent is enforceable or a death recent enough is
decided in ``policies/*.cedar``.

Two translations need the date of the use:

* **Terms in force.** A grant's row holds its latest terms; its ``amendments``
  keep each changed field's value before. A use dated before an amendment's
  effective date is judged by the terms then in force, so the amendments
  effective after the use are undone, newest first.
* **Revocation.** The revocation's effective date (``revoked_on``) travels to
  the policies, which compare it with the use date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from ledger.errors import NotFound
from ledger.records import models as m
from ledger import clock
from policies import AssetFacts, ConsentFacts, EstatePermissionFacts, LicenseFacts, OptOutSignal, PersonFacts

ASSET_KINDS = {"training_asset": "training", "reference_work": "reference", "likeness_reference": "likeness_reference"}


def _value(item: Any) -> Any:
    return item.value if hasattr(item, "value") else item


def _json(value: Any) -> Any:
    """A column value in the JSON form amendments keep (dates as ISO text, enums as their value)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return _value(value)


def terms_at(row: Any, names: Iterable[str], use_date: date) -> dict[str, Any]:
    """The row's values of ``names`` as they stood on ``use_date``, undoing later amendments (JSON form)."""
    fields = {name: _json(getattr(row, name)) for name in names}
    for amendment in reversed(row.amendments or []):  # newest first: each "from" is the value it replaced
        if date.fromisoformat(amendment["effective_on"]) <= use_date:
            continue
        for name, change in amendment["changed"].items():
            if name in fields:
                fields[name] = change["from"]
    return fields


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _scope(media: Iterable[str], territories: Iterable[str]) -> dict[str, object]:
    media, territories = set(media), set(territories)
    return {"any_media": "any" in media, "media": frozenset(media - {"any"}),
            "worldwide": "WORLD" in territories, "territories": frozenset(territories - {"WORLD"})}


def _revocation(row: Any) -> dict[str, object]:
    return {"revoked": row.revoked_at is not None, "revoked_on": row.revoked_on if row.revoked_at else None}


_LICENSE_TERMS = ("permitted_uses", "media", "territories", "starts_on", "ends_on")


def license_facts(row: m.License, use_date: date) -> LicenseFacts:
    t = terms_at(row, _LICENSE_TERMS, use_date)
    return LicenseFacts(id=row.id, uses=frozenset(t["permitted_uses"]), starts_on=_day(t["starts_on"]),
                        ends_on=_day(t["ends_on"]), **_revocation(row), **_scope(t["media"], t["territories"]))


_CONSENT_TERMS = ("executed_on", "performance_fixed_on", "replaces_in_person_work", "intended_uses", "blanket_grant",
                  "blanket_determinations", "representation", "signed_terms_sha256",
                  "union_agreement_covers_replicas", "union_represents_proposed_work",
                  "replica_terms_separately_signed", "governing_law", "covers_voice", "covers_likeness", "survives_death",
                  "replica_type", "union_agreement_version", "synthetic_performer_use", "union_notified_on",
                  "scan_business_reason", "no_use_during_strike", "strike_periods")


def strike_on(periods: list[dict[str, Any]] | None, use_date: date) -> dict[str, date | None]:
    """The latest recorded strike begun on or before ``use_date`` and its end; the policies compare the dates."""
    begun = [p for p in periods or [] if date.fromisoformat(p["starts_on"]) <= use_date]
    latest = max(begun, key=lambda p: p["starts_on"], default=None)
    if latest is None:
        return {"strike_started_on": None, "strike_ended_on": None}
    return {"strike_started_on": date.fromisoformat(latest["starts_on"]),
            "strike_ended_on": _day(latest.get("ends_on"))}


def modified_on(row: Any, use_date: date) -> date | None:
    """The effective date of the latest amendment in force on ``use_date`` (``None``: none was)."""
    dates = [date.fromisoformat(a["effective_on"]) for a in row.amendments or []]
    return max((d for d in dates if d <= use_date), default=None)


def consent_facts(row: m.PerformerConsent, use_date: date) -> list[ConsentFacts]:
    """One fact per structured intended use (each a grant the engine may rely on), or one for a blanket grant.

    A consent with neither grants nothing: its one fact names no project, use, medium or territory.
    """
    t = terms_at(row, _CONSENT_TERMS, use_date)
    executed = date.fromisoformat(t["executed_on"])
    common: dict[str, Any] = dict(
        performance_fixed_on=_day(t["performance_fixed_on"]), replaces_in_person_work=t["replaces_in_person_work"],
        representation=_value(t["representation"]), counsel_signed_terms_sha256=t["signed_terms_sha256"],
        union_agreement_covers_replicas=t["union_agreement_covers_replicas"], survives_death=t["survives_death"],
        union_represents_proposed_work=bool(t["union_represents_proposed_work"]),
        replica_terms_separately_signed=bool(t["replica_terms_separately_signed"]),
        governing_law=t["governing_law"], executed_on=executed, modified_on=modified_on(row, use_date),
        covers_voice=bool(t["covers_voice"]), covers_likeness=bool(t["covers_likeness"]),
        replica_type=_value(t["replica_type"]), union_agreement_version=t["union_agreement_version"],
        synthetic_performer_use=bool(t["synthetic_performer_use"]), union_notified_on=_day(t["union_notified_on"]),
        scan_business_reason=bool((t["scan_business_reason"] or "").strip()),
        no_use_during_strike=t["no_use_during_strike"], **strike_on(t["strike_periods"], use_date), **_revocation(row))
    uses = t["intended_uses"] or []
    if t["blanket_grant"]:
        consistent = [d for d in t["blanket_determinations"] or [] if d["consistent_with_fundamental_character"]]
        latest = max(consistent, key=lambda d: d["determined_on"], default=None)
        return [ConsentFacts(id=row.id, blanket=True, starts_on=executed, any_media=True, worldwide=True,
                             consistent_for_projects=frozenset(d["project"] for d in consistent),
                             determined_by=latest["reviewer"] if latest else None,
                             determined_on=_day(latest["determined_on"]) if latest else None, **common)]
    if not uses:
        return [ConsentFacts(id=row.id, starts_on=executed, **common)]
    facts = []
    for number, use in enumerate(uses):
        found = use.get("determination") or {}
        facts.append(ConsentFacts(
            id=row.id if len(uses) == 1 else f"{row.id}#{number + 1}",
            projects=frozenset({use["project"]}), uses=frozenset(use.get("uses") or []),
            starts_on=_day(use.get("term_start")) or executed, ends_on=_day(use.get("term_end")),
            specific_use_description=bool(found.get("specific")),
            consistent_with_fundamental_character=bool(found.get("consistent_with_fundamental_character")),
            determined_by=found.get("reviewer"), determined_on=_day(found.get("determined_on")),
            **_scope(use.get("media") or [], use.get("territories") or []), **common))
    return facts


_ESTATE_TERMS = ("permitted_works", "permitted_uses", "media", "territories", "term_start", "term_end",
                 "consent_date", "exception", "exception_reviewer", "exception_reviewed_on",
                 "covers_voice", "covers_likeness")


def estate_facts(row: m.EstatePermission, use_date: date) -> EstatePermissionFacts:
    """A permission dates from its consent; an exception from its sign-off (none yet: no date at all)."""
    t = terms_at(row, _ESTATE_TERMS, use_date)
    exception = t["exception"]
    signed_off = bool(t["exception_reviewer"]) and t["exception_reviewed_on"] is not None
    consent_on = _day(t["exception_reviewed_on"] if exception else t["consent_date"])
    if exception and not signed_off:
        consent_on = None
    return EstatePermissionFacts(
        id=row.id, works=frozenset(t["permitted_works"]), uses=frozenset(t["permitted_uses"]),
        starts_on=_day(t["term_start"]) or consent_on or row.died_on, ends_on=_day(t["term_end"]),
        consent_on=consent_on, exception=exception, legal_reviewer=t["exception_reviewer"] or None,
        covers_voice=bool(t["covers_voice"]), covers_likeness=t["covers_likeness"] is not False,
        **_revocation(row), **_scope(t["media"], t["territories"]))


def person_facts(session: Session, party_id: str, use_date: date | None = None) -> PersonFacts:
    """The person and the grants they may rely on, with the terms in force on ``use_date`` (default today)."""
    use_date = use_date or clock.today()
    party = session.get(m.Party, party_id)
    if party is None:
        raise NotFound(f"no party with id {party_id!r}")
    consents = session.exec(select(m.PerformerConsent).where(m.PerformerConsent.performer_id == party_id)).all()
    superseded = {c.supersedes_id for c in consents if c.supersedes_id}  # replaced by a later consent: not in force
    permissions = session.exec(select(m.EstatePermission).where(m.EstatePermission.decedent_id == party_id)).all()
    return PersonFacts(id=party.id, name=party.name, deceased=party.died_on is not None, died_on=party.died_on,
                       domicile_at_death=party.domicile_at_death if party.died_on else None,
                       domicile=party.domicile if not party.died_on else None,
                       elvis_use_established_through=party.elvis_use_established_through,
                       elvis_nonuse_from=party.elvis_nonuse_from, elvis_nonuse_to=party.elvis_nonuse_to,
                       consents=[f for c in consents if c.id not in superseded for f in consent_facts(c, use_date)],
                       estate_permissions=[estate_facts(p, use_date) for p in permissions])


def _party_id(person: m.DepictedPerson | Mapping[str, Any]) -> str:
    """The party of an ``Asset.depicted`` entry: a table row holds that JSON column as loaded (dicts),
    though SQLModel declares it as the validated model."""
    if isinstance(person, m.DepictedPerson):
        return person.party_id
    party_id: str = person["party_id"]
    return party_id


def opt_out_facts(row: m.OptOutSignal) -> OptOutSignal:
    return OptOutSignal(entry=row.entry, value=row.value, constraint=row.constraint_details,
                        read_from=row.read_from, read_at=row.read_at)


def asset_facts(session: Session, asset_id: str, use_date: date | None = None) -> AssetFacts:
    """The asset, its licenses (terms in force on ``use_date``, default today) and its opt-out signals."""
    use_date = use_date or clock.today()
    asset = session.get(m.Asset, asset_id)
    if asset is None:
        raise NotFound(f"no asset with id {asset_id!r}")
    license_ids = [asset.license_id] if asset.license_id else []
    license_ids += session.exec(select(m.LicenseAsset.license_id).where(m.LicenseAsset.asset_id == asset_id)).all()
    licenses = [license_facts(lic, use_date)
                for lic in (session.get(m.License, i) for i in dict.fromkeys(license_ids)) if lic]
    signals = session.exec(select(m.OptOutSignal).where(m.OptOutSignal.asset_id == asset_id)).all()
    return AssetFacts(id=asset.id, title=asset.title, kind=ASSET_KINDS[_value(asset.role)], licenses=licenses,
                      opt_outs=[opt_out_facts(s) for s in signals],
                      people_depicted=[_party_id(p) for p in asset.depicted])


def assets_facts(session: Session, asset_ids: list[str], licenses: dict[str, LicenseFacts] | None = None,
                 use_date: date | None = None) -> list[AssetFacts]:
    """:func:`asset_facts` for many assets in three queries (dataset audits read 10^5 of them).

    ``licenses``: license facts by id already read (a dataset's few licenses cover many assets), with the
    terms in force on ``use_date`` (default today).
    """
    use_date = use_date or clock.today()
    if not asset_ids:
        return []
    rows = {a.id: a for a in session.exec(select(m.Asset).where(col(m.Asset.id).in_(asset_ids))).all()}
    missing = [i for i in asset_ids if i not in rows]
    if missing:
        raise NotFound(f"no asset with id {missing[0]!r}")
    covered: dict[str, list[str]] = {i: [lid] if (lid := rows[i].license_id) else [] for i in asset_ids}
    for link in session.exec(select(m.LicenseAsset).where(col(m.LicenseAsset.asset_id).in_(asset_ids))).all():
        covered[link.asset_id].append(link.license_id)
    signals: dict[str, list[OptOutSignal]] = {i: [] for i in asset_ids}
    for signal in session.exec(select(m.OptOutSignal).where(col(m.OptOutSignal.asset_id).in_(asset_ids))).all():
        signals[signal.asset_id].append(opt_out_facts(signal))
    known = licenses if licenses is not None else {}
    wanted = {i for ids in covered.values() for i in ids} - known.keys()
    if wanted:
        for row in session.exec(select(m.License).where(col(m.License.id).in_(wanted))).all():
            known[row.id] = license_facts(row, use_date)
    out = []
    for asset_id in asset_ids:
        asset = rows[asset_id]
        out.append(AssetFacts(id=asset.id, title=asset.title, kind=ASSET_KINDS[_value(asset.role)],
                              licenses=[known[i] for i in dict.fromkeys(covered[asset_id]) if i in known],
                              opt_outs=signals[asset_id], people_depicted=[_party_id(p) for p in asset.depicted]))
    return out
