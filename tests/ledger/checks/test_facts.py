"""Records -> facts -> decision: each non-compliant fact of issue 11 can be recorded, and the check's decision
names the policy and the fact (the missing element) behind its verdict. Dates of use are compared with the
revocation's and the amendment's effective dates, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest

from ledger.checks.decide import decide
from ledger.checks.gather import gather
from ledger.checks.models import Clip
from ledger.checks.request import CheckRequest
from ledger.checks.training import audit_training
from ledger.context import Clearance
from ledger.records.amendments import amend
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, revoke
from tests.dates import TODAY

PROJECT = "Tidewater (2026 series)"
SIGNED_OFF = "2025-05-01"
_sha = count(1)


def add(ctx: Clearance, record_kind: str, /, **data: Any) -> dict[str, Any]:
    return create_record(ctx, KINDS[record_kind], data, "test").record


def performer(ctx: Clearance, name: str = "Rosa Imai", **party: Any) -> str:
    return add(ctx, "party", kind="person", name=name, **party)["id"]


def consent(ctx: Clearance, performer_id: str, **changes: Any) -> dict[str, Any]:
    """A 2025 performance, replacing in-person work, unrepresented, with one structured use and no
    reviewer's determination: all three conditions of Labor Code 927(a) hold unless ``changes`` say otherwise.
    A California contract: New York's GOL 5-302 (tests/ledger/checks/test_new_york_records.py) does not judge it."""
    use = {"project": PROJECT, "uses": ["generate", "release"], "media": ["streaming"], "territories": ["WORLD"]}
    fields = dict(performer_id=performer_id, contract_ref="NL-1", executed_on="2025-02-01",
                  performance_fixed_on="2025-03-01", replica_type="employment_based", replaces_in_person_work=True,
                  intended_uses=[use], representation="none", governing_law="US-CA") | changes
    return add(ctx, "consent", **fields)


def check(ctx: Clearance, release_date: date = date(2026, 6, 1), people: tuple[str, ...] = (),
          voices: tuple[str, ...] = ()) -> dict[str, Any]:
    """The decision a clip declaring ``people`` (likeness) and ``voices`` would get, with no media matches."""
    clip = Clip(id="clp_test", sha256="0" * 64, md5="0" * 32, sha1="0" * 40, size_bytes=1, filename="clip.mp4",
                service="svc", uses=["generate", "release"], project=PROJECT, media=["streaming"],
                territories=["US"], release_date=release_date, declared_people=list(people),
                declared_voices=list(voices), log_index=0)
    with ctx.db.reader() as session:
        gathered = gather(session, clip, [], {"ran": [], "unavailable": {}})
    return decide(gathered, ctx.policy_engine)


def reason(decision: dict[str, Any], policy_id: str) -> dict[str, Any]:
    found = [r for r in decision["reasons"] if r["policy_id"] == policy_id]
    assert found, f"{policy_id} not among {[r['policy_id'] for r in decision['reasons']]}"
    return found[0]


def fact(decision: dict[str, Any], policy_id: str, name: str) -> Any:
    facts = {f["name"]: f["value"] for f in reason(decision, policy_id)["facts"]}
    assert name in facts, f"{name} not quoted by {policy_id}: {facts}"
    return facts[name]


def test_counsel_without_signed_terms_is_recorded_and_fails_the_counsel_prong(ctx: Clearance) -> None:
    person = performer(ctx)
    record = consent(ctx, person, representation="counsel", counsel_name="D. Whitfield", counsel_bar_number="CA-1")
    assert record["signed_terms_sha256"] is None
    decision = check(ctx, people=(person,))
    assert decision["verdict"] == "block"
    assert fact(decision, "ab2602.unenforceable-consent", "context.consent.counsel_signed_terms_sha256") is None
    assert reason(decision, "ab2602.unenforceable-consent")["clause"].startswith("Cal. Lab. Code § 927(a)")


def test_a_signed_writing_satisfies_the_counsel_prong(ctx: Clearance) -> None:
    person = performer(ctx)
    consent(ctx, person, representation="counsel", counsel_name="D. Whitfield", counsel_bar_number="CA-1",
            signed_terms_sha256="ab" * 32)
    decision = check(ctx, people=(person,))
    assert decision["verdict"] == "pass" and decision["relied_on"] == [f"consent:{_consent_id(ctx, person)}"]


def _consent_id(ctx: Clearance, person: str) -> str:
    from sqlmodel import select

    from ledger.records import models as m
    with ctx.db.reader() as session:
        return session.exec(select(m.PerformerConsent.id).where(m.PerformerConsent.performer_id == person)).one()


def test_a_2024_contract_is_judged_by_927_for_a_clip_generated_in_2026(ctx: Clearance) -> None:
    """Labor Code 927(a) dates the replica's new performance (the clip), not the contract nor the original
    performance: a 2024 blanket grant, unrepresented, replacing in-person work, cannot clear a 2026 clip."""
    person = performer(ctx)
    consent(ctx, person, executed_on="2024-02-01", performance_fixed_on="2024-03-01", intended_uses=[],
            blanket_grant=True, intended_use_text="any and all uses in any media")
    decision = check(ctx, people=(person,))
    assert decision["verdict"] == "block"
    assert fact(decision, "ab2602.unenforceable-consent", "context.new_performance_ymd") == "2026-06-01"
    assert reason(decision, "ab2602.unenforceable-consent")["jurisdiction"] == "US-CA"


