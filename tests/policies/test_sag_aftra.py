"""SAG-AFTRA TV/Theatrical terms where a consent relies on the union prong (policies/sag_aftra.cedar)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policies.decision import Verdict
from policies.engine import PolicyEngine
from policies.facts import PolicyRequest
from tests.policies.builders import decided, USE_DATE, consent, person, release

PASS, REVIEW, BLOCK = Verdict.PASS, Verdict.REVIEW, Verdict.BLOCK


def union_consent(**changes: Any) -> PolicyRequest:
    """A union performer's consent, specific and in scope: only the agreement's own terms can stop it."""
    fields: dict[str, Any] = dict(representation="union", union_agreement_covers_replicas=True,
                                  union_represents_proposed_work=True, union_agreement_version="sag_aftra_tv_2026",
                                  scan_business_reason=True)
    p = person(consents=[consent(**(fields | changes))])
    return release(people=[p], declared_people=[p.id])


STRIKE = dict(strike_started_on=date(2026, 5, 1))
CASES = [
    ("2026 agreement, every term on record", union_consent(), PASS, None),
    ("union prong, agreement version not recorded", union_consent(union_agreement_version=None), REVIEW,
     "sag.agreement-version-not-recorded"),
    ("use inside a strike still on, the consent bars use during a strike",
     union_consent(**STRIKE, no_use_during_strike=True), BLOCK, "sag.replica-use-during-strike"),
    ("use inside a strike, the strike term not recorded", union_consent(**STRIKE), REVIEW,
     "sag.strike-term-unsettled"),
    ("the strike ended before the use", union_consent(**STRIKE, strike_ended_on=date(2026, 6, 1),
                                                      no_use_during_strike=True), PASS, None),
    ("the strike ends on the use date: still inside it",
     union_consent(**STRIKE, strike_ended_on=USE_DATE, no_use_during_strike=True), BLOCK,
     "sag.replica-use-during-strike"),
    ("synthetic performer, no notice to the union", union_consent(synthetic_performer_use=True), REVIEW,
     "sag.synthetic-performer-notice-not-recorded"),
    ("synthetic performer, notice given before the use",
     union_consent(synthetic_performer_use=True, union_notified_on=date(2026, 2, 1)), PASS, None),
    ("2026 agreement, a scan with no business reason recorded", union_consent(scan_business_reason=False), REVIEW,
     "sag.scan-business-reason-not-recorded"),
    ("2023 agreement: the 2026 business-reason term does not apply",
     union_consent(scan_business_reason=False, union_agreement_version="sag_aftra_tv_2023"), PASS, None),
    ("independently created replica: no scan", union_consent(scan_business_reason=False,
                                                             replica_type="independently_created"), PASS, None),
    ("counsel, not the union prong: the union's terms are not read",
     union_consent(representation="counsel", counsel_signed_terms_sha256="ab" * 32, union_agreement_version=None,
                   **STRIKE), PASS, None),
]


@pytest.mark.parametrize("name, request_, verdict, policy", CASES, ids=[c[0] for c in CASES])
def test_sag_aftra_terms(engine: PolicyEngine, name: str, request_: PolicyRequest, verdict: Verdict,
                         policy: str | None) -> None:
    decision, explanation = decided(engine, request_, verdict, name)
    if policy is not None:
        # a blocked grant leaves the candidate relying on none beside it (no consent: blocked too)
        assert policy in decision.determining_policy_ids, explanation
        [reason] = [r for r in decision.reasons if r.policy_id == policy]
        assert reason.jurisdiction == "contract" and reason.clause and reason.clause.startswith("SAG-AFTRA")
