"""The Tennessee pack (ELVIS Act): a post-mortem right of 10 years, continuing while used, by domicile at death."""

from __future__ import annotations

from datetime import date

import pytest

from policies.decision import Verdict
from policies.engine import PolicyEngine
from policies.facts import ModelFacts, PolicyRequest, RequestContext
from tests.policies.builders import decided, USE_DATE, consent, estate, person, release

PASS, REVIEW, BLOCK = Verdict.PASS, Verdict.REVIEW, Verdict.BLOCK
ELVIS = "Tenn. Code Ann. § 47-25-1104 (ELVIS Act)"


def decedent(died: date, domicile: str | None = "US-TN", territories: frozenset[str] = frozenset({"US-TN"}),
             with_permission: bool = False, covers_voice: bool = False) -> PolicyRequest:
    permissions = [estate(territories={"US-TN"}, covers_voice=covers_voice)] if with_permission else []
    p = person(deceased=True, died_on=died, domicile_at_death=domicile, estate_permissions=permissions)
    return release(people=[p], declared_voices=[p.id], territories=set(territories))


CASES = [
    (f"{ELVIS} | voice of a Tennessean dead 3 years, no permission", decedent(date(2023, 5, 1)), BLOCK,
     "elvis.permission-required"),
    (f"{ELVIS} | on the 10th anniversary: still protected", decedent(USE_DATE.replace(year=USE_DATE.year - 10)), BLOCK,
     "elvis.permission-required"),
    (f"{ELVIS} | after 10 years: continues while used, which the records do not show",
     decedent(date(2001, 1, 1)), REVIEW, "elvis.continued-use-unknown"),
    (f"{ELVIS} | the holder's permission covers the likeness only, not the voice",
     decedent(date(2023, 5, 1), with_permission=True), BLOCK, "ab1836.voice-not-covered"),
    (f"{ELVIS} | the holder's permission covering the voice",
     decedent(date(2023, 5, 1), with_permission=True, covers_voice=True), PASS, None),
    (f"{ELVIS} | domiciled in Georgia at death: Tennessee's right does not apply",
     decedent(date(2023, 5, 1), domicile="US-GA"), PASS, None),
    (f"{ELVIS} | domicile not recorded, within 10 years: review", decedent(date(2023, 5, 1), domicile=None), REVIEW,
     "elvis.domicile-not-recorded"),
    # changed (issue 21, item 6): the post-mortem right follows the domicile at death wherever the use is
    (f"{ELVIS} | use outside Tennessee (US-NY only): the right follows the domicile at death",
     decedent(date(2023, 5, 1), territories=frozenset({"US-NY"})), BLOCK, "elvis.permission-required"),
]


@pytest.mark.parametrize("name, request_, verdict, policy", CASES, ids=[c[0] for c in CASES])
def test_tennessee_case(engine: PolicyEngine, name: str, request_: PolicyRequest, verdict: Verdict,
                        policy: str | None) -> None:
    decision, explanation = decided(engine, request_, verdict, name)
    if policy is not None:
        assert policy in decision.determining_policy_ids, explanation
        if policy.startswith("elvis."):
            assert all(r.jurisdiction == "US-TN" for r in decision.reasons if r.policy_id == policy)


# -- item 6 of issue 21: the living, the continuation after 10 years, and tools -----------------------

LIVING = "Tenn. Code Ann. §§ 47-25-1103(a), -1105(a)(2) (ELVIS Act)"


def living(domicile: str | None = None, territories: frozenset[str] = frozenset({"US-TN"}),
           with_consent: bool = False) -> PolicyRequest:
    consents = [consent(territories={"US-TN", "US-GA"}, covers_voice=True)] if with_consent else []
    p = person(domicile=domicile, consents=consents)
    return release(people=[p], declared_voices=[p.id], territories=set(territories))


def continuing(**elvis: date | None) -> PolicyRequest:
    """A Tennessean who died 15 years before the use (2011-06-15), their voice used in Tennessee."""
    p = person(deceased=True, died_on=date(2011, 6, 15), domicile_at_death="US-TN", **elvis)
    return release(people=[p], declared_voices=[p.id], territories={"US-TN"})


