"""Model lineage -> policy facts: the training assets a model offer is judged on, and the models
held by other parties (with their licenses to the clip's maker) that a clip check judges.

Like :mod:`ledger.checks.facts`, this translates and does not judge: the rules are in
``policies/model_lineage.cedar`` and ``policies/license_scope.cedar``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from ledger.checks.facts import asset_facts
from ledger.records import models as m
from ledger.records.lineage import effective_asset_ids, parents_of
from policies import ModelFacts, ModelLicenseFacts, PolicyRequest, RequestContext

OFFER_USE = "distribute_model"


def model_license_facts(row: m.ModelLicense) -> ModelLicenseFacts:
    media, territories = set(row.media), set(row.territories)
    return ModelLicenseFacts(id=row.id, uses=frozenset(row.permitted_uses), starts_on=row.starts_on,
                             ends_on=row.ends_on, revoked=row.revoked_at is not None,
                             any_media="any" in media, media=frozenset(media - {"any"}),
                             worldwide="WORLD" in territories, territories=frozenset(territories - {"WORLD"}))


def tool_facts(session: Session, model_id: str | None) -> ModelFacts | None:
    """A model registered as dedicated to one person (a tool under Tennessee's ELVIS Act), with its
    authorisation as recorded; ``None`` for any other model."""
    row = session.get(m.AiModel, model_id) if model_id else None
    if row is None or not row.dedicated_person_id:
        return None
    person = session.get(m.Party, row.dedicated_person_id)
    domicile = (person.domicile_at_death if person.died_on else person.domicile) if person else None
    auth = m.ToolAuthorization.model_validate(row.elvis_authorization) if row.elvis_authorization else None
    return ModelFacts(id=row.id, name=row.name, dedicated_to=row.dedicated_person_id,
                      dedicated_aspects=frozenset(str(a) for a in row.dedicated_aspects or []),
                      dedicated_domicile=domicile,
                      tool_authorized_on=auth.authorized_on if auth else None,
                      tool_authorization_covers=frozenset(a.value for a in auth.covers) if auth else frozenset(),
                      tool_distribution_permitted=bool(auth and auth.distribution_permitted),
                      tool_authorization_revoked_on=auth.revoked_on if auth else None)


def offer_request(session: Session, model_id: str, media: Iterable[str], territories: Iterable[str],
                  use_date: date) -> PolicyRequest:
    """``offer_model`` for every training asset of the model's lineage, in the offer's scope and on its date,
    and for the model itself when it is a tool dedicated to one person."""
    assets = [asset_facts(session, a, use_date).model_copy(update={"people_depicted": []})
              for a in effective_asset_ids(session, model_id)]
    tool = tool_facts(session, model_id)
    media = set(media)
    context = RequestContext(action="offer_model", model_id=model_id, project=f"model:{model_id}",
                             uses=frozenset({OFFER_USE}), media=frozenset(media - {"any"}),
                             territories=frozenset(territories), use_date=use_date)
    return PolicyRequest(context=context, assets=assets, models=[tool] if tool else [])


def own_training_request(session: Session, model_ids: list[str], media: Iterable[str], territories: Iterable[str],
                         use_date: date) -> PolicyRequest | None:
    """``train`` for every training asset of the maker's own models in a clip's lineage, in the clip's scope.

    A studio's fine-tune carries what its base learnt, so a clip made with it is judged on the training
    data of the fine-tune and of each of its own ancestors (up to a model held by another party, whose
    lineage is judged as an offer): the training licenses must still permit training, cover the clip's
    media and territories on its date and not be revoked; opt-outs still stop it. The people those
    assets depict are judged when they are trained on (training audits), as for offers.
    """
    assets: list[str] = []
    for ident in model_ids:
        row = session.get(m.AiModel, ident)
        for version_id in row.dataset_version_ids if row else []:
            version = session.get(m.DatasetVersion, version_id)
            assets += version.asset_ids if version else []
    if not assets:
        return None
    facts = [asset_facts(session, a, use_date).model_copy(update={"people_depicted": []})
             for a in dict.fromkeys(assets)]
    media = set(media)
    context = RequestContext(action="train", model_id=model_ids[0], project=f"model:{model_ids[0]}",
                             uses=frozenset({"train"}), media=frozenset(media - {"any"}),
                             territories=frozenset(territories), use_date=use_date)
    return PolicyRequest(context=context, assets=facts)


@dataclass(frozen=True)
class LicensedLineage:
    """The models held by other parties that a clip was made with (directly, or through a fine-tune)."""

    licensee_id: str | None
    licensed_models: list[str]
    fine_tuned_bases: list[str]
    models: list[ModelFacts]
    own_models: list[str] = field(default_factory=list)
    """The maker's own models in the lineage: the clip's model (unless held by another) and its own ancestors."""

    @property
    def held_by_others(self) -> list[str]:
        return [*self.licensed_models, *self.fine_tuned_bases]


def _nearest_held(session: Session, model_id: str,
                  held_by_other: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """The first models held by another party on each path up the lineage (their license covers what
    they derive from: a studio licensing its fine-tune licenses what the fine-tune learnt), and the
    maker's own models passed on the way (``model_id`` first)."""
    found: list[str] = []
    own = [model_id]
    seen = {model_id}
    frontier = [model_id]
    while frontier:
        parents = [p for ident in frontier for p in parents_of(session, ident) if p not in seen]
        seen.update(parents)
        found += [p for p in dict.fromkeys(parents) if held_by_other(p)]
        frontier = [p for p in dict.fromkeys(parents) if not held_by_other(p)]
        own += frontier
    return found, own


def licensed_lineage(session: Session, model_id: str | None, licensee_id: str | None) -> LicensedLineage:
    """Which models in the clip's model lineage belong to a party other than the clip's maker.

    The maker is ``licensee_id`` when the request names it, else the developer of the clip's
    model. A model whose developer is not recorded is taken to be the maker's own.
    """
    model = session.get(m.AiModel, model_id) if model_id else None
    if model is None:
        return LicensedLineage(licensee_id, [], [], [])
    maker = licensee_id or model.developer_id
    if maker is None:  # nobody holds it but the maker: the whole lineage is the maker's own
        return LicensedLineage(None, [], [], [], _nearest_held(session, model.id, lambda _: False)[1])

    def held_by_other(ident: str) -> bool:
        row = session.get(m.AiModel, ident)
        return row is not None and row.developer_id is not None and row.developer_id != maker

    direct = [model.id] if held_by_other(model.id) else []
    bases, own = ([], []) if direct else _nearest_held(session, model.id, held_by_other)
    facts = []
    for ident in [*direct, *bases]:
        row = session.get(m.AiModel, ident)
        licenses = session.exec(select(m.ModelLicense).where(m.ModelLicense.model_id == ident,
                                                             m.ModelLicense.licensee_id == maker)).all()
        facts.append(ModelFacts(id=ident, name=row.name if row else "",
                                licenses=[model_license_facts(lic) for lic in licenses]))
    return LicensedLineage(maker, direct, bases, facts, own)
