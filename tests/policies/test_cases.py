"""Table-driven policy cases: each row is a request, the verdict it must get and
the policy ids that must determine it (for ``pass``: none of the forbid policies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from policies.decision import Verdict
from policies.engine import PolicyEngine
from policies.facts import PolicyRequest
from tests.policies.builders import (
    decided,
    SIGNED_TERMS,
    TOMORROW,
    USE_DATE,
    YESTERDAY,
    asset,
    consent,
    dead,
    estate,
    license_,
    match,
    person,
    release,
    replica,
    signal,
    train,
    years_before,
)

PASS, REVIEW, BLOCK = Verdict.PASS, Verdict.REVIEW, Verdict.BLOCK


@dataclass(frozen=True)
class Case:
    name: str
    request: PolicyRequest
    verdict: Verdict
    policies: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return self.name


def case(name: str, request: PolicyRequest, verdict: Verdict, *policies: str) -> Case:
    return Case(name, request, verdict, frozenset(policies))


def ref_input(lic=None, **asset_changes) -> PolicyRequest:
    """Release of a clip made with asset-1 as a reference input."""
    licenses = [] if lic is None else [lic]
    return release([asset(licenses=licenses, **asset_changes)], reference_inputs=["asset-1"])


def declared(p, **context) -> PolicyRequest:
    """Release of a clip in which person ``p`` is declared."""
    return release(people=[p], declared_people=[p.id], **context)


def ab2602(**consent_changes) -> PolicyRequest:
    """A declared living performer relying on one consent with the given terms."""
    return declared(person(consents=[consent(**consent_changes)]))


def exception_record(kind: str, reviewer: str | None) -> PolicyRequest:
    record = estate(exception=kind, legal_reviewer=reviewer, uses=set(), media=set(), territories=set())
    return declared(dead(40, estate_permissions=[record]))


def opted_out(entry: str, value: str) -> PolicyRequest:
    """Training on a licensed asset that carries one opt-out signal."""
    return train([asset(licenses=[license_()], opt_outs=[signal(entry, value)])])


TRAINING_MINING_ENTRIES = ["cawg.ai_training", "cawg.ai_generative_training", "cawg.data_mining",
                           "c2pa.ai_training", "c2pa.ai_generative_training", "c2pa.data_mining"]
IPTC_PROHIBITIONS = ["DMI-PROHIBITED", "DMI-PROHIBITED-AIMLTRAINING", "DMI-PROHIBITED-GENAIMLTRAINING",
                     "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "DMI-PROHIBITED-SEECONSTRAINT"]

AB1836_EXCEPTIONS = ["news", "public_affairs", "sports", "comment", "criticism", "scholarship", "satire",
                     "parody", "documentary", "historical", "biographical", "fleeting_or_incidental",
                     "advertising_for_exempt_work"]

CASES: list[Case] = [
    # -- license scope ---------------------------------------------------------
    case("licensed reference input in scope", ref_input(license_()), PASS),
    case("reference input without license", ref_input(), BLOCK, "license.required"),
    case("license expired yesterday", ref_input(license_(ends_on=YESTERDAY)), BLOCK, "license.expired"),
    case("license ending today still covers", ref_input(license_(ends_on=USE_DATE)), PASS),
    case("license starting tomorrow", ref_input(license_(starts_on=TOMORROW)), BLOCK, "license.not-yet-in-force"),
    case("license territory outside scope", ref_input(license_(territories={"FR"})), BLOCK,
         "license.territory-outside-scope"),
    case("worldwide license covers any territory",
         release([asset(licenses=[license_(worldwide=True, territories=set())])], reference_inputs=["asset-1"],
                 territories={"JP", "BR"}), PASS),
    case("license media outside scope", ref_input(license_(media={"tv"})), BLOCK, "license.media-outside-scope"),
    case("license for any media", ref_input(license_(any_media=True, media=set())), PASS),
    case("license use outside scope", ref_input(license_(uses={"train"})), BLOCK, "license.use-outside-scope"),
    case("revoked license", ref_input(license_(revoked=True)), BLOCK, "license.revoked"),
    case("one expired and one valid license",
         release([asset(licenses=[license_("old", ends_on=YESTERDAY), license_("new")])],
                 reference_inputs=["asset-1"]), PASS),
    case("train under license covering training", train([asset(licenses=[license_()])]), PASS),
    case("train under license without training", train([asset(licenses=[license_(uses={"distribute"})])]),
         BLOCK, "license.use-outside-scope"),
    case("train on unlicensed asset", train([asset()]), BLOCK, "license.required"),
    # -- opt-outs ------------------------------------------------------------------
    case("IPTC prohibition (vocabulary URI) blocks train",
         train([asset(licenses=[license_()], opt_outs=[
             signal("plus:DataMining", "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING")])]),
         BLOCK, "opt-out.training-mining"),
    case("TDM reservation blocks train",
         train([asset(licenses=[license_()], opt_outs=[signal("tdm-reservation", "1")])]),
         BLOCK, "opt-out.training-mining"),
    *[case(f"opt-out {entry}={value} blocks train", opted_out(entry, value), BLOCK, "opt-out.training-mining")
      for entry in TRAINING_MINING_ENTRIES for value in ("notAllowed", "constrained")],
    *[case(f"opt-out {entry}=allowed does not block train", opted_out(entry, "allowed"), PASS)
      for entry in TRAINING_MINING_ENTRIES],
    *[case(f"IPTC {code} blocks train", opted_out("plus:DataMining", code), BLOCK, "opt-out.training-mining")
      for code in IPTC_PROHIBITIONS],
    case("IPTC DMI-ALLOWED does not block train", opted_out("plus:DataMining", "DMI-ALLOWED"), PASS),
    case("IPTC DMI-UNSPECIFIED does not block train", opted_out("plus:DataMining", "DMI-UNSPECIFIED"), PASS),
    case("inference opt-out does not block train", opted_out("cawg.ai_inference", "notAllowed"), PASS),
    case("allowed signal does not block train",
         train([asset(licenses=[license_()], opt_outs=[signal("cawg.ai_training", "allowed"),
                                                        signal("tdm-reservation", "0")])]), PASS),
    case("opt-out does not block release",
         ref_input(license_(), opt_outs=[signal("cawg.ai_training", "notAllowed")]), PASS),
    # -- similarity ----------------------------------------------------------------
    case("no match at all", release(), PASS),
    case("strong match to unlicensed work",
         release([asset()], matches=[match("asset", "asset-1", "strong")]), BLOCK,
         "similarity.strong-match-unlicensed"),
    case("grey match to unlicensed work",
         release([asset()], matches=[match("asset", "asset-1", "grey", "semantic")]), REVIEW,
         "similarity.grey-match-unlicensed"),
    case("strong match to licensed work",
         release([asset(licenses=[license_()])], matches=[match("asset", "asset-1", "strong")]), PASS),
    case("grey match to work whose license expired",
         release([asset(licenses=[license_(ends_on=YESTERDAY)])], matches=[match("asset", "asset-1", "grey")]),
         REVIEW, "similarity.grey-match-unlicensed"),
    case("strong match to work whose license expired",
         release([asset(licenses=[license_(ends_on=YESTERDAY)])], matches=[match("asset", "asset-1", "strong")]),
         BLOCK, "similarity.strong-match-unlicensed", "license.expired"),
    case("strong and grey matches: block wins",
         release([asset("a"), asset("b")], matches=[match("asset", "a", "grey"), match("asset", "b", "strong")]),
         BLOCK, "similarity.strong-match-unlicensed"),
    case("face of registered person without consent",
         release(people=[person()], matches=[match("person", "person-1", "strong")]), BLOCK,
         "similarity.face-without-consent"),
    case("grey face of registered person without consent",
         release(people=[person()], matches=[match("person", "person-1", "grey")]), REVIEW,
         "similarity.grey-face-without-consent"),
    case("face of registered person with consent",
         release(people=[person(consents=[consent()])], matches=[match("person", "person-1", "strong")]), PASS),
    case("face of person dead 69 years without permission",
         release(people=[dead(69)], matches=[match("person", "person-1", "strong")]), BLOCK,
         "similarity.face-without-consent"),
    case("face of person dead 71 years",
         release(people=[dead(71)], matches=[match("person", "person-1", "strong")]), PASS),
    case("prompt names protected work without license",
         release([asset()], prompt_works=["asset-1"]), REVIEW, "prompt.work-title-unlicensed"),
    # -- AB 2602 ---------------------------------------------------------------------
    case("original performance fixed 2024-12-31, vague, unrepresented: the 2026 clip is a new performance",
         ab2602(performance_fixed_on=date(2024, 12, 31), specific_use_description=False), BLOCK,
         "ab2602.unenforceable-consent"),
    case("performance fixed 2025-01-01, vague, unrepresented",
         ab2602(performance_fixed_on=date(2025, 1, 1), specific_use_description=False), BLOCK,
         "ab2602.unenforceable-consent"),
    case("performance fixed 2025-01-01 with specific description",
         ab2602(performance_fixed_on=date(2025, 1, 1), specific_use_description=True), PASS),
    case("vague but consistent with fundamental character",
         ab2602(specific_use_description=False, consistent_with_fundamental_character=True), PASS),
    case("counsel with signed terms",
         ab2602(specific_use_description=False, representation="counsel", counsel_signed_terms_sha256=SIGNED_TERMS),
         PASS),
    case("counsel without signed terms",
         ab2602(specific_use_description=False, representation="counsel"), BLOCK, "ab2602.unenforceable-consent"),
    case("union agreement covering replicas",
         ab2602(specific_use_description=False, representation="union",
                union_agreement_version="sag_aftra_tv_2023", union_agreement_covers_replicas=True),
         PASS),
    case("union agreement silent on replicas",
         ab2602(specific_use_description=False, representation="union",
                union_agreement_version="sag_aftra_tv_2023"), BLOCK, "ab2602.unenforceable-consent"),
    case("union flag does not help counsel representation",
         ab2602(specific_use_description=False, representation="counsel", union_agreement_covers_replicas=True),
         BLOCK, "ab2602.unenforceable-consent"),
    case("does not replace in-person work",
         ab2602(specific_use_description=False, replaces_in_person_work=False), PASS),
    case("revoked consent", ab2602(revoked=True), BLOCK, "consent.revoked"),
    case("consent for another project", ab2602(projects={"other-film"}), BLOCK, "consent.project-outside-scope"),
    case("consent use outside scope", ab2602(uses={"train"}), BLOCK, "consent.use-outside-scope"),
    case("consent territory outside scope", ab2602(territories={"GB"}), BLOCK, "consent.territory-outside-scope"),
    case("consent media outside scope", ab2602(media={"social"}), BLOCK, "consent.media-outside-scope"),
    case("consent expired yesterday", ab2602(ends_on=YESTERDAY), BLOCK, "consent.expired"),
    case("consent starting tomorrow", ab2602(starts_on=TOMORROW), BLOCK, "consent.not-yet-in-force"),
    case("declared living person without consent", declared(person()), BLOCK, "ab2602.consent-required"),
    case("prompt names living person without consent",
         release(people=[person()], prompt_people=["person-1"]), BLOCK, "ab2602.consent-required"),
    case("replica with consent covering replicas", replica([person(consents=[consent()])]), PASS),
    case("replica with consent not covering replicas",
         replica([person(consents=[consent(uses={"distribute"})])]), BLOCK, "consent.use-outside-scope"),
    case("revoked consent, second valid consent",
         declared(person(consents=[consent("c-old", revoked=True), consent("c-new")])), PASS),
    # -- AB 1836 ---------------------------------------------------------------------
    case("died 69 years ago, no permission", declared(dead(69)), BLOCK, "ab1836.permission-required"),
    case("died 71 years ago, no permission", declared(dead(71)), PASS),
    # Issue 11: under Civil Code 10 the 70th anniversary is the last protected day (was PASS).
    case("died exactly 70 years ago today", declared(dead(70)), BLOCK, "ab1836.permission-required"),
    case("70th anniversary of death is tomorrow",
         declared(person(deceased=True, died_on=years_before(70, TOMORROW))), BLOCK, "ab1836.permission-required"),
    case("estate permission covering the use", declared(dead(40, estate_permissions=[estate()])), PASS),
    case("estate consent dated the day of use",
         declared(dead(40, estate_permissions=[estate(consent_on=USE_DATE)])), BLOCK, "ab1836.consent-not-prior"),
    case("estate consent dated after the use",
         declared(dead(40, estate_permissions=[estate(consent_on=TOMORROW)])), BLOCK, "ab1836.consent-not-prior"),
    case("estate permission for another work",
         declared(dead(40, estate_permissions=[estate(works={"other-film"})])), BLOCK, "ab1836.work-outside-scope"),
    case("estate permission territory outside scope",
         declared(dead(40, estate_permissions=[estate(territories={"FR"})])), BLOCK,
         "ab1836.territory-outside-scope"),
    case("estate permission media outside scope",
         declared(dead(40, estate_permissions=[estate(media={"tv"})])), BLOCK, "ab1836.media-outside-scope"),
    case("estate permission use outside scope",
         declared(dead(40, estate_permissions=[estate(uses={"generate"})])), BLOCK, "ab1836.use-outside-scope"),
    case("estate permission expired yesterday",
         declared(dead(40, estate_permissions=[estate(ends_on=YESTERDAY)])), BLOCK, "ab1836.term-outside-scope"),
    case("revoked estate permission",
         declared(dead(40, estate_permissions=[estate(revoked=True)])), BLOCK, "ab1836.revoked"),
    case("estate permission for a living person",
         declared(person(estate_permissions=[estate()])), BLOCK, "ab2602.consent-required"),
    case("own consent surviving death", declared(dead(10, consents=[consent()])), PASS),
    case("own consent limited to life", declared(dead(10, consents=[consent(survives_death=False)])), BLOCK,
         "ab1836.permission-required", "consent.ended-at-death"),
    case("prompt names deceased performer",
         release(people=[dead(30)], prompt_people=["person-1"]), BLOCK, "ab1836.permission-required"),
    case("exception that is not statutory", exception_record("fan_tribute", "J. Counsel"), BLOCK,
         "ab1836.exception-not-statutory"),
    *[case(f"AB 1836 exception {kind} signed off", exception_record(kind, "J. Counsel"), PASS)
      for kind in AB1836_EXCEPTIONS],
    *[case(f"AB 1836 exception {kind} without sign-off", exception_record(kind, None), BLOCK,
           "ab1836.exception-without-sign-off") for kind in AB1836_EXCEPTIONS],
    # -- training data depicting people ---------------------------------------------
    case("training asset depicting consenting performer",
         train([asset(licenses=[license_()], people_depicted=["person-1"])],
               [person(consents=[consent(projects={"model-1"})])]), PASS),
    case("training asset depicting performer without consent",
         train([asset(licenses=[license_()], people_depicted=["person-1"])], [person()]), BLOCK,
         "ab2602.consent-required"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_policy_case(engine: PolicyEngine, case: Case) -> None:
    decision, _explanation = decided(engine, case.request, case.verdict, case.name)
    ids = set(decision.determining_policy_ids)
    assert case.policies <= ids, f"{case.name}: expected {sorted(case.policies)} among {sorted(ids)}"
    if case.verdict is PASS:
        assert ids == {"base.cleared-unless-forbidden"} or not decision.findings
    assert not any(r.policy_id.startswith("engine.") for f in decision.findings for r in f.reasons)
    assert decision.policy_set_hash == engine.policy_set_hash


def test_table_has_enough_cases() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"
