"""Turn facts into Cedar entities, touches and request contexts.

Nothing here decides anything: it restates the records in the shapes the
schema (``clearance.cedarschema``) declares. Dates become yyyymmdd Longs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from policies.decision import GrantRef, SubjectKind, Touch
from policies.errors import FactsError
from policies.jurisdictions import jurisdictions
from policies.facts import (
    AssetFacts,
    ConsentFacts,
    EstatePermissionFacts,
    GrantScope,
    ModelFacts,
    PersonFacts,
    PolicyRequest,
)

NAMESPACE = "Clearance"
_ENTITY_TYPE: dict[str, str] = {
    "asset": "Asset",
    "person": "Person",
    "clip": "Clip",
    "license": "License",
    "consent": "Consent",
    "estate_permission": "EstatePermission",
    "model": "Model",
    "model_license": "ModelLicense",
    "service": "GenerationService",
}
_PENDING_CLIP = "pending"


def ymd(day: date) -> int:
    """A date as the Long the policies compare: 2025-01-01 -> 20250101."""
    return day.year * 10000 + day.month * 100 + day.day


def uid(kind: str, ident: str) -> dict[str, str]:
    return {"type": f"{NAMESPACE}::{_ENTITY_TYPE[kind]}", "id": ident}


def ref(kind: str, ident: str) -> dict[str, dict[str, str]]:
    """An entity reference as an attribute or context value."""
    return {"__entity": uid(kind, ident)}


@dataclass(frozen=True)
class Subject:
    """One resource touched one way, with the grants it may rely on."""

    kind: SubjectKind
    id: str
    touch: Touch
    grants: tuple[GrantRef, ...]
    owner_asset: str | None = None  # for dataset audits: the training asset this belongs to


def covered_territories(granted: frozenset[str], requested: frozenset[str]) -> list[str]:
    """The grant's territories with each requested subdivision of a country it lists (``US`` covers ``US-NY``).

    ISO 3166-2 codes name a subdivision inside its country, so a grant for the whole country covers
    every part of it; the reverse does not hold (a grant for ``US-NY`` does not cover a use in ``US``).
    """
    inside = {t for t in requested if "-" in t and t.split("-", 1)[0] in granted}
    return sorted(granted | inside)


def _scope_attrs(grant: GrantScope, requested: frozenset[str] = frozenset()) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "uses": sorted(grant.uses),
        "any_media": grant.any_media,
        "media": sorted(grant.media),
        "worldwide": grant.worldwide,
        "territories": covered_territories(grant.territories, requested),
        "starts_ymd": ymd(grant.starts_on),
        "revoked": grant.revoked,
    }
    if grant.ends_on is not None:
        attrs["ends_ymd"] = ymd(grant.ends_on)
    if grant.revoked_on is not None:
        attrs["revoked_ymd"] = ymd(grant.revoked_on)
    return attrs


def _names_project_uses_media(consent: ConsentFacts) -> bool:
    """The description names the project, the kinds of use and the media (none of them "any")."""
    return bool(consent.projects and consent.uses and consent.media and not consent.any_media
                and not consent.blanket)


def _consent_attrs(consent: ConsentFacts, requested: frozenset[str]) -> dict[str, Any]:
    attrs = _scope_attrs(consent, requested) | {
        "projects": sorted(consent.projects),
        "blanket": consent.blanket,
        "replaces_in_person_work": consent.replaces_in_person_work,
        "names_project_uses_media": _names_project_uses_media(consent),
        "specific_use_description": consent.specific_use_description,
        "consistent_with_fundamental_character": consent.consistent_with_fundamental_character,
        "consistent_for_projects": sorted(consent.consistent_for_projects),
        "representation": consent.representation,
        "union_agreement_covers_replicas": consent.union_agreement_covers_replicas,
        "union_represents_proposed_work": consent.union_represents_proposed_work,
        "replica_terms_separately_signed": consent.replica_terms_separately_signed,
        "survives_death": consent.survives_death,
        "covers_voice": consent.covers_voice,
        "covers_likeness": consent.covers_likeness,
        "replica_type": consent.replica_type,
        "synthetic_performer_use": consent.synthetic_performer_use,
        "scan_business_reason": consent.scan_business_reason,
    }
    optional_days = {"union_notified_ymd": consent.union_notified_on, "strike_started_ymd": consent.strike_started_on,
                     "strike_ended_ymd": consent.strike_ended_on}
    attrs |= {name: ymd(day) for name, day in optional_days.items() if day is not None}
    if consent.union_agreement_version is not None:
        attrs["union_agreement_version"] = consent.union_agreement_version
    if consent.no_use_during_strike is not None:
        attrs["no_use_during_strike"] = consent.no_use_during_strike
    if consent.performance_fixed_on is not None:
        attrs["performance_fixed_ymd"] = ymd(consent.performance_fixed_on)
    if consent.governing_law is not None:
        attrs["governing_law"] = consent.governing_law
    if consent.executed_on is not None:
        attrs["executed_ymd"] = ymd(consent.executed_on)
    if consent.modified_on is not None:
        attrs["modified_ymd"] = ymd(consent.modified_on)
    if consent.counsel_signed_terms_sha256 is not None:
        attrs["counsel_signed_terms_sha256"] = consent.counsel_signed_terms_sha256
    if consent.determined_by:
        attrs["determined_by"] = consent.determined_by
    if consent.determined_on is not None:
        attrs["determined_ymd"] = ymd(consent.determined_on)
    return attrs


def _estate_attrs(permission: EstatePermissionFacts, requested: frozenset[str]) -> dict[str, Any]:
    attrs = _scope_attrs(permission, requested) | {
        "works": sorted(permission.works),
        "covers_voice": permission.covers_voice,
        "covers_likeness": permission.covers_likeness,
    }
    if permission.consent_on is not None:
        attrs["consent_ymd"] = ymd(permission.consent_on)
    if permission.exception is not None:
        attrs["exception"] = permission.exception
    if permission.legal_reviewer:
        attrs["legal_reviewer"] = permission.legal_reviewer
    return attrs


def _asset_attrs(asset: AssetFacts) -> dict[str, Any]:
    constrained = [s for s in asset.opt_outs if s.constrained and s.constraint and s.constraint.strip()]
    grants = [s.granted_uses() for s in constrained]
    readable = all(g is not None for g in grants)
    granted: set[str] = set()
    if constrained and readable:
        granted = set.intersection(*(set(g) for g in grants if g is not None))
    return {
        "title": asset.title,
        "kind": asset.kind,
        "own_production": asset.own_production,
        "mining_signals": sorted({signal.token for signal in asset.opt_outs}),
        "mining_constraints": sorted({f"{s.entry}={s.value}: {s.constraint}" for s in constrained}),
        "mining_constraints_readable": readable,
        "mining_constraint_uses": sorted(granted),
    }


def _person_attrs(person: PersonFacts) -> dict[str, Any]:
    attrs: dict[str, Any] = {"name": person.name, "deceased": person.deceased}
    if person.died_on is not None:
        attrs["death_ymd"] = ymd(person.died_on)
    if person.domicile_at_death is not None:
        attrs["domicile_at_death"] = person.domicile_at_death
    if person.domicile is not None:
        attrs["domicile"] = person.domicile
    optional_days = {"elvis_use_established_through_ymd": person.elvis_use_established_through,
                     "elvis_nonuse_from_ymd": person.elvis_nonuse_from, "elvis_nonuse_to_ymd": person.elvis_nonuse_to}
    attrs |= {name: ymd(day) for name, day in optional_days.items() if day is not None}
    return attrs


def _model_attrs(model: ModelFacts | None) -> dict[str, Any]:
    """A model's ELVIS facts (a tool dedicated to one person, and its authorisation); none for an unknown model."""
    if model is None:
        return {"dedicated_aspects": [], "tool_authorization_covers": [], "tool_distribution_permitted": False}
    attrs: dict[str, Any] = {"dedicated_aspects": sorted(model.dedicated_aspects),
                             "tool_authorization_covers": sorted(model.tool_authorization_covers),
                             "tool_distribution_permitted": model.tool_distribution_permitted}
    if model.dedicated_to is not None:
        attrs["dedicated_to"] = model.dedicated_to
    if model.dedicated_domicile is not None:
        attrs["dedicated_domicile"] = model.dedicated_domicile
    if model.tool_authorized_on is not None:
        attrs["tool_authorized_ymd"] = ymd(model.tool_authorized_on)
    if model.tool_authorization_revoked_on is not None:
        attrs["tool_authorization_revoked_ymd"] = ymd(model.tool_authorization_revoked_on)
    return attrs