def test_the_original_fixation_date_neither_decides_nor_is_replaced_by_the_execution_date(ctx: Clearance) -> None:
    person = performer(ctx)
    consent(ctx, person, executed_on="2024-06-01", performance_fixed_on=None)  # signed in 2024, fixed: unknown
    decision = check(ctx, people=(person,))
    assert decision["verdict"] == "block"
    assert fact(decision, "ab2602.unenforceable-consent", "context.new_performance_ymd") == "2026-06-01"
    quoted = {f["name"] for r in decision["reasons"] for f in r["facts"]}
    assert "context.consent.performance_fixed_ymd" not in quoted


def test_a_reviewers_determination_per_intended_use_is_relied_on(ctx: Clearance) -> None:
    person = performer(ctx)
    determination = {"specific": True, "reviewer": "L. Ortiz (legal)", "determined_on": "2025-03-05"}
    use = {"project": PROJECT, "uses": ["generate", "release"], "media": ["streaming"], "territories": ["WORLD"]}
    consent(ctx, person, intended_uses=[use | {"determination": determination}])
    assert check(ctx, people=(person,))["verdict"] == "pass"
    other = performer(ctx, "Ben Ode")
    consent(ctx, other, intended_uses=[use])  # the same words, nobody's determination
    decision = check(ctx, people=(other,))
    assert fact(decision, "ab2602.unenforceable-consent", "context.consent.specific_use_description") is False


def test_a_blanket_grant_is_recorded_with_its_text_and_cleared_by_the_union_prong(ctx: Clearance) -> None:
    person = performer(ctx)
    record = consent(ctx, person, intended_uses=[], blanket_grant=True,
                     intended_use_text="any and all uses in any media now known or hereafter devised",
                     representation="union",
                     union_agreement_version="sag_aftra_tv_2023", union_name="SAG-AFTRA", union_agreement="2023 TV/Theatrical",
                     union_clause="Digital replicas", union_agreement_covers_replicas=True)
    assert record["blanket_grant"] is True
    assert check(ctx, people=(person,))["relied_on"] == [f"consent:{record['id']}"]
    silent = performer(ctx, "Ada Vale")
    consent(ctx, silent, intended_uses=[], blanket_grant=True, intended_use_text="all uses",
            representation="union",
            union_agreement_version="sag_aftra_tv_2023", union_name="SAG-AFTRA", union_agreement="2023 TV/Theatrical")
    decision = check(ctx, people=(silent,))
    assert decision["verdict"] == "block"
    assert fact(decision, "ab2602.unenforceable-consent", "context.consent.union_agreement_covers_replicas") is False


def test_an_exception_without_sign_off_or_grantor_is_recorded_and_named(ctx: Clearance) -> None:
    late = performer(ctx, "Victor Crane", died_on="1985-11-30")
    record = add(ctx, "estate_permission", decedent_id=late, died_on="1985-11-30", exception="documentary",
                 permitted_works=[PROJECT])
    assert record["grantor_id"] is None and record["exception_reviewer"] is None
    decision = check(ctx, people=(late,))
    assert decision["verdict"] == "block"
    assert fact(decision, "ab1836.exception-without-sign-off", "context.estate_permission.legal_reviewer") is None
    signed = performer(ctx, "Iris Lane", died_on="1985-11-30")
    add(ctx, "estate_permission", decedent_id=signed, died_on="1985-11-30", exception="documentary",
        permitted_works=[PROJECT], exception_reviewer="L. Ortiz (legal)", exception_reviewed_on=SIGNED_OFF)
    assert check(ctx, people=(signed,))["verdict"] == "pass"


def test_a_revocation_counts_from_its_effective_date(ctx: Clearance) -> None:
    person = performer(ctx)
    record = consent(ctx, person, representation="union",
                     union_agreement_version="sag_aftra_tv_2023", union_name="SAG-AFTRA", union_agreement="2023",
                     union_agreement_covers_replicas=True)
    revoke(ctx, KINDS["consent"], record["id"], "performer withdrew", "legal", revoked_on=date(2027, 1, 1))
    assert check(ctx, date(2026, 12, 31), people=(person,))["verdict"] == "pass"
    decision = check(ctx, date(2027, 1, 1), people=(person,))
    assert decision["verdict"] == "block"
    assert fact(decision, "consent.revoked", "context.consent.revoked_ymd") == "2027-01-01"


