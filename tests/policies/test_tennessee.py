"""The Tennessee pack (ELVIS Act): a post-mortem right of 10 years, continuing while used, by domicile at death."""

from __future__ import annotations

from datetime import date

import pytest

from policies.decision import Verdict
from policies.engine import PolicyEngine
from policies.facts import PolicyRequest
from tests.policies.builders import USE_DATE, estate, person, release

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
    (f"{ELVIS} | use outside Tennessee (US-NY only): pack not chosen",
     decedent(date(2023, 5, 1), territories=frozenset({"US-NY"})), PASS, None),
]


@pytest.mark.parametrize("name, request_, verdict, policy", CASES, ids=[c[0] for c in CASES])
def test_tennessee_case(engine: PolicyEngine, name: str, request_: PolicyRequest, verdict: Verdict,
                        policy: str | None) -> None:
    decision = engine.decide(request_)
    explanation = "\n".join(r.describe() for r in decision.reasons)
    assert decision.verdict is verdict, f"{name}: got {decision.verdict}\n{explanation}"
    if policy is not None:
        assert policy in decision.determining_policy_ids, explanation
        if policy.startswith("elvis."):
            assert all(r.jurisdiction == "US-TN" for r in decision.reasons if r.policy_id == policy)