class EntityBuilder:
    """Collects the entities of one request, refusing two different records under one id."""

    def __init__(self) -> None:
        self._entities: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, kind: str, ident: str, attrs: dict[str, Any]) -> None:
        key = (kind, ident)
        entity = {"uid": uid(kind, ident), "attrs": attrs, "parents": []}
        existing = self._entities.get(key)
        if existing is not None and existing != entity:
            raise FactsError(f"two different {kind} records share the id {ident!r}")
        self._entities[key] = entity

    def entities(self) -> list[dict[str, Any]]:
        return list(self._entities.values())


def principal_of(request: PolicyRequest) -> tuple[str, str]:
    ctx = request.context
    return ("service", ctx.service_id) if ctx.service_id is not None else ("model", ctx.model_id or "")


def build_entities(request: PolicyRequest) -> list[dict[str, Any]]:
    """Every entity the request's touches and candidate grants refer to."""
    builder = EntityBuilder()
    requested = request.context.territories
    kind, ident = principal_of(request)
    models = {model.id: model for model in request.models}
    builder.add(kind, ident, _model_attrs(models.get(ident)) if kind == "model" else {})
    if request.context.action in ("generate", "release"):
        builder.add("clip", request.context.clip_id or _PENDING_CLIP, {"project": request.context.project})
    for asset in request.assets:
        builder.add("asset", asset.id, _asset_attrs(asset))
        for lic in asset.licenses:
            builder.add("license", lic.id, _scope_attrs(lic, requested))
    for person in request.people:
        builder.add("person", person.id, _person_attrs(person))
        for consent in person.consents:
            builder.add("consent", consent.id, _consent_attrs(consent, requested))
        for permission in person.estate_permissions:
            builder.add("estate_permission", permission.id, _estate_attrs(permission, requested))
    for model in request.models:
        builder.add("model", model.id, _model_attrs(model))
        for model_license in model.licenses:
            builder.add("model_license", model_license.id, _scope_attrs(model_license, requested))
    return builder.entities()