@pytest.mark.dated
def test_a_revocation_without_a_date_takes_effect_on_the_clocks_today(ctx: Clearance) -> None:
    """Issue 29: the revocation's day and the check's default use date come from the same clock."""
    person = performer(ctx)
    record = consent(ctx, person, representation="union",
                     union_agreement_version="sag_aftra_tv_2023", union_name="SAG-AFTRA", union_agreement="2023",
                     union_agreement_covers_replicas=True)
    revoke(ctx, KINDS["consent"], record["id"], "performer withdrew", "legal")
    assert check(ctx, TODAY - timedelta(days=1), people=(person,))["verdict"] == "pass"
    today = CheckRequest(service="svc", project=PROJECT, media=["streaming"], territories=["US"]).release_date
    decision = check(ctx, today, people=(person,))
    assert decision["verdict"] == "block"
    assert fact(decision, "consent.revoked", "context.consent.revoked_ymd") == TODAY.isoformat()


def test_a_use_before_an_amendment_is_judged_by_the_terms_then_in_force(ctx: Clearance) -> None:
    person = performer(ctx)
    use = {"project": "Other Film", "uses": ["generate", "release"], "media": ["streaming"], "territories": ["WORLD"]}
    record = consent(ctx, person, intended_uses=[use], representation="union",
                     union_agreement_version="sag_aftra_tv_2023", union_name="SAG-AFTRA",
                     union_agreement="2023", union_agreement_covers_replicas=True)
    amend(ctx, KINDS["consent"], record["id"], {"intended_uses": [use | {"project": PROJECT}]}, "rider", "legal",
          effective_on=date(2026, 2, 1))
    before = check(ctx, date(2026, 1, 31), people=(person,))
    assert before["verdict"] == "block"
    assert fact(before, "consent.project-outside-scope", "context.consent.projects") == "Other Film"
    assert check(ctx, date(2026, 2, 1), people=(person,))["verdict"] == "pass"


def test_the_record_and_the_policy_agree_on_the_last_day_for_a_death_on_29_february(ctx: Clearance) -> None:
    late = performer(ctx, "Leap Star", died_on="1956-02-29")
    estate = add(ctx, "party", kind="estate", name="Estate of Leap Star")["id"]
    permission = add(ctx, "estate_permission", decedent_id=late, died_on="1956-02-29", grantor_id=estate,
                     grantor_kind="estate", consent_date="2025-01-01", registry_searched_on="2025-01-01",
                     permitted_works=["Another Film"])
    last_day = date.fromisoformat(permission["rights_expire_on"])
    assert last_day == date(2026, 2, 28)
    assert check(ctx, last_day, people=(late,))["verdict"] == "block"
    assert check(ctx, date(2026, 3, 1), people=(late,))["verdict"] == "pass"


def test_a_likeness_consent_does_not_clear_a_voice(ctx: Clearance) -> None:
    person = performer(ctx)
    consent(ctx, person, representation="union",
            union_agreement_version="sag_aftra_tv_2023", union_name="SAG-AFTRA", union_agreement="2023",
            union_agreement_covers_replicas=True, covers_likeness=True, covers_voice=False)
    assert check(ctx, people=(person,))["verdict"] == "pass"
    decision = check(ctx, voices=(person,))
    assert decision["verdict"] == "block"
    assert fact(decision, "consent.voice-not-covered", "context.consent.covers_voice") is False


def test_every_opt_out_source_is_honoured_in_a_training_audit(ctx: Clearance) -> None:
    studio = add(ctx, "party", kind="organisation", name="Studio")["id"]
    lic = add(ctx, "license", licensor_id=studio, licensee_id=studio, permitted_uses=["train"], media=["any"],
              territories=["WORLD"], starts_on="2024-01-01")["id"]
    signals = {
        "robots": ("robots.txt", "robots", "disallow", None),
        "ai": ("ai.txt", "ai.txt", "disallow", None),
        "prose": ("cawg.training-mining", "cawg.ai_training", "constrained", "research models only"),
        "granted": ("iptc:plus:DataMining", "plus:DataMining", "DMI-ALLOWED-WITHCONSTRAINTS",
                    json.dumps({"allowed_uses": ["train"]})),
        "bare": ("iptc:plus:DataMining", "plus:DataMining", "DMI-ALLOWED-WITHCONSTRAINTS", None),
    }
    assets = {}
    for key, (source, entry, value, details) in signals.items():
        assets[key] = add(ctx, "asset", role="training_asset", title=key, media_type="image/png",
                          sha256=f"{next(_sha):064x}", acquisition_method="licensed", license_id=lic)["id"]
        add(ctx, "opt_out", asset_id=assets[key], source=source, entry=entry, value=value,
            constraint_details=details, read_from="https://example.com/", read_at="2025-01-01T00:00:00Z")
    dataset = add(ctx, "dataset", name="lib")["id"]
    version = add(ctx, "dataset_version", dataset_id=dataset, version="1", asset_ids=list(assets.values()))["id"]
    report = audit_training(ctx, version, use_date=date(2026, 6, 1))
    verdicts = {r["asset_id"]: r["verdict"] for r in report["results"]}
    assert {key: verdicts[ident] for key, ident in assets.items()} == {
        "robots": "block", "ai": "block", "prose": "review", "granted": "pass", "bare": "block"}
    prose = next(r for r in report["not_cleared"] if r["asset_id"] == assets["prose"])
    assert any("research models only" in line for line in prose["reasons"])
