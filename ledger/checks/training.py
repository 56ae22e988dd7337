"""Dataset clearance for training: evaluate ``train`` for every asset of a dataset version."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from ledger.checks.facts import assets_facts, person_facts
from ledger.checks.ownership import mark_own_production, studio_of
from ledger.context import Clearance
from ledger.errors import NotFound
from ledger.records import models as m
from ledger.records.lineage import ancestors, effective_dataset_versions
from ledger import clock
from policies import AssetClearance, AssetFacts, LicenseFacts, PersonFacts, PolicyEngine, PolicyRequest, RequestContext


def training_context(dataset_version_id: str, model: m.AiModel | None, territories: list[str] | None = None,
                     project: str | None = None, use_date: date | None = None) -> RequestContext:
    """The ``train`` request a dataset audit asks for each asset."""
    principal = model.id if model else f"dataset:{dataset_version_id}"
    return RequestContext(action="train", model_id=principal, project=project or (model.name if model else principal),
                          uses=frozenset({"train"}), territories=frozenset(territories or ["US"]),
                          use_date=use_date or clock.today())


def clear_assets(engine: PolicyEngine, session: Session, context: RequestContext, asset_ids: list[str],
                 people: dict[str, PersonFacts], licenses: dict[str, LicenseFacts] | None = None,
                 studio: frozenset[str] = frozenset()) -> tuple[list[AssetFacts], list[AssetClearance]]:
    """Facts and decisions for ``asset_ids``; ``people`` caches the people depicted (filled as needed);
    ``studio``: the parties whose own productions need no license."""
    assets = mark_own_production(session, assets_facts(session, asset_ids, licenses, context.use_date), studio)
    for party_id in dict.fromkeys(p for a in assets for p in a.people_depicted):
        if party_id not in people:
            people[party_id] = person_facts(session, party_id, context.use_date)
    depicted = [people[p] for p in dict.fromkeys(p for a in assets for p in a.people_depicted)]
    results = engine.audit_training(PolicyRequest(context=context, assets=assets, people=depicted)) if assets else []
    return assets, results


def audit_training(ctx: Clearance, dataset_version_id: str, model_id: str | None = None,
                   territories: list[str] | None = None, project: str | None = None,
                   use_date: date | None = None) -> dict[str, Any]:
    """Which assets of the version may be used to train ``model_id`` (or the models trained on it)."""
    engine = ctx.policy_engine
    with ctx.db.reader() as session:
        version = session.get(m.DatasetVersion, dataset_version_id)
        if version is None:
            raise NotFound(f"no dataset version with id {dataset_version_id!r}")
        model = session.get(m.AiModel, model_id) if model_id else None
        if model_id and model is None:
            raise NotFound(f"no model with id {model_id!r}")
        context = training_context(dataset_version_id, model, territories, project, use_date)
        _, results = clear_assets(engine, session, context, list(dict.fromkeys(version.asset_ids)), {},
                                  studio=studio_of(session, version, model))
    report = []
    for item in results:
        report.append({"asset_id": item.asset_id, "cleared": item.cleared, "verdict": item.decision.verdict.value,
                       "reasons": [r.describe() for r in item.decision.reasons if not item.cleared]})
    return {"dataset_version": dataset_version_id, "model": model_id, "policy_set_hash": engine.policy_set_hash,
            "assets": len(report), "cleared": sum(r["cleared"] for r in report),
            "not_cleared": [r for r in report if not r["cleared"]], "results": report}


def audit_model(ctx: Clearance, model_id: str, territories: list[str] | None = None,
                use_date: date | None = None) -> dict[str, Any]:
    """Audit a model's effective training data: its own dataset versions and every ancestor's.

    A fine-tune carries what its base learnt, so each version of the lineage is audited for
    ``model_id`` (each result names the version and the model of the lineage that trained on it).
    """
    with ctx.db.reader() as session:
        if session.get(m.AiModel, model_id) is None:
            raise NotFound(f"no model with id {model_id!r}")
        lineage = ancestors(session, model_id)
        trained_by: dict[str, str] = {}
        for ident in reversed([model_id, *lineage]):
            row = session.get(m.AiModel, ident)
            for version in row.dataset_version_ids if row else []:
                trained_by.setdefault(version, ident)
        versions = effective_dataset_versions(session, model_id)
    reports = [{**audit_training(ctx, v, model_id, territories, use_date=use_date), "trained_by": trained_by.get(v)}
               for v in versions]
    return {"model": model_id, "lineage": lineage, "dataset_versions": versions,
            "policy_set_hash": ctx.policy_engine.policy_set_hash,
            "assets": sum(r["assets"] for r in reports), "cleared": sum(r["cleared"] for r in reports),
            "not_cleared": [{**item, "dataset_version": r["dataset_version"], "trained_by": r["trained_by"]}
                            for r in reports for item in r["not_cleared"]],
            "reports": reports}