def _index(request: PolicyRequest) -> tuple[dict[str, AssetFacts], dict[str, PersonFacts]]:
    assets: dict[str, AssetFacts] = {}
    for asset in request.assets:
        if asset.id in assets:
            raise FactsError(f"asset {asset.id!r} is listed twice")
        assets[asset.id] = asset
    people: dict[str, PersonFacts] = {}
    for person in request.people:
        if person.id in people:
            raise FactsError(f"person {person.id!r} is listed twice")
        people[person.id] = person
    return assets, people


def _grants_of_asset(asset: AssetFacts) -> tuple[GrantRef, ...]:
    return tuple(GrantRef(kind="license", id=lic.id) for lic in asset.licenses)


def _grants_of_model(model: ModelFacts) -> tuple[GrantRef, ...]:
    return tuple(GrantRef(kind="model_license", id=lic.id) for lic in model.licenses)


def _grants_of_person(person: PersonFacts) -> tuple[GrantRef, ...]:
    return tuple(
        [GrantRef(kind="consent", id=c.id) for c in person.consents]
        + [GrantRef(kind="estate_permission", id=p.id) for p in person.estate_permissions]
    )


def subjects_of(request: PolicyRequest) -> list[Subject]:
    """Each resource the request touches, once per distinct way it is touched."""
    ctx = request.context
    assets, people = _index(request)
    found: dict[tuple[str, str, Touch], Subject] = {}

    def asset(ident: str, touch: Touch, field: str, owner: str | None = None) -> None:
        if ident not in assets:
            raise FactsError(f"{field} names asset {ident!r}, which is not among the request's assets")
        found.setdefault(("asset", ident, touch),
                         Subject("asset", ident, touch, _grants_of_asset(assets[ident]), owner))

    def person(ident: str, touch: Touch, field: str, owner: str | None = None) -> None:
        if ident not in people:
            raise FactsError(f"{field} names person {ident!r}, who is not among the request's people")
        key = ("person", ident, touch) if owner is None else ("person", f"{owner}/{ident}", touch)
        found.setdefault(key, Subject("person", ident, touch, _grants_of_person(people[ident]), owner))

    if ctx.action == "train":
        if (request.matches or ctx.prompt_works or ctx.prompt_people or ctx.reference_inputs
                or ctx.declared_people or ctx.declared_voices or ctx.replica_subjects):
            raise FactsError("a train request takes assets (and the people they depict), not matches, "
                             "prompts, reference inputs, declared people or voices, or replica subjects")
        for item in request.assets:
            asset(item.id, Touch(kind="training"), "assets", owner=item.id)
            for ident in item.people_depicted:
                person(ident, Touch(kind="depicted"), f"assets[{item.id}].people_depicted", owner=item.id)
        return list(found.values())

    if ctx.action == "offer_model":
        if request.people or request.matches or ctx.reference_inputs or ctx.declared_people or ctx.prompt_people:
            raise FactsError("an offer_model request takes the training assets of the model's lineage only")
        for item in request.assets:
            asset(item.id, Touch(kind="training"), "assets")
        for model in request.models:
            if model.id == ctx.model_id:  # the model offered: a tool dedicated to one person (ELVIS Act)
                found[("model", model.id, Touch(kind="offered_model"))] = Subject(
                    "model", model.id, Touch(kind="offered_model"), ())
        return list(found.values())

    models = {model.id: model for model in request.models}
    for field_name, touch_kind, idents in (("licensed_models", "licensed_model", ctx.licensed_models),
                                           ("fine_tuned_bases", "fine_tuned_base", ctx.fine_tuned_bases)):
        for ident in idents:
            if ident not in models:
                raise FactsError(f"{field_name} names model {ident!r}, which is not among the request's models")
            found.setdefault(("model", ident, Touch(kind=touch_kind)),
                             Subject("model", ident, Touch(kind=touch_kind), _grants_of_model(models[ident])))
    for ident in ctx.clip_models:  # a tool dedicated to one person: the clip carries that person's voice or likeness
        if ident not in models:
            raise FactsError(f"clip_models names model {ident!r}, which is not among the request's models")
        found.setdefault(("model", ident, Touch(kind="clip_model")),
                         Subject("model", ident, Touch(kind="clip_model"), ()))
        subject_of = models[ident].dedicated_to
        for aspect in sorted(models[ident].dedicated_aspects):
            if subject_of is not None:
                person(subject_of, Touch(kind="model_subject", aspect=aspect), "clip_models")
    if ctx.action == "create_replica" and (request.matches or ctx.reference_inputs or ctx.prompt_works):
        raise FactsError("a create_replica request concerns people only: "
                         "no asset matches, reference inputs or prompt works")
    for ident in ctx.reference_inputs:
        asset(ident, Touch(kind="reference_input"), "reference_inputs")
    for ident in ctx.prompt_works:
        asset(ident, Touch(kind="prompt_title"), "prompt_works")
    for ident in ctx.declared_people:
        person(ident, Touch(kind="declared"), "declared_people")
    for ident in ctx.declared_voices:
        person(ident, Touch(kind="declared", aspect="voice"), "declared_voices")
    for ident in ctx.prompt_people:
        person(ident, Touch(kind="prompt_mention"), "prompt_people")
    for ident in ctx.replica_subjects:
        person(ident, Touch(kind="replica_subject"), "replica_subjects")
    for match in request.matches:
        voice = match.channel == "voice"
        kind = "match" if match.subject == "asset" else ("voice_match" if voice else "face_match")
        touch = Touch(kind=kind, channel=match.channel, strength=match.strength,
                      aspect="voice" if voice else "likeness")
        (asset if match.subject == "asset" else person)(match.subject_id, touch, "matches")
    if ctx.action in ("generate", "release"):
        clip_id = ctx.clip_id or _PENDING_CLIP
        found[("clip", clip_id, Touch(kind="clip"))] = Subject("clip", clip_id, Touch(kind="clip"), ())
    return list(found.values())


def cedar_request(request: PolicyRequest, subject: Subject, grant: GrantRef | None) -> dict[str, Any]:
    """One Cedar request: the subject as resource, relying on ``grant`` (or on none)."""
    ctx = request.context
    context: dict[str, Any] = {
        "project": ctx.project,
        "uses": sorted(ctx.uses),
        "media": sorted(ctx.media),
        "territories": sorted(ctx.territories),
        "jurisdictions": sorted(jurisdictions(ctx.territories)),
        "use_ymd": ymd(ctx.use_date),
        "new_performance_ymd": ymd(ctx.new_performance_on),
        "touch": subject.touch.model_dump(),
    }
    if grant is not None:
        context[grant.kind] = ref(grant.kind, grant.id)
    kind, ident = principal_of(request)
    return {
        "principal": uid(kind, ident),
        "action": {"type": f"{NAMESPACE}::Action", "id": ctx.action},
        "resource": uid(subject.kind, subject.id),
        "context": context,
    }
