"""The statutes, clause by clause: each case names the clause it exercises, the verdict it must get, the
policies that must decide it and, where one fact decides it, that fact as the reason quotes it.

AB 2602 is Cal. Labor Code 927; AB 1836 is Cal. Civil Code 3344.1 (term computed under Civil Code 10).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from policies.decision import Verdict
from policies.engine import PolicyEngine
from policies.facts import PolicyRequest
from tests.policies.builders import (
    decided,
    PROJECT,
    SIGNED_TERMS,
    TOMORROW,
    USE_DATE,
    YESTERDAY,
    asset,
    consent,
    estate,
    license_,
    match,
    person,
    release,
    signal,
    train,
)

PASS, REVIEW, BLOCK = Verdict.PASS, Verdict.REVIEW, Verdict.BLOCK

LAB_927_A = "Cal. Lab. Code § 927(a) (new performance by a replica fixed on or after 2025-01-01)"
LAB_927_A1 = "Cal. Lab. Code § 927(a)(1) (replaces in-person work; voice or likeness)"
LAB_927_A2 = "Cal. Lab. Code § 927(a)(2) (reasonably specific description, or consistent use)"
LAB_927_A3_COUNSEL = "Cal. Lab. Code § 927(a)(3) (counsel, terms signed or initialled)"
LAB_927_A3_UNION = "Cal. Lab. Code § 927(a)(3) (union agreement expressly addressing replicas)"
LAB_927_ALL = "Cal. Lab. Code § 927(a)(1)-(3) (all three conditions)"
SCOPE = "Consent scope as granted"
REVOCATION = "Revocation effective from its stated date"
CIV_3344_1_G = "Cal. Civ. Code § 3344.1(g) with § 10 (70 years, last day included)"
CIV_3344_1_A2 = "Cal. Civ. Code § 3344.1(a)(2) (prior consent; voice or likeness)"
CIV_3344_1_A3 = "Cal. Civ. Code § 3344.1(a)(3) (exceptions)"
CIV_3344_1_A1 = "Cal. Civ. Code § 3344.1(a)(1) (products, merchandise, goods, advertising)"
CIV_3344 = "Cal. Civ. Code § 3344(a) (voice or likeness of a living person)"
CAWG = "CAWG training-and-data-mining"
IPTC = "IPTC PLUS DataMining"
TDMREP = "W3C TDMRep"
ROBOTS = "RFC 9309 robots.txt"
AI_TXT = "ai.txt"


@dataclass(frozen=True)
class Case:
    clause: str
    name: str
    request: PolicyRequest
    verdict: Verdict
    policies: frozenset[str]
    fact: tuple[str, Any] | None

    def __str__(self) -> str:
        return f"{self.clause} | {self.name}"


def case(clause: str, name: str, request: PolicyRequest, verdict: Verdict, *policies: str,
         fact: tuple[str, Any] | None = None) -> Case:
    return Case(clause, name, request, verdict, frozenset(policies), fact)


# ---------------------------------------------------------------- request builders

def vague(**changes: Any) -> dict[str, Any]:
    """A consent meeting all three conditions of 927(a): replaces in-person work, no reviewed specific
    description, no consistent-use finding, unrepresented; the performance fixed in 2025."""
    return dict(specific_use_description=False, performance_fixed_on=date(2025, 3, 1),
                replaces_in_person_work=True, representation="none") | changes


def performer(aspect: str = "likeness", **consent_changes: Any) -> PolicyRequest:
    """A living performer declared in a release (their likeness, or their voice), relying on one consent."""
    p = person(consents=[consent(**consent_changes)])
    field = "declared_voices" if aspect == "voice" else "declared_people"
    return release(people=[p], **{field: [p.id]})


def performer_generated(day: date) -> PolicyRequest:
    """A vague consent relied on for a clip generated on ``day`` (used later, on USE_DATE)."""
    request = performer(**vague(performance_fixed_on=date(2023, 1, 1), starts_on=date(2023, 1, 1)))
    return request.model_copy(update={"context": request.context.model_copy(update={"generated_on": day})})


def blanket(**changes: Any) -> PolicyRequest:
    """A blanket grant: no projects, uses, media or territories named, recorded as blanket."""
    fields = vague(blanket=True, projects=set(), uses=set(), media=set(), territories=set(), ends_on=None) | changes
    return performer(**fields)


def died(day: date, use_date: date = USE_DATE, via: str = "declared", **changes: Any) -> PolicyRequest:
    p = person(deceased=True, died_on=day, **changes)
    if via == "face":
        return release(people=[p], matches=[match("person", p.id, "strong")], use_date=use_date)
    if via == "voice":
        return release(people=[p], matches=[match("person", p.id, "strong", "voice")], use_date=use_date)
    return release(people=[p], declared_people=[p.id], use_date=use_date)


def heir_permission(**changes: Any) -> PolicyRequest:
    return release(people=[person(deceased=True, died_on=date(1990, 1, 1),
                                  estate_permissions=[estate(**changes)])], declared_people=["person-1"])


def exception(reviewer: str | None = "J. Counsel", signed_on: date | None = date(2025, 6, 1),
              ground: str = "documentary", media: set[str] | None = None) -> PolicyRequest:
    record = estate(exception=ground, legal_reviewer=reviewer, consent_on=signed_on,
                    uses=set(), media=set(), territories=set())
    return release(people=[person(deceased=True, died_on=date(1990, 1, 1), estate_permissions=[record])],
                   declared_people=["person-1"], media=media or {"film"})


def opted_out(entry: str, value: str, constraint: str | None = None) -> PolicyRequest:
    return train([asset(licenses=[license_()], opt_outs=[signal(entry, value).model_copy(
        update={"constraint": constraint})])])


def ref_input(**licence_changes: Any) -> PolicyRequest:
    return release([asset(licenses=[license_(**licence_changes)])], reference_inputs=["asset-1"])


def voice_match(strength: str, **person_changes: Any) -> PolicyRequest:
    return release(people=[person(**person_changes)], matches=[match("person", "person-1", strength, "voice")])


GRANTS_TRAIN = json.dumps({"allowed_uses": ["train"]})
GRANTS_SEARCH = json.dumps({"allowed_uses": ["search_indexing"]})
PROSE = "Training allowed for non-commercial research models only; credit the photographer."
LEAP_DEATH = date(1956, 2, 29)  # the 70th anniversary, 29 February 2026, does not exist

CASES: list[Case] = [
    # -- AB 2602: the three conditions must all hold ----------------------------------------
    case(LAB_927_ALL, "all three conditions hold: unenforceable", performer(**vague()), BLOCK,
         "ab2602.unenforceable-consent", fact=("context.consent.representation", "none")),
    case(LAB_927_A1, "does not replace in-person work (condition 1 fails)",
         performer(**vague(replaces_in_person_work=False)), PASS),
    case(LAB_927_A2, "reviewer found the description specific (condition 2 fails)",
         performer(**vague(specific_use_description=True)), PASS),
    case(LAB_927_A2, "reviewer found it specific, but its media is 'any': broader than specific",
         performer(**vague(specific_use_description=True, any_media=True, media=set())), BLOCK,
         "ab2602.unenforceable-consent", fact=("context.consent.names_project_uses_media", False)),
    case(LAB_927_A2, "structured entry without a reviewer's determination is not specific",
         performer(**vague()), BLOCK, "ab2602.unenforceable-consent",
         fact=("context.consent.specific_use_description", False)),
    case(LAB_927_A2, "vague, but a reviewer found the use consistent with the fundamental character",
         performer(**vague(consistent_with_fundamental_character=True)), PASS),
    case(LAB_927_A3_COUNSEL, "counsel, terms signed or initialled (condition 3 fails)",
         performer(**vague(representation="counsel", counsel_signed_terms_sha256=SIGNED_TERMS)), PASS),
    case(LAB_927_A3_COUNSEL, "counsel without signed terms fails the counsel prong",
         performer(**vague(representation="counsel")), BLOCK, "ab2602.unenforceable-consent",
         fact=("context.consent.counsel_signed_terms_sha256", None)),
    case(LAB_927_A3_UNION, "union agreement expressly covering replicas (condition 3 fails)",
         performer(**vague(representation="union",
                           union_agreement_version="sag_aftra_tv_2023", union_agreement_covers_replicas=True)), PASS),
    case(LAB_927_A3_UNION, "union agreement silent on replicas",
         performer(**vague(representation="union", union_agreement_version="sag_aftra_tv_2023")), BLOCK, "ab2602.unenforceable-consent",
         fact=("context.consent.union_agreement_covers_replicas", False)),
    # -- AB 2602: the replica's new performance fixed on or after 2025-01-01 ------------------
    # The clip is the new performance: its generation date (else the use date) decides scope, never
    # the contract's date nor when the person's own performance was fixed.
    case(LAB_927_A, "2024 contract, original performance fixed 2024, clip made 2026: within the statute",
         performer(**vague(starts_on=date(2024, 3, 1), performance_fixed_on=date(2024, 3, 1))), BLOCK,
         "ab2602.unenforceable-consent", fact=("context.new_performance_ymd", USE_DATE.isoformat())),
    case(LAB_927_A, "replica performance generated 2024-12-31: outside the statute",
         performer_generated(date(2024, 12, 31)), PASS),
    case(LAB_927_A, "replica performance generated 2025-01-01: within the statute",
         performer_generated(date(2025, 1, 1)), BLOCK, "ab2602.unenforceable-consent",
         fact=("context.new_performance_ymd", "2025-01-01")),
    case(LAB_927_A, "no generation date: the use date dates the new performance",
         performer(**vague(performance_fixed_on=date(2023, 5, 1))), BLOCK, "ab2602.unenforceable-consent",
         fact=("context.new_performance_ymd", USE_DATE.isoformat())),
    case(LAB_927_A, "original fixation date missing: irrelevant to scope",
         performer(**vague(performance_fixed_on=None)), BLOCK, "ab2602.unenforceable-consent"),
    case(LAB_927_A, "original fixation date missing, the union prong holds",
         performer(**vague(performance_fixed_on=None, representation="union",
                           union_agreement_version="sag_aftra_tv_2023", union_agreement_covers_replicas=True)),
         PASS),
    # -- scope as granted, then enforceability: blanket grants ------------------------------
    case(LAB_927_A3_UNION, "blanket grant cleared by the union prong", blanket(
        representation="union", union_agreement_version="sag_aftra_tv_2023", union_agreement_covers_replicas=True), PASS),
    case(LAB_927_A3_COUNSEL, "blanket grant cleared by the counsel prong", blanket(
        representation="counsel", counsel_signed_terms_sha256=SIGNED_TERMS), PASS),
    case(LAB_927_A, "blanket grant, original performance fixed 2024, clip made 2026: unenforceable",
         blanket(performance_fixed_on=date(2024, 6, 1)), BLOCK, "ab2602.unenforceable-consent"),
    case(LAB_927_ALL, "blanket grant, unrepresented, fixed in 2025: unenforceable", blanket(), BLOCK,
         "ab2602.unenforceable-consent", fact=("context.consent.blanket", True)),
    case(LAB_927_A2, "blanket grant, use found consistent for this project", blanket(
        consistent_for_projects={PROJECT}), PASS),
    case(LAB_927_A2, "blanket grant, use found consistent only for another project", blanket(
        consistent_for_projects={"other-film"}), BLOCK, "ab2602.unenforceable-consent"),
    case(SCOPE, "no structured use and not blanket: the consent covers nothing",
         performer(**vague(projects=set(), uses=set(), media=set(), territories=set(), representation="union",
                           union_agreement_version="sag_aftra_tv_2023",
                           union_agreement_covers_replicas=True)), BLOCK, "consent.project-outside-scope",
         fact=("context.consent.projects", "(none)")),
    # -- revocation and its effective date --------------------------------------------------
    case(REVOCATION, "consent revoked with effect tomorrow: today's use is covered",
         performer(revoked=True, revoked_on=TOMORROW), PASS),
    case(REVOCATION, "consent revoked with effect on the day of the use",
         performer(revoked=True, revoked_on=USE_DATE), BLOCK, "consent.revoked",
         fact=("context.consent.revoked_ymd", USE_DATE.isoformat())),
    case(REVOCATION, "consent revoked with effect yesterday", performer(revoked=True, revoked_on=YESTERDAY),
         BLOCK, "consent.revoked"),
    case(REVOCATION, "consent revoked without a date: fail closed", performer(revoked=True), BLOCK, "consent.revoked",
         fact=("context.consent.revoked_ymd", None)),
    case(REVOCATION, "license revoked with effect tomorrow", ref_input(revoked=True, revoked_on=TOMORROW), PASS),
    case(REVOCATION, "license revoked with effect yesterday", ref_input(revoked=True, revoked_on=YESTERDAY), BLOCK,
         "license.revoked"),
    case(REVOCATION, "estate permission revoked with effect tomorrow",
         heir_permission(revoked=True, revoked_on=TOMORROW), PASS),
    case(REVOCATION, "estate permission revoked with effect yesterday",
         heir_permission(revoked=True, revoked_on=YESTERDAY), BLOCK, "ab1836.revoked"),
    # -- AB 1836: 70 years after death, the anniversary included ---------------------------
    case(CIV_3344_1_G, "day before the 70th anniversary", died(date(1956, 6, 16)), BLOCK,
         "ab1836.permission-required"),
    case(CIV_3344_1_G, "on the 70th anniversary: still protected", died(date(1956, 6, 15)), BLOCK,
         "ab1836.permission-required", fact=("resource.death_ymd", "1956-06-15")),
    case(CIV_3344_1_G, "day after the 70th anniversary: free", died(date(1956, 6, 14)), PASS),
    case(CIV_3344_1_G, "death on 29 February: use on 28 February of the 70th year is protected",
         died(LEAP_DEATH, use_date=date(2026, 2, 28)), BLOCK, "ab1836.permission-required"),
    case(CIV_3344_1_G, "death on 29 February: use on 1 March of the 70th year is free",
         died(LEAP_DEATH, use_date=date(2026, 3, 1)), PASS),
    case(CIV_3344_1_G, "face match on the anniversary", died(date(1956, 6, 15), via="face"), BLOCK,
         "similarity.face-without-consent"),
    case(CIV_3344_1_G, "voice match on the anniversary", died(date(1956, 6, 15), via="voice"), BLOCK,
         "similarity.voice-without-consent"),
    case(CIV_3344_1_G, "voice match the day after the anniversary", died(date(1956, 6, 14), via="voice"), PASS),
    # -- AB 1836: exceptions are recorded as they are, and judged -------------------------
    case(CIV_3344_1_A3, "exception signed off by a legal reviewer", exception("J. Counsel", date(2025, 6, 1)), PASS),
    case(CIV_3344_1_A3, "exception without sign-off names the missing reviewer", exception(None, None), BLOCK,
         "ab1836.exception-without-sign-off", fact=("context.estate_permission.legal_reviewer", None)),
    case(CIV_3344_1_A3, "exception with a reviewer but no sign-off date", exception("J. Counsel", None), BLOCK,
         "ab1836.exception-without-sign-off", fact=("context.estate_permission.consent_ymd", None)),
    # -- AB 1836: the exceptions qualify (a)(2) for expressive works; products and ads are (a)(1) --
    case(CIV_3344_1_A3, "sports exception in a television broadcast", exception(ground="sports", media={"television"}),
         PASS),
    case(CIV_3344_1_A1, "signed-off satire exception does not clear a product advertisement",
         exception(ground="satire", media={"advertising"}), BLOCK, "ab1836.exception-outside-expressive-work",
         fact=("context.estate_permission.exception", "satire")),
    case(CIV_3344_1_A1, "signed-off sports exception does not clear posters sold as merchandise",
         exception(ground="sports", media={"merchandise", "print"}), BLOCK,
         "ab1836.exception-outside-expressive-work", fact=("context.media", "merchandise, print")),
    case(CIV_3344_1_A3, "an advertisement for an exempt work is itself an exception",
         exception(ground="advertising_for_exempt_work", media={"advertising"}), PASS),
    case(CIV_3344_1_A3, "documentary exception in print: unsettled, a reviewer decides",
         exception(media={"print"}), REVIEW, "ab1836.exception-medium-unsettled"),
    # -- opt-outs: every source and value --------------------------------------------------
    *[case(CAWG, f"{entry}=constrained without details is not allowed", opted_out(entry, "constrained"), BLOCK,
           "opt-out.training-mining")
      for entry in ("cawg.ai_training", "cawg.ai_generative_training", "cawg.data_mining", "c2pa.ai_training")],
    case(CAWG, "constrained with details in prose: review, quoting them",
         opted_out("cawg.ai_training", "constrained", PROSE), REVIEW, "opt-out.constraint-needs-review",
         fact=("resource.mining_constraints", f"cawg.ai_training=constrained: {PROSE}")),
    case(CAWG, "constrained with machine-readable details granting training", opted_out(
        "cawg.ai_training", "constrained", GRANTS_TRAIN), PASS),
    case(CAWG, "constrained with machine-readable details granting something else", opted_out(
        "cawg.data_mining", "constrained", GRANTS_SEARCH), REVIEW, "opt-out.constraint-needs-review"),
    case(CAWG, "legacy c2pa label constrained with details", opted_out(
        "c2pa.ai_generative_training", "constrained", PROSE), REVIEW, "opt-out.constraint-needs-review"),
    case(CAWG, "allowed", opted_out("cawg.ai_training", "allowed"), PASS),
    case(IPTC, "DMI-ALLOWED-WITHCONSTRAINTS without the constraint is not allowed",
         opted_out("plus:DataMining", "DMI-ALLOWED-WITHCONSTRAINTS"), BLOCK, "opt-out.training-mining",
         fact=("resource.mining_signals", "plus:DataMining=DMI-ALLOWED-WITHCONSTRAINTS")),
    case(IPTC, "DMI-ALLOWED-WITHCONSTRAINTS with a constraint in prose: review",
         opted_out("plus:DataMining", "DMI-ALLOWED-WITHCONSTRAINTS", PROSE), REVIEW,
         "opt-out.constraint-needs-review"),
    case(IPTC, "DMI-ALLOWED-WITHCONSTRAINTS with a machine-readable grant of training",
         opted_out("plus:DataMining", "DMI-ALLOWED-WITHCONSTRAINTS", GRANTS_TRAIN), PASS),
    case(IPTC, "DMI-PROHIBITED-SEECONSTRAINT with a constraint in prose: review",
         opted_out("plus:DataMining", "DMI-PROHIBITED-SEECONSTRAINT", PROSE), REVIEW,
         "opt-out.constraint-needs-review"),
    case(IPTC, "DMI-PROHIBITED-SEECONSTRAINT without the constraint",
         opted_out("plus:DataMining", "DMI-PROHIBITED-SEECONSTRAINT"), BLOCK, "opt-out.training-mining"),
    case(IPTC, "DMI-PROHIBITED", opted_out("plus:DataMining", "DMI-PROHIBITED"), BLOCK, "opt-out.training-mining"),
    case(IPTC, "DMI-ALLOWED", opted_out("plus:DataMining", "DMI-ALLOWED"), PASS),
    case(TDMREP, "tdm-reservation=1", opted_out("tdm-reservation", "1"), BLOCK, "opt-out.training-mining"),
    case(TDMREP, "tdm-reservation=0", opted_out("tdm-reservation", "0"), PASS),
    case(ROBOTS, "robots.txt disallow", opted_out("robots", "disallow"), BLOCK, "opt-out.training-mining",
         fact=("resource.mining_signals", "robots=disallow")),
    case(ROBOTS, "robots.txt allow", opted_out("robots", "allow"), PASS),
    case(AI_TXT, "ai.txt disallow", opted_out("ai.txt", "disallow"), BLOCK, "opt-out.training-mining"),
    case(AI_TXT, "ai.txt allow", opted_out("ai.txt", "allow"), PASS),
    # -- voice versus likeness --------------------------------------------------------------
    case(LAB_927_A1, "declared voice, consent for likeness alone", performer("voice"), BLOCK,
         "consent.voice-not-covered", fact=("context.consent.covers_voice", False)),
    case(LAB_927_A1, "declared voice, consent covering the voice", performer("voice", covers_voice=True), PASS),
    case(LAB_927_A1, "declared likeness, consent for the voice alone",
         performer(covers_voice=True, covers_likeness=False), BLOCK, "consent.likeness-not-covered"),
    case(LAB_927_A1, "voice replica judged for enforceability like a likeness",
         performer("voice", **vague(covers_voice=True)), BLOCK, "ab2602.unenforceable-consent"),
    case(CIV_3344, "declared voice of a living person without consent",
         release(people=[person()], declared_voices=["person-1"]), BLOCK, "ab2602.consent-required",
         fact=("context.touch.aspect", "voice")),
    case(CIV_3344, "strong voice match without consent", voice_match("strong"), BLOCK,
         "similarity.voice-without-consent", fact=("context.touch.channel", "voice")),
    case(CIV_3344, "grey voice match without consent", voice_match("grey"), REVIEW,
         "similarity.grey-voice-without-consent"),
    case(CIV_3344, "strong voice match, consent for likeness alone", voice_match(
        "strong", consents=[consent()]), BLOCK, "consent.voice-not-covered"),
    case(CIV_3344, "strong voice match, consent covering voice", voice_match(
        "strong", consents=[consent(covers_voice=True)]), PASS),
    case(CIV_3344, "face match, consent for the voice alone", release(
        people=[person(consents=[consent(covers_voice=True, covers_likeness=False)])],
        matches=[match("person", "person-1", "strong")]), BLOCK, "consent.likeness-not-covered"),
    case(CIV_3344_1_A2, "deceased's voice, estate permission for likeness alone", release(
        people=[person(deceased=True, died_on=date(1990, 1, 1), estate_permissions=[estate()])],
        declared_voices=["person-1"]), BLOCK, "ab1836.voice-not-covered"),
    case(CIV_3344_1_A2, "deceased's voice, estate permission covering the voice", release(
        people=[person(deceased=True, died_on=date(1990, 1, 1), estate_permissions=[estate(covers_voice=True)])],
        declared_voices=["person-1"]), PASS),
    case(CIV_3344_1_A2, "deceased's voice match, estate permission for likeness alone", release(
        people=[person(deceased=True, died_on=date(1990, 1, 1), estate_permissions=[estate()])],
        matches=[match("person", "person-1", "strong", "voice")]), BLOCK, "ab1836.voice-not-covered"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_statute_case(engine: PolicyEngine, case: Case) -> None:
    decision, explanation = decided(engine, case.request, case.verdict, case)
    ids = set(decision.determining_policy_ids)
    assert case.policies <= ids, f"{case}: expected {sorted(case.policies)} among {sorted(ids)}\n{explanation}"
    if case.verdict is PASS:
        assert ids == {"base.cleared-unless-forbidden"}
    for reason in decision.reasons:
        if reason.policy_id in case.policies:
            assert reason.clause, f"{reason.policy_id} cites no clause"
    if case.fact is not None:
        name, value = case.fact
        quoted = {(f.name, f.value) for r in decision.reasons if r.policy_id in case.policies for f in r.facts}
        assert (name, value) in quoted, f"{case}: {name}={value!r} not among {sorted(quoted, key=str)}"


def test_every_case_names_its_clause_and_is_unique() -> None:
    assert all(c.clause.strip() for c in CASES)
    assert len({str(c) for c in CASES}) == len(CASES)


def test_every_shipped_policy_cites_its_clause_and_is_in_the_readme_table(engine: PolicyEngine) -> None:
    readme = (engine.directory / "README.md").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| ") and "|" in line[2:]]
    for policy in engine.policies:
        assert policy.clause, f"{policy.id} ({policy.file}:{policy.line}) has no @clause"
        assert policy.effect == "permit" or policy.facts, f"{policy.id} has no @facts"
        named = f"`{policy.id}`" in readme or f"`{policy.id.split('.')[0]}.*`" in readme
        assert named and any(policy.id.split(".")[0] in row for row in table), f"{policy.id} not in the table"


def test_a_reason_reads_the_grant_it_was_tried_with(engine: PolicyEngine) -> None:
    """Two consents, two reasons: each quotes its own grant's facts, not the other's."""
    request = release(people=[person(consents=[consent("c-a", **vague()),
                                               consent("c-b", **vague(representation="counsel"))])],
                      declared_people=["person-1"])
    by_grant = {(r.grant.id if r.grant else None): r for r in engine.decide(request).reasons}
    assert by_grant["c-a"].policy_id == by_grant["c-b"].policy_id == "ab2602.unenforceable-consent"
    assert ("context.consent.representation", "none") in {(f.name, f.value) for f in by_grant["c-a"].facts}
    assert ("context.consent.representation", "counsel") in {(f.name, f.value) for f in by_grant["c-b"].facts}


def test_every_reason_names_its_jurisdiction_and_clause(engine: PolicyEngine) -> None:
    """Reasons say whose law decided them: a replica under California's § 927, a scope under the grant's terms."""
    request = release(people=[person(consents=[consent(**vague(projects={"other-film"}))])],
                      declared_people=["person-1"])
    reasons = engine.decide(request).reasons
    assert {(r.policy_id, r.jurisdiction) for r in reasons} >= {
        ("ab2602.unenforceable-consent", "US-CA"), ("consent.project-outside-scope", "contract")}
    assert all(r.clause and r.jurisdiction for r in reasons)
    assert all(p.jurisdiction for p in engine.policies), [p.id for p in engine.policies if not p.jurisdiction]


def test_an_exception_reason_names_a1_or_a3(engine: PolicyEngine) -> None:
    """A product ad relying on an exception is refused under (a)(1); an exception without sign-off under (a)(3)."""
    ad = engine.decide(exception(ground="satire", media={"advertising"}))
    clauses = {r.policy_id: r.clause or "" for r in ad.reasons}
    assert "§ 3344.1(a)(1)" in clauses["ab1836.exception-outside-expressive-work"]
    unsigned = engine.decide(exception(None, None))
    assert all("(a)(3)" in (r.clause or "") for r in unsigned.reasons
               if r.policy_id == "ab1836.exception-without-sign-off")
