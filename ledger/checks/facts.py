"""Records -> the typed facts the policy engine reads.

This is the only place that knows both vocabularies. It translates, it does
not judge: whether a consent is enforceable or a death recent enough is
decided in ``policies/*.cedar``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, select

from ledger.errors import NotFound
from ledger.records import models as m
from policies import AssetFacts, ConsentFacts, EstatePermissionFacts, LicenseFacts, OptOutSignal, PersonFacts

ASSET_KINDS = {"training_asset": "training", "reference_work": "reference", "likeness_reference": "likeness_reference"}
EPOCH = date(1900, 1, 1)


def _scope(media: Iterable[str], territories: Iterable[str]) -> dict[str, object]:
    media, territories = set(media), set(territories)
    return {"any_media": "any" in media, "media": frozenset(media - {"any"}),
            "worldwide": "WORLD" in territories, "territories": frozenset(territories - {"WORLD"})}


def license_facts(row: m.License) -> LicenseFacts:
    return LicenseFacts(id=row.id, uses=frozenset(row.permitted_uses), starts_on=row.starts_on, ends_on=row.ends_on,
                        revoked=row.revoked_at is not None, **_scope(row.media, row.territories))


def consent_facts(row: m.PerformerConsent) -> list[ConsentFacts]:
    """One fact per structured intended use: each is a separate grant the engine may rely on."""
    common = dict(performance_fixed_on=row.performance_fixed_on or row.executed_on,
                  replaces_in_person_work=row.replaces_in_person_work,
                  specific_use_description=bool(row.intended_uses),
                  consistent_with_fundamental_character=row.use_consistent_with_performance,
                  representation=row.representation.value if hasattr(row.representation, "value") else row.representation,
                  counsel_signed_terms_sha256=row.signed_terms_sha256,
                  union_agreement_covers_replicas=row.union_agreement_covers_replicas,
                  survives_death=row.survives_death, revoked=row.revoked_at is not None)
    if not row.intended_uses:
        return [ConsentFacts(id=row.id, starts_on=row.executed_on, **common)]
    facts = []
    for number, use in enumerate(row.intended_uses):
        facts.append(ConsentFacts(
            id=row.id if len(row.intended_uses) == 1 else f"{row.id}#{number + 1}",
            projects=frozenset({use["project"]}), uses=frozenset(use.get("uses") or []),
            starts_on=date.fromisoformat(use["term_start"]) if use.get("term_start") else row.executed_on,
            ends_on=date.fromisoformat(use["term_end"]) if use.get("term_end") else None,
            **_scope(use.get("media") or [], use.get("territories") or []), **common))
    return facts


def estate_facts(row: m.EstatePermission) -> EstatePermissionFacts:
    consent_on = row.consent_date or row.exception_reviewed_on or EPOCH
    return EstatePermissionFacts(
        id=row.id, works=frozenset(row.permitted_works), uses=frozenset(row.permitted_uses),
        starts_on=row.term_start or consent_on, ends_on=row.term_end, consent_on=consent_on,
        exception=row.exception.value if hasattr(row.exception, "value") else row.exception,
        legal_reviewer=row.exception_reviewer, revoked=row.revoked_at is not None,
        **_scope(row.media, row.territories))


def person_facts(session: Session, party_id: str) -> PersonFacts:
    party = session.get(m.Party, party_id)
    if party is None:
        raise NotFound(f"no party with id {party_id!r}")
    consents = session.exec(select(m.PerformerConsent).where(m.PerformerConsent.performer_id == party_id)).all()
    superseded = {c.supersedes_id for c in consents if c.supersedes_id}  # replaced by a later consent: not in force
    permissions = session.exec(select(m.EstatePermission).where(m.EstatePermission.decedent_id == party_id)).all()
    return PersonFacts(id=party.id, name=party.name, deceased=party.died_on is not None, died_on=party.died_on,
                       consents=[f for c in consents if c.id not in superseded for f in consent_facts(c)],
                       estate_permissions=[estate_facts(p) for p in permissions])


def opt_out_facts(row: m.OptOutSignal) -> OptOutSignal:
    return OptOutSignal(entry=row.entry, value=row.value, read_from=row.read_from, read_at=row.read_at)


def asset_facts(session: Session, asset_id: str) -> AssetFacts:
    asset = session.get(m.Asset, asset_id)
    if asset is None:
        raise NotFound(f"no asset with id {asset_id!r}")
    license_ids = [asset.license_id] if asset.license_id else []
    license_ids += session.exec(select(m.LicenseAsset.license_id).where(m.LicenseAsset.asset_id == asset_id)).all()
    licenses = [license_facts(lic) for lic in (session.get(m.License, i) for i in dict.fromkeys(license_ids)) if lic]
    signals = session.exec(select(m.OptOutSignal).where(m.OptOutSignal.asset_id == asset_id)).all()
    role = asset.role.value if hasattr(asset.role, "value") else asset.role
    return AssetFacts(id=asset.id, title=asset.title, kind=ASSET_KINDS[role], licenses=licenses,
                      opt_outs=[opt_out_facts(s) for s in signals],
                      people_depicted=[p["party_id"] for p in asset.depicted])


def assets_facts(session: Session, asset_ids: list[str],
                 licenses: dict[str, LicenseFacts] | None = None) -> list[AssetFacts]:
    """:func:`asset_facts` for many assets in three queries (dataset audits read 10^5 of them).

    ``licenses``: license facts by id already read (a dataset's few licenses cover many assets).
    """
    if not asset_ids:
        return []
    rows = {a.id: a for a in session.exec(select(m.Asset).where(m.Asset.id.in_(asset_ids))).all()}  # type: ignore[attr-defined]
    missing = [i for i in asset_ids if i not in rows]
    if missing:
        raise NotFound(f"no asset with id {missing[0]!r}")
    covered: dict[str, list[str]] = {i: [rows[i].license_id] if rows[i].license_id else [] for i in asset_ids}
    for link in session.exec(select(m.LicenseAsset).where(m.LicenseAsset.asset_id.in_(asset_ids))).all():  # type: ignore[attr-defined]
        covered[link.asset_id].append(link.license_id)
    signals: dict[str, list[OptOutSignal]] = {i: [] for i in asset_ids}
    for signal in session.exec(select(m.OptOutSignal).where(m.OptOutSignal.asset_id.in_(asset_ids))).all():  # type: ignore[attr-defined]
        signals[signal.asset_id].append(opt_out_facts(signal))
    known = licenses if licenses is not None else {}
    wanted = {i for ids in covered.values() for i in ids} - known.keys()
    if wanted:
        for row in session.exec(select(m.License).where(m.License.id.in_(wanted))).all():  # type: ignore[attr-defined]
            known[row.id] = license_facts(row)
    out = []
    for asset_id in asset_ids:
        asset = rows[asset_id]
        role = asset.role.value if hasattr(asset.role, "value") else asset.role
        out.append(AssetFacts(id=asset.id, title=asset.title, kind=ASSET_KINDS[role],
                              licenses=[known[i] for i in dict.fromkeys(covered[asset_id]) if i in known],
                              opt_outs=signals[asset_id], people_depicted=[p["party_id"] for p in asset.depicted]))
    return out
