"""New York law through recorded facts and a real check: domicile at death, a New York registration, a
contract governed by New York law; and the columns ``clearance init`` adds to an older database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.checks.decide import decide
from ledger.checks.gather import gather
from ledger.checks.models import Clip
from ledger.context import Clearance
from ledger.errors import ConfigurationError, ValidationFailed
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, get_record
from ledger.setup import initialise
from tests.ledger.upgrading import drop_columns

PROJECT = "Harbor Lights (2026 feature)"


def add(ctx: Clearance, record_kind: str, /, **data: Any) -> dict[str, Any]:
    return create_record(ctx, KINDS[record_kind], data, "test").record


def check(ctx: Clearance, people: list[str], territories: list[str]) -> dict[str, Any]:
    clip = Clip(id="clp_ny", sha256="0" * 64, md5="0" * 32, sha1="0" * 40, size_bytes=1, filename="clip.mp4",
                service="svc", uses=["generate", "release"], project=PROJECT, media=["streaming"],
                territories=territories, release_date=date(2026, 6, 1), declared_people=people, log_index=0)
    with ctx.db.reader() as session:
        return decide(gather(session, clip, [], {"ran": [], "unavailable": {}}), ctx.policy_engine)


def reasons(decision: dict[str, Any], policy_id: str) -> list[dict[str, Any]]:
    return [r for r in decision["reasons"] if r["policy_id"] == policy_id]


def test_a_performer_who_died_domiciled_in_new_york_needs_the_rights_holders_consent_there(ctx: Clearance) -> None:
    performer = add(ctx, "party", kind="person", name="June Alder", died_on="2023-04-02",
                    domicile_at_death="US-NY")["id"]
    blocked = check(ctx, [performer], ["US-NY"])
    assert blocked["verdict"] == "block"
    [reason] = reasons(blocked, "ny50f.permission-required")
    assert reason["jurisdiction"] == "US-NY" and reason["clause"].startswith("N.Y. Civ. Rights Law § 50-f")
    assert {f["name"]: f["value"] for f in reason["facts"]}["resource.domicile_at_death"] == "US-NY"
    estate = add(ctx, "party", kind="estate", name="Estate of June Alder")["id"]
    permission = add(ctx, "estate_permission", decedent_id=performer, died_on="2023-04-02", domicile="US-NY",
                     grantor_id=estate, grantor_kind="estate", registry_searched_on="2025-01-05",
                     ny_registration_number="NY-DOS-DP-2024-0117", ny_registration_date="2024-02-01",
                     permitted_works=[PROJECT], permitted_uses=["generate", "release"], media=["streaming"],
                     territories=["US-NY"], consent_date="2025-03-01")
    assert permission["ny_registration_number"] == "NY-DOS-DP-2024-0117"
    cleared = check(ctx, [performer], ["US-NY"])
    assert cleared["verdict"] == "pass" and cleared["relied_on"] == [f"estate_permission:{permission['id']}"]


def test_a_decedent_without_a_recorded_domicile_goes_to_review_in_new_york(ctx: Clearance) -> None:
    performer = add(ctx, "party", kind="person", name="Ray Okafor", died_on="2024-09-09")["id"]
    decision = check(ctx, [performer], ["US-NY"])
    assert decision["verdict"] == "review" and reasons(decision, "ny50f.domicile-not-recorded")


def test_a_new_york_contract_needs_its_replica_terms_separately_signed(ctx: Clearance) -> None:
    performer = add(ctx, "party", kind="person", name="Lena Moss")["id"]
    use = {"project": PROJECT, "uses": ["generate", "release"], "media": ["streaming"],
           "territories": ["US-CA", "US-NY"]}
    terms = dict(performer_id=performer, contract_ref="NY-7", executed_on="2025-03-01", replica_type="employment_based",
                 replaces_in_person_work=True, intended_uses=[use], representation="counsel", counsel_name="A. Grey",
                 counsel_bar_number="NY-4471", signed_terms_sha256="cd" * 32, governing_law="US-NY")
    add(ctx, "consent", **terms)
    decision = check(ctx, [performer], ["US-CA"])  # a New York contract is judged wherever the clip is used
    assert decision["verdict"] == "block"
    [reason] = reasons(decision, "ny5302.unenforceable-consent")
    facts = {f["name"]: f["value"] for f in reason["facts"]}
    assert facts["context.consent.replica_terms_separately_signed"] is False
    assert facts["context.consent.executed_ymd"] == "2025-03-01"
    assert not reasons(decision, "ab2602.unenforceable-consent")  # California's counsel prong holds
    other = add(ctx, "party", kind="person", name="Lena Moss II")["id"]
    add(ctx, "consent", **(terms | {"performer_id": other, "replica_terms_separately_signed": True}))
    assert check(ctx, [other], ["US-CA"])["verdict"] == "pass"


def test_new_york_fields_are_validated(ctx: Clearance) -> None:
    with pytest.raises(ValidationFailed, match="domicile_at_death"):
        add(ctx, "party", kind="person", name="A", died_on="2024-01-01", domicile_at_death="New York")
    with pytest.raises(ValidationFailed, match="domicile_at_death needs died_on"):
        add(ctx, "party", kind="person", name="B", domicile_at_death="US-NY")


def test_init_adds_the_new_york_columns_to_an_older_database(ctx: Clearance) -> None:
    person = add(ctx, "party", kind="person", name="Old Record", died_on="2022-01-01")["id"]
    dropped = {"parties": ["domicile_at_death"],
               "performer_consents": ["union_represents_proposed_work", "replica_terms_separately_signed",
                                      "governing_law"],
               "estate_permissions": ["ny_registration_number", "ny_registration_date"]}
    drop_columns(ctx, dropped)  # what the previous version created
    with pytest.raises(ConfigurationError, match="clearance init"):
        ctx.check_ready()
    result = initialise(ctx)
    assert {f"{t}.{c}" for t, cs in dropped.items() for c in cs} <= set(result.upgraded)
    ctx.check_ready()
    assert get_record(ctx, KINDS["party"], person)["domicile_at_death"] is None
    assert check(ctx, [person], ["US-NY"])["verdict"] == "review"  # domicile not recorded
