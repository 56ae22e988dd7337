"""SAG-AFTRA terms through recorded facts and a real check: a consent relying on the union prong records the
agreement version, strikes, a synthetic-performer use and the business reason for a scan."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.checks.decide import decide
from ledger.checks.gather import gather
from ledger.checks.models import Clip
from ledger.context import Clearance
from ledger.errors import ValidationFailed
from ledger.records.kinds import KINDS
from ledger.records.service import create_record

PROJECT = "Tidewater (2026 series)"


def add(ctx: Clearance, record_kind: str, /, **data: Any) -> dict[str, Any]:
    return create_record(ctx, KINDS[record_kind], data, "test").record


def union_performer(ctx: Clearance, **terms: Any) -> str:
    """A union performer whose consent is specific and in scope: only the agreement's own terms can stop it."""
    performer = add(ctx, "party", kind="person", name="Rosa Imai", union_affiliation="SAG-AFTRA")["id"]
    use = {"project": PROJECT, "uses": ["generate", "release"], "media": ["streaming"], "territories": ["US-CA"],
           "determination": {"specific": True, "reviewer": "L. Ortiz", "determined_on": "2026-01-05"}}
    fields = dict(performer_id=performer, contract_ref="NL-9", executed_on="2026-01-02", governing_law="US-CA",
                  replica_type="employment_based", replaces_in_person_work=True, intended_uses=[use],
                  representation="union", union_name="SAG-AFTRA", union_agreement="2026 TV/Theatrical",
                  union_agreement_covers_replicas=True, union_agreement_version="sag_aftra_tv_2026",
                  scan_business_reason="continuity shots for episodes 4-6 after the performer's wrap") | terms
    add(ctx, "consent", **fields)
    return performer


def check(ctx: Clearance, performer: str, release_date: date = date(2026, 8, 1)) -> dict[str, Any]:
    clip = Clip(id="clp_sag", sha256="0" * 64, md5="0" * 32, sha1="0" * 40, size_bytes=1, filename="clip.mp4",
                service="svc", uses=["generate", "release"], project=PROJECT, media=["streaming"],
                territories=["US-CA"], release_date=release_date, declared_people=[performer], log_index=0)
    with ctx.db.reader() as session:
        return decide(gather(session, clip, [], {"ran": [], "unavailable": {}}), ctx.policy_engine)


def named(decision: dict[str, Any], policy_id: str) -> dict[str, Any]:
    found = [r for r in decision["reasons"] if r["policy_id"] == policy_id]
    assert found, [r["policy_id"] for r in decision["reasons"]]
    assert found[0]["jurisdiction"] == "contract" and found[0]["clause"].startswith("SAG-AFTRA")
    return {f["name"]: f["value"] for f in found[0]["facts"]}


def test_every_term_on_record_passes(ctx: Clearance) -> None:
    assert check(ctx, union_performer(ctx))["verdict"] == "pass"


def test_the_union_prong_without_an_agreement_version_goes_to_review(ctx: Clearance) -> None:
    decision = check(ctx, union_performer(ctx, union_agreement_version=None))
    assert decision["verdict"] == "review"
    assert named(decision, "sag.agreement-version-not-recorded")["context.consent.union_agreement_version"] is None


def test_a_use_inside_a_recorded_strike_is_blocked(ctx: Clearance) -> None:
    strikes = [{"starts_on": "2025-01-10", "ends_on": "2025-02-01", "union": "SAG-AFTRA"},
               {"starts_on": "2026-07-14", "union": "SAG-AFTRA", "note": "TV/Theatrical strike"}]
    performer = union_performer(ctx, strike_periods=strikes, no_use_during_strike=True)
    decision = check(ctx, performer)
    assert decision["verdict"] == "block"
    facts = named(decision, "sag.replica-use-during-strike")
    assert facts["context.consent.strike_started_ymd"] == "2026-07-14"
    assert facts["context.consent.strike_ended_ymd"] is None
    assert check(ctx, performer, release_date=date(2026, 7, 1))["verdict"] == "pass"  # before the strike
    unsaid = union_performer(ctx, strike_periods=strikes)  # the strike term not recorded
    assert check(ctx, unsaid)["verdict"] == "review"


def test_a_synthetic_performer_needs_notice_to_the_union(ctx: Clearance) -> None:
    decision = check(ctx, union_performer(ctx, synthetic_performer_use=True))
    assert decision["verdict"] == "review"
    assert named(decision, "sag.synthetic-performer-notice-not-recorded")["context.consent.union_notified_ymd"] is None
    noticed = union_performer(ctx, synthetic_performer_use=True, union_notified_on="2026-03-01")
    assert check(ctx, noticed)["verdict"] == "pass"


def test_a_2026_scan_without_a_business_reason_goes_to_review(ctx: Clearance) -> None:
    decision = check(ctx, union_performer(ctx, scan_business_reason=None))
    assert decision["verdict"] == "review"
    assert named(decision, "sag.scan-business-reason-not-recorded")["context.consent.scan_business_reason"] is False


def test_union_terms_are_validated(ctx: Clearance) -> None:
    with pytest.raises(ValidationFailed, match="union_agreement_version"):
        union_performer(ctx, union_agreement_version="2026")
    with pytest.raises(ValidationFailed, match="ends_on"):
        union_performer(ctx, strike_periods=[{"starts_on": "2026-07-14", "ends_on": "2026-07-01"}])
