"""A country's grant covers its subdivisions, and a nationwide use brings in every state pack (issue 21, item 5)."""

from __future__ import annotations

from datetime import date

import pytest

from policies.decision import Verdict
from policies.engine import PolicyEngine
from policies.jurisdictions import jurisdictions
from tests.policies.builders import asset, consent, dead, license_, person, release


@pytest.mark.parametrize("granted, used, verdict", [
    ({"US"}, {"US-NY"}, Verdict.PASS),               # the United States include New York
    ({"US"}, {"US-NY", "US-TN"}, Verdict.PASS),
    ({"US-NY"}, {"US"}, Verdict.BLOCK),              # New York alone does not cover a nationwide use
    ({"US-NY"}, {"US-CA"}, Verdict.BLOCK),
    ({"US"}, {"CA-QC"}, Verdict.BLOCK),              # Quebec is in Canada, not in the United States
])
def test_a_consent_for_a_country_covers_its_subdivisions(engine: PolicyEngine, granted: set[str], used: set[str],
                                                         verdict: Verdict) -> None:
    p = person(consents=[consent(territories=granted)])
    decision = engine.decide(release(people=[p], declared_people=[p.id], territories=used))
    assert decision.verdict is verdict, [r.describe() for r in decision.reasons]
    if verdict is Verdict.BLOCK:
        assert "consent.territory-outside-scope" in decision.determining_policy_ids


def test_a_license_for_the_us_covers_a_use_in_new_york(engine: PolicyEngine) -> None:
    work = asset("a", licenses=[license_(territories={"US"})])
    assert engine.decide(release([work], reference_inputs=["a"], territories={"US-NY"})).verdict is Verdict.PASS


def test_a_nationwide_release_is_judged_by_every_state_pack_that_reaches_it(engine: PolicyEngine) -> None:
    assert jurisdictions({"US"}) == {"US-CA", "US-NY", "US-TN"}
    assert jurisdictions({"US-NY"}) == {"US-NY"}
    new_yorker = dead(3, "ny", domicile_at_death="US-NY")
    tennessean = person("tn", deceased=True, died_on=date(2024, 1, 1), domicile_at_death="US-TN")
    living = person("alive")
    decision = engine.decide(release(people=[new_yorker, tennessean, living],
                                     declared_people=["ny", "tn", "alive"], territories={"US"}))
    by_jurisdiction = {(r.jurisdiction, r.policy_id) for r in decision.reasons}
    assert {("US-NY", "ny50f.permission-required"), ("US-TN", "elvis.permission-required"),
            ("US-TN", "elvis.authorization-required"), ("US-CA", "ab1836.permission-required"),
            ("US-CA", "ab2602.consent-required")} <= by_jurisdiction
