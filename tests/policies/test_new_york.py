"""The New York pack (GOL § 5-302, Civil Rights Law § 50-f) and how packs are chosen from territories.

Each case names the clause it exercises, as in ``test_statutes.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policies.decision import Verdict
from policies.engine import PolicyEngine
from policies.facts import PolicyRequest
from policies.jurisdictions import jurisdictions
from tests.policies.builders import decided, SIGNED_TERMS, consent, estate, match, person, release

PASS, REVIEW, BLOCK = Verdict.PASS, Verdict.REVIEW, Verdict.BLOCK
GOL_5302 = "N.Y. Gen. Oblig. Law § 5-302"
CRL_50F = "N.Y. Civ. Rights Law § 50-f"


def ny_consent(territories: set[str] | None = None, **changes: Any) -> PolicyRequest:
    """A New York contract of 2025, replacing in-person work, no reviewer's finding, counsel whose terms the
    performer signed (California's counsel prong holds) but not separately: void under § 5-302 alone."""
    fields = dict(governing_law="US-NY", executed_on=date(2025, 2, 1), specific_use_description=False,
                  replaces_in_person_work=True, representation="counsel", counsel_signed_terms_sha256=SIGNED_TERMS,
                  replica_terms_separately_signed=False, territories={"US", "US-CA", "US-NY"}) | changes
    p = person(consents=[consent(**fields)])
    return release(people=[p], declared_people=[p.id], territories=territories or {"US"})


def ny_decedent(died: date = date(2022, 3, 1), domicile: str | None = "US-NY", territories: set[str] | None = None,
                permissions: list[Any] = (), via: str = "declared") -> PolicyRequest:
    p = person(deceased=True, died_on=died, domicile_at_death=domicile, estate_permissions=list(permissions))
    if via == "face":
        return release(people=[p], matches=[match("person", p.id, "strong")], territories=territories or {"US-NY"})
    return release(people=[p], declared_people=[p.id], territories=territories or {"US-NY"})


def exception_record(**changes: Any) -> Any:
    return estate(exception="parody", legal_reviewer="J. Counsel", consent_on=date(2025, 6, 1), uses=set(),
                  media=set(), territories=set(), **changes)


CASES: list[tuple[str, PolicyRequest, Verdict, str | None]] = [
    # -- GOL § 5-302 ------------------------------------------------------------------------
    (f"{GOL_5302} | counsel, terms signed but not separately: void in New York", ny_consent(), BLOCK,
     "ny5302.unenforceable-consent"),
    (f"{GOL_5302} | counsel, replica terms separately signed", ny_consent(replica_terms_separately_signed=True),
     PASS, None),
    (f"{GOL_5302} | contract of 2024, never amended: outside the statute", ny_consent(executed_on=date(2024, 6, 1)),
     PASS, None),
    (f"{GOL_5302} | contract of 2024 amended in 2025: within the statute",
     ny_consent(executed_on=date(2024, 6, 1), modified_on=date(2025, 4, 1)), BLOCK, "ny5302.unenforceable-consent"),
    (f"{GOL_5302} | union representing the proposed work, agreement covering replicas", ny_consent(
        representation="union", union_agreement_version="sag_aftra_tv_2023", union_agreement_covers_replicas=True,
        union_represents_proposed_work=True), PASS, None),
    (f"{GOL_5302} | union whose members do not do the proposed work", ny_consent(
        representation="union", union_agreement_version="sag_aftra_tv_2023",
        union_agreement_covers_replicas=True), BLOCK, "ny5302.unenforceable-consent"),
    (f"{GOL_5302} | a New York contract judged even for a use in California only",
     ny_consent(territories={"US-CA"}), BLOCK, "ny5302.unenforceable-consent"),
    (f"{GOL_5302} | governing law not recorded, use reaching New York: review",
     ny_consent(governing_law=None), REVIEW, "ny5302.governing-law-not-recorded"),
    (f"{GOL_5302} | governing law not recorded, use in California only: New York not reached",
     ny_consent(governing_law=None, territories={"US-CA"}), PASS, None),
    (f"{GOL_5302} | California contract: New York's counsel rule does not apply",
     ny_consent(governing_law="US-CA"), PASS, None),
    # -- CRL § 50-f -------------------------------------------------------------------------
    (f"{CRL_50F} | New York performer died 2022, no permission", ny_decedent(), BLOCK, "ny50f.permission-required"),
    (f"{CRL_50F} | died 2021-05-28: before the right existed", ny_decedent(died=date(2021, 5, 28)), PASS, None),
    (f"{CRL_50F} | died 2021-05-29: the first day protected", ny_decedent(died=date(2021, 5, 29)), BLOCK,
     "ny50f.permission-required"),
    (f"{CRL_50F} | domiciled in New Jersey at death: New York's right does not apply",
     ny_decedent(domicile="US-NJ"), PASS, None),
    (f"{CRL_50F} | domicile at death not recorded: review", ny_decedent(domicile=None), REVIEW,
     "ny50f.domicile-not-recorded"),
    (f"{CRL_50F} | use in California only: the New York pack is not chosen (California's applies)",
     ny_decedent(territories={"US-CA"}), BLOCK, "ab1836.permission-required"),
    (f"{CRL_50F} | use in New York only: California's pack is not chosen",
     ny_decedent(domicile="US-CA", territories={"US-NY"}), PASS, None),
    (f"{CRL_50F} | estate permission from the rights holder",
     ny_decedent(permissions=[estate(territories={"US-NY"})]), PASS, None),
    (f"{CRL_50F} | signed-off parody exception: unsettled after the 2025 amendment, review",
     ny_decedent(permissions=[exception_record()]), REVIEW, "ny50f.exception-unsettled"),
    (f"{CRL_50F} | face match of a New York performer without permission", ny_decedent(via="face"), BLOCK,
     "similarity.face-without-consent"),
]


@pytest.mark.parametrize("name, request_, verdict, policy", CASES, ids=[c[0] for c in CASES])
def test_new_york_case(engine: PolicyEngine, name: str, request_: PolicyRequest, verdict: Verdict,
                       policy: str | None) -> None:
    decision, _explanation = decided(engine, request_, verdict, name)
    if policy is not None:
        reasons = [r for r in decision.reasons if r.policy_id == policy]
        assert reasons, f"{name}: {policy} not among {decision.determining_policy_ids}"
        expected = "US-CA" if policy.startswith(("ab1836", "similarity")) else "US-NY"
        assert all(r.jurisdiction == expected and r.clause for r in reasons)


def test_packs_are_chosen_by_territory() -> None:
    assert jurisdictions({"US"}) == {"US-CA", "US-NY", "US-TN"} == jurisdictions({"WORLD"})
    assert jurisdictions({"US-NY"}) == {"US-NY"}
    assert jurisdictions({"US-CA", "US-NY"}) == {"US-CA", "US-NY"}
    assert jurisdictions({"FR"}) == {"US-CA"}  # abroad: the studio's home law, failing closed


def test_the_use_date_of_the_fortieth_anniversary_is_protected(engine: PolicyEngine) -> None:
    """40 years after a 2022 death: the anniversary itself is protected, the day after is free."""
    p = person(deceased=True, died_on=date(2022, 3, 1), domicile_at_death="US-NY")
    on_anniversary = release(people=[p], declared_people=[p.id], territories={"US-NY"}, use_date=date(2062, 3, 1))
    day_after = release(people=[p], declared_people=[p.id], territories={"US-NY"}, use_date=date(2062, 3, 2))
    assert engine.decide(on_anniversary).verdict is BLOCK
    assert engine.decide(day_after).verdict is PASS
