"""Tennessee's ELVIS Act through recorded facts and a real check: a living Tennessean, the post-mortem right's
continuation after 10 years, and a voice model dedicated to one performer (check and model license); the
columns ``clearance init`` adds to an older database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.checks.decide import decide
from ledger.checks.gather import gather
from ledger.checks.models import Clip
from ledger.context import Clearance
from ledger.errors import ConfigurationError, Conflict, ValidationFailed
from ledger.records import models as m
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, get_record
from ledger.setup import initialise
from tests.ledger.upgrading import drop_columns

PROJECT = "Graceland Nights (2026 special)"


def add(ctx: Clearance, record_kind: str, /, **data: Any) -> dict[str, Any]:
    return create_record(ctx, KINDS[record_kind], data, "test").record


def check(ctx: Clearance, territories: list[str], voices: tuple[str, ...] = (), model_id: str | None = None,
          release_date: date = date(2026, 6, 1)) -> dict[str, Any]:
    clip = Clip(id="clp_tn", sha256="0" * 64, md5="0" * 32, sha1="0" * 40, size_bytes=1, filename="clip.mp4",
                service="svc", model_id=model_id, uses=["generate", "release"], project=PROJECT, media=["streaming"],
                territories=territories, release_date=release_date, declared_voices=list(voices), log_index=0)
    with ctx.db.reader() as session:
        return decide(gather(session, clip, [], {"ran": [], "unavailable": {}}), ctx.policy_engine)


def reasons(decision: dict[str, Any], policy_id: str) -> list[dict[str, Any]]:
    return [r for r in decision["reasons"] if r["policy_id"] == policy_id]


def voice_consent(ctx: Clearance, performer: str, territories: list[str]) -> dict[str, Any]:
    use = {"project": PROJECT, "uses": ["generate", "release"], "media": ["streaming"], "territories": territories}
    return add(ctx, "consent", performer_id=performer, contract_ref="TN-1", executed_on="2025-03-01",
               replica_type="independently_created", replaces_in_person_work=False, intended_uses=[use],
               representation="none", governing_law="US-TN", covers_voice=True, covers_likeness=False)


def test_a_living_tennesseans_voice_needs_authorisation_wherever_released(ctx: Clearance) -> None:
    singer = add(ctx, "party", kind="person", name="Dolly Vance", domicile="US-TN")["id"]
    decision = check(ctx, ["US-GA"], voices=(singer,))
    assert decision["verdict"] == "block"
    [reason] = reasons(decision, "elvis.authorization-required")
    assert reason["jurisdiction"] == "US-TN" and "-1105(a)(2)" in reason["clause"]
    assert {f["name"]: f["value"] for f in reason["facts"]}["resource.domicile"] == "US-TN"
    voice_consent(ctx, singer, ["US"])  # a consent for the United States covers Georgia
    assert check(ctx, ["US-GA"], voices=(singer,))["verdict"] == "pass"


def test_the_post_mortem_right_continues_while_its_holder_uses_it(ctx: Clearance) -> None:
    person = add(ctx, "party", kind="person", name="Earl Pryor", died_on="2012-03-01", domicile_at_death="US-TN")
    assert check(ctx, ["US-TN"], voices=(person["id"],))["verdict"] == "review"  # nothing recorded after 10 years
    used = add(ctx, "party", kind="person", name="Earl Pryor II", died_on="2012-03-01", domicile_at_death="US-TN",
               elvis_use_established_through="2025-12-31")
    blocked = check(ctx, ["US-TN"], voices=(used["id"],))
    assert blocked["verdict"] == "block"
    [reason] = reasons(blocked, "elvis.permission-required")
    facts = {f["name"]: f["value"] for f in reason["facts"]}
    assert facts["resource.elvis_use_established_through_ymd"] == "2025-12-31"
    lapsed = add(ctx, "party", kind="person", name="Earl Pryor III", died_on="2012-03-01", domicile_at_death="US-TN",
                 elvis_nonuse_from="2021-01-01")
    assert check(ctx, ["US-TN"], voices=(lapsed["id"],))["verdict"] == "pass"  # ended by 2024-03-01


def test_elvis_fields_are_validated(ctx: Clearance) -> None:
    with pytest.raises(ValidationFailed, match="needs died_on"):
        add(ctx, "party", kind="person", name="A", elvis_use_established_through="2025-01-01")
    with pytest.raises(ValidationFailed, match="elvis_nonuse_to needs elvis_nonuse_from"):
        add(ctx, "party", kind="person", name="B", died_on="2010-01-01", elvis_nonuse_to="2025-01-01")
    singer = add(ctx, "party", kind="person", name="C")["id"]
    with pytest.raises(ValidationFailed, match="dedicated_aspects"):
        add(ctx, "model", name="Voice", version="1", dedicated_person_id=singer)
    with pytest.raises(ValidationFailed, match="dedicated_person_id"):
        add(ctx, "model", name="Voice", version="1", dedicated_aspects=["voice"])
    with pytest.raises(ValidationFailed, match="dedicated_person_id"):
        add(ctx, "model", name="Voice", version="1", dedicated_person_id="pty_missing", dedicated_aspects=["voice"])


def voice_model(ctx: Clearance, **changes: Any) -> dict[str, str]:
    studio = add(ctx, "party", kind="organisation", name="Studio")["id"]
    label = add(ctx, "party", kind="organisation", name="Label")["id"]
    singer = add(ctx, "party", kind="person", name="Hank Lowe", domicile="US-TN")["id"]
    voice_consent(ctx, singer, ["US"])
    model = add(ctx, "model", name="Hank Lowe voice", version="1", developer_id=studio, dedicated_person_id=singer,
                dedicated_aspects=["voice"], **changes)["id"]
    return {"studio": studio, "label": label, "singer": singer, "model": model}


def offer(ctx: Clearance, w: dict[str, str]) -> dict[str, Any]:
    return add(ctx, "model_license", licensor_id=w["studio"], licensee_id=w["label"], model_id=w["model"],
               permitted_uses=["generate", "release"], media=["streaming"], territories=["US"],
               starts_on="2026-01-01")


def test_offering_a_voice_model_without_elvis_authorisation_is_refused_naming_the_clause(ctx: Clearance) -> None:
    w = voice_model(ctx)
    with pytest.raises(Conflict) as refused:
        offer(ctx, w)
    assert "elvis.tool-distribution-unauthorized" in str(refused.value)
    [named] = [c for c in refused.value.extra["clauses"] if c["policy_id"] == "elvis.tool-distribution-unauthorized"]
    assert named["jurisdiction"] == "US-TN" and "47-25-1105(a)(3)" in named["clause"]


def test_an_authorised_voice_model_may_be_offered_and_its_clips_judge_the_singer(ctx: Clearance) -> None:
    authorisation = {"authorized_by": "", "authorized_on": "2025-12-01", "covers": ["voice"],
                     "distribution_permitted": True, "document_sha256": "ef" * 32}
    singer = add(ctx, "party", kind="person", name="Ida Bell", domicile="US-TN")["id"]
    studio = add(ctx, "party", kind="organisation", name="Studio")["id"]
    label = add(ctx, "party", kind="organisation", name="Label")["id"]
    model = add(ctx, "model", name="Ida Bell voice", version="1", developer_id=studio, dedicated_person_id=singer,
                dedicated_aspects=["voice"], elvis_authorization=authorisation | {"authorized_by": singer})
    assert model["elvis_authorization"]["covers"] == ["voice"]
    offer(ctx, {"studio": studio, "label": label, "model": model["id"]})  # not refused
    # a clip made with it carries Ida Bell's voice, declared or not: no consent, blocked wherever released
    decision = check(ctx, ["US-CA"], model_id=model["id"])
    assert decision["verdict"] == "block"
    assert {r["subject_id"] for r in reasons(decision, "ab2602.consent-required")} == {singer}


def test_a_clip_from_an_unauthorised_voice_model_goes_to_review_under_tennessee_law(ctx: Clearance) -> None:
    w = voice_model(ctx)
    decision = check(ctx, ["US-TN"], model_id=w["model"])
    assert decision["verdict"] == "review"
    [reason] = reasons(decision, "elvis.tool-used-without-authorization")
    assert reason["jurisdiction"] == "US-TN" and reason["subject_id"] == w["model"]
    assert {f["name"]: f["value"] for f in reason["facts"]}["resource.dedicated_to"] == w["singer"]


def test_init_adds_the_tennessee_and_union_columns_to_an_older_database(ctx: Clearance) -> None:
    person = add(ctx, "party", kind="person", name="Old Record", died_on="2012-01-01", domicile_at_death="US-TN")
    dropped = {"parties": ["elvis_use_established_through", "elvis_nonuse_from", "elvis_nonuse_to"],
               "ai_models": ["dedicated_person_id", "dedicated_aspects", "elvis_authorization"],
               "performer_consents": ["union_agreement_version", "synthetic_performer_use", "union_notified_on",
                                      "scan_business_reason", "no_use_during_strike", "strike_periods"]}
    drop_columns(ctx, dropped)  # what the previous version created
    with pytest.raises(ConfigurationError, match="clearance init"):
        ctx.check_ready()
    result = initialise(ctx)
    assert {f"{t}.{c}" for t, cs in dropped.items() for c in cs} <= set(result.upgraded)
    ctx.check_ready()
    assert get_record(ctx, KINDS["party"], person["id"])["elvis_use_established_through"] is None
    assert check(ctx, ["US-TN"], voices=(person["id"],))["verdict"] == "review"  # continued use not recorded


def test_a_clip_made_with_another_partys_unauthorised_voice_model_is_blocked(ctx: Clearance) -> None:
    """The holder made the tool available to the clip's maker: the model license's offer fails § 47-25-1105(a)(3)."""
    w = voice_model(ctx)
    with ctx.db.transaction() as session:  # a model license recorded before the tool was registered as dedicated
        session.add(m.ModelLicense(id="mlc_old", log_index=0, licensor_id=w["studio"], licensee_id=w["label"],
                                   model_id=w["model"], permitted_uses=["generate", "release"], media=["streaming"],
                                   territories=["US"], starts_on=date(2026, 1, 1)))
    clip = Clip(id="clp_lic", sha256="0" * 64, md5="0" * 32, sha1="0" * 40, size_bytes=1, filename="clip.mp4",
                service="svc", model_id=w["model"], licensee_id=w["label"], uses=["generate", "release"],
                project=PROJECT, media=["streaming"], territories=["US-TN"], release_date=date(2026, 6, 1),
                log_index=0)
    with ctx.db.reader() as session:
        gathered = gather(session, clip, [], {"ran": [], "unavailable": {}})
        decision = decide(gathered, ctx.policy_engine)
    assert gathered.licensed_models == [w["model"]] and gathered.clip_models == [w["model"]]
    [model] = [mf for mf in gathered.models if mf.id == w["model"]]
    assert model.licenses and model.dedicated_to == w["singer"]  # one model: its license and its dedication
    assert decision["verdict"] == "block"
    [reason] = reasons(decision, "elvis.tool-distribution-unauthorized")
    assert reason["jurisdiction"] == "US-TN" and reason["subject_id"] == w["model"]
