"""model_lineage.cedar: offering a model, and clips made with a model another party holds."""

from __future__ import annotations

from datetime import date

import pytest

from policies import (
    AssetFacts, FactsError, LicenseFacts, ModelFacts, ModelLicenseFacts, PolicyEngine, PolicyRequest, RequestContext)

USE_DAY = date(2026, 3, 1)


def offer(license_uses: set[str], territories: set[str] | None = None) -> PolicyRequest:
    lic = LicenseFacts(id="L1", uses=frozenset(license_uses), any_media=True, worldwide=territories is None,
                       territories=frozenset(territories or set()), starts_on=date(2024, 1, 1))
    context = RequestContext(action="offer_model", model_id="M", project="model:M",
                             uses=frozenset({"distribute_model"}), media=frozenset({"streaming"}),
                             territories=frozenset({"US"}), use_date=USE_DAY)
    return PolicyRequest(context=context, assets=[AssetFacts(id="A1", licenses=[lic])])


def clip(model_license: ModelLicenseFacts | None, touch: str = "fine_tuned_base",
         uses: frozenset[str] = frozenset({"generate", "release"})) -> PolicyRequest:
    field = "fine_tuned_bases" if touch == "fine_tuned_base" else "licensed_models"
    context = RequestContext(action="release", service_id="gen", model_id="mine", project="Short", uses=uses,
                             media=frozenset({"streaming"}), territories=frozenset({"US"}), use_date=USE_DAY,
                             clip_id="c1", **{field: ["M"]})
    licenses = [model_license] if model_license else []
    return PolicyRequest(context=context, models=[ModelFacts(id="M", licenses=licenses)])


def model_license(**overrides: object) -> ModelLicenseFacts:
    values: dict[str, object] = dict(id="ML1", uses=frozenset({"fine_tune", "generate", "release"}),
                                     media=frozenset({"streaming"}), territories=frozenset({"US"}),
                                     starts_on=date(2026, 1, 1))
    return ModelLicenseFacts.model_validate({**values, **overrides})


def ids(decision) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.policy_id for r in decision.reasons}


def test_an_offer_needs_distribute_model_on_every_training_license(engine: PolicyEngine) -> None:
    refused = engine.decide(offer({"train"}))
    assert refused.verdict.value == "block"
    assert "model.training-license-forbids-distribution" in ids(refused)
    assert engine.decide(offer({"train", "distribute_model"})).verdict.value == "pass"
    assert "license.territory-outside-scope" in ids(engine.decide(offer({"train", "distribute_model"}, {"FR"})))


def test_an_offer_takes_training_assets_only(engine: PolicyEngine) -> None:
    request = offer({"train"})
    with_match = request.model_copy(update={"context": request.context.model_copy(update={"declared_people": ["p"]})})
    with pytest.raises(FactsError):
        engine.decide(with_match)


@pytest.mark.parametrize("grant, touch, policy", [
    (None, "fine_tuned_base", "model.license-required"),
    (model_license(revoked=True), "fine_tuned_base", "model.license-revoked"),
    (model_license(uses=frozenset({"generate", "release"})), "fine_tuned_base", "model.fine-tune-not-permitted"),
    (model_license(uses=frozenset({"fine_tune", "generate"})), "fine_tuned_base", "model.use-outside-scope"),
    (model_license(media=frozenset({"theatrical"})), "licensed_model", "model.media-outside-scope"),
    (model_license(territories=frozenset({"FR"})), "licensed_model", "model.territory-outside-scope"),
    (model_license(starts_on=date(2026, 6, 1)), "licensed_model", "model.license-not-yet-in-force"),
    (model_license(starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31)), "licensed_model", "model.license-expired"),
])
def test_a_clip_made_with_another_partys_model_is_judged_under_its_license(
        engine: PolicyEngine, grant: ModelLicenseFacts | None, touch: str, policy: str) -> None:
    decision = engine.decide(clip(grant, touch))
    assert decision.verdict.value == "block" and policy in ids(decision)


def test_a_model_license_in_scope_clears_the_clip(engine: PolicyEngine) -> None:
    decision = engine.decide(clip(model_license()))
    assert decision.verdict.value == "pass"
    assert [f.relied_on.id for f in decision.findings if f.relied_on] == ["ML1"]
    # generating directly with the licensed model does not need fine_tune
    direct = model_license(uses=frozenset({"generate", "release"}))
    assert engine.decide(clip(direct, "licensed_model")).verdict.value == "pass"