LIVING_CASES = [
    (f"{LIVING} | a living person's voice released in Tennessee without authorisation", living(), BLOCK,
     "elvis.authorization-required"),
    (f"{LIVING} | a Tennessee domiciliary's voice released in Georgia only", living("US-TN", frozenset({"US-GA"})),
     BLOCK, "elvis.authorization-required"),
    (f"{LIVING} | their consent covering the use authorises it", living(with_consent=True), PASS, None),
    (f"{ELVIS}(b) | 15 years after death, holder's use established through last year: still protected",
     continuing(elvis_use_established_through=date(2025, 9, 1)), BLOCK, "elvis.permission-required"),
    (f"{ELVIS}(b) | use established only through 2023: more than two years before the use, review",
     continuing(elvis_use_established_through=date(2023, 1, 1)), REVIEW, "elvis.continued-use-unknown"),
    (f"{ELVIS}(b) | non-use through the two years after the tenth anniversary: the right ended",
     continuing(elvis_nonuse_from=date(2020, 1, 1), elvis_nonuse_to=date(2023, 7, 1)), PASS, None),
    (f"{ELVIS}(b) | a later two-year lapse: unsettled whether it ends the right, review",
     continuing(elvis_nonuse_from=date(2022, 1, 1)), REVIEW, "elvis.continued-use-unknown"),
    (f"{ELVIS}(b) | nothing recorded after 10 years: review", continuing(), REVIEW, "elvis.continued-use-unknown"),
]


@pytest.mark.parametrize("name, request_, verdict, policy", LIVING_CASES, ids=[c[0] for c in LIVING_CASES])
def test_elvis_living_and_continuation(engine: PolicyEngine, name: str, request_: PolicyRequest, verdict: Verdict,
                                       policy: str | None) -> None:
    decision, _explanation = decided(engine, request_, verdict, name)
    if policy is not None:
        [reason, *_] = [r for r in decision.reasons if r.policy_id == policy]
        assert reason.jurisdiction == "US-TN" and reason.clause and reason.clause.startswith("Tenn. Code Ann.")


def voice_model(**changes: object) -> ModelFacts:
    fields: dict[str, object] = dict(id="voice-model", name="Voice of person-1", dedicated_to="person-1",
                                     dedicated_aspects={"voice"})
    return ModelFacts(**(fields | changes))


def offer(tool: ModelFacts, territories: set[str]) -> PolicyRequest:
    context = RequestContext(action="offer_model", model_id=tool.id, project=f"model:{tool.id}",
                             uses={"distribute_model"}, territories=territories, use_date=USE_DATE)
    return PolicyRequest(context=context, models=[tool])


AUTHORISED = dict(tool_authorized_on=date(2026, 1, 10), tool_authorization_covers={"voice"},
                  tool_distribution_permitted=True)


@pytest.mark.parametrize("changes, territories, verdict", [
    ({}, {"US"}, BLOCK),                                                   # nationwide offer reaches Tennessee
    (AUTHORISED, {"US"}, PASS),
    (AUTHORISED | {"tool_distribution_permitted": False}, {"US"}, BLOCK),  # authorised for use, not distribution
    (AUTHORISED | {"tool_authorization_covers": {"likeness"}}, {"US"}, BLOCK),
    (AUTHORISED | {"tool_authorization_revoked_on": date(2026, 3, 1)}, {"US"}, BLOCK),
    ({}, {"FR"}, PASS),                                                    # outside Tennessee, not a Tennessean
    ({"dedicated_domicile": "US-TN"}, {"FR"}, BLOCK),                      # a Tennessean's tool, wherever offered
])
def test_offering_a_tool_dedicated_to_one_persons_voice(engine: PolicyEngine, changes: dict[str, object],
                                                        territories: set[str], verdict: Verdict) -> None:
    decision = engine.decide(offer(voice_model(**changes), territories))
    assert decision.verdict is verdict, [r.describe() for r in decision.reasons]
    if verdict is BLOCK:
        [reason] = decision.reasons
        assert reason.policy_id == "elvis.tool-distribution-unauthorized" and reason.jurisdiction == "US-TN"
        assert reason.clause and "47-25-1105(a)(3)" in reason.clause


def test_a_clip_from_an_unauthorised_voice_model_is_flagged_and_its_person_judged(engine: PolicyEngine) -> None:
    p = person(consents=[consent(covers_voice=True)])
    request = release(people=[p], models=[voice_model()], clip_models=["voice-model"])
    decision = engine.decide(request)
    assert decision.verdict is REVIEW, [r.describe() for r in decision.reasons]
    assert decision.determining_policy_ids == ["elvis.tool-used-without-authorization"]
    authorised = release(people=[p], models=[voice_model(**AUTHORISED)], clip_models=["voice-model"])
    assert engine.decide(authorised).verdict is PASS
    # the person the tool is dedicated to is judged as used, declared or not: no consent, blocked
    unconsented = release(people=[person()], models=[voice_model(**AUTHORISED)], clip_models=["voice-model"])
    blocked = engine.decide(unconsented)
    assert blocked.verdict is BLOCK and "ab2602.consent-required" in blocked.determining_policy_ids
