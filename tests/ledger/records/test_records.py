"""Rights records: validation that names the field, references, revocation impact, redaction."""

from __future__ import annotations

import pytest

from ledger.context import Clearance
from ledger.errors import Conflict, ValidationFailed
from ledger.audit import replay, views
from ledger.records.kinds import KINDS
from ledger.records.redaction import redact_entry
from ledger.records.service import create_record, get_record, list_records, release_hold, revoke
from tests.ledger.records.builders import add, studio_world

@pytest.mark.parametrize("kind, data, field", [
    ("party", {"kind": "robot", "name": "X"}, "kind"),
    ("party", {"kind": "person", "name": "X", "died_on": "2999-01-01"}, "died_on"),
    ("party", {"kind": "person", "name": "X", "shoe_size": 9}, "shoe_size"),
    ("license", {"licensor_id": "a", "licensee_id": "b", "permitted_uses": ["sell_tickets"], "media": ["any"],
                 "territories": ["WORLD"], "starts_on": "2024-01-01"}, "permitted_uses.0"),
    ("license", {"licensor_id": "a", "licensee_id": "b", "permitted_uses": ["train"], "media": ["any"],
                 "territories": ["Atlantis"], "starts_on": "2024-01-01"}, "territories"),
    ("license", {"licensor_id": "a", "licensee_id": "b", "permitted_uses": ["train"], "media": ["any"],
                 "territories": ["US"], "starts_on": "2024-13-01"}, "starts_on"),
    ("license", {"licensor_id": "a", "licensee_id": "b", "permitted_uses": ["train"], "media": ["any"],
                 "territories": ["US"], "starts_on": "2024-01-01", "consideration": "lots"}, "consideration"),
    ("asset", {"role": "training_asset", "title": "t", "media_type": "video/mp4", "sha256": "xyz",
               "acquisition_method": "licensed"}, "sha256"),
    ("consent", {"performer_id": "p", "contract_ref": "c", "executed_on": "2025-01-01",
                 "replica_type": "background", "replaces_in_person_work": True, "representation": "counsel"},
     "counsel_name"),
])
def test_bad_values_are_rejected_naming_the_field(sqlite_ctx: Clearance, kind: str, data: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create_record(sqlite_ctx, KINDS[kind], data, "test")
    text = caught.value.diagnostics()
    assert field in text
    assert list_records(sqlite_ctx, KINDS[kind])[0] == 0  # nothing half-written


def test_references_must_exist(ctx: Clearance) -> None:
    with pytest.raises(ValidationFailed) as caught:
        add(ctx, "license", licensor_id="nobody", licensee_id="nobody", permitted_uses=["train"], media=["any"],
            territories=["US"], starts_on="2024-01-01")
    assert {p.field for p in caught.value.problems} == {"licensor_id", "licensee_id"}


def test_money_and_dates_round_trip_exactly(ctx: Clearance) -> None:
    studio = add(ctx, "party", kind="organisation", name="S")["id"]
    lic = add(ctx, "license", licensor_id=studio, licensee_id=studio, permitted_uses=["train"], media=["any"],
              territories=["US-CA"], starts_on="2024-02-29", consideration="1234567890123.45")
    again = get_record(ctx, KINDS["license"], lic["id"])
    assert again["consideration"] == "1234567890123.45" and again["starts_on"] == "2024-02-29"


def test_estate_permission_computes_expiry_and_checks_death(ctx: Clearance) -> None:
    dead = add(ctx, "party", kind="person", name="Late Star", died_on="1980-02-29")["id"]
    estate = add(ctx, "party", kind="estate", name="Estate")["id"]
    base = dict(decedent_id=dead, grantor_id=estate, grantor_kind="estate", consent_date="2025-01-01",
                registry_searched_on="2025-01-01")
    permission = add(ctx, "estate_permission", died_on="1980-02-29", **base)
    assert permission["rights_expire_on"] == "2050-02-28"
    with pytest.raises(ValidationFailed, match="died_on"):
        add(ctx, "estate_permission", died_on="1981-01-01", **base)
    # Issue 11: an exception without a reviewer's sign-off is recorded (the policies refuse to rely on it);
    # a sign-off date without the reviewer who gave it is still refused.
    unsigned = add(ctx, "estate_permission", died_on="1980-02-29", **{**base, "exception": "fleeting_or_incidental"})
    assert unsigned["exception"] == "fleeting_or_incidental" and unsigned["exception_reviewer"] is None
    with pytest.raises(ValidationFailed, match="exception_reviewer"):
        add(ctx, "estate_permission", died_on="1980-02-29",
            **{**base, "exception": "fleeting_or_incidental", "exception_reviewed_on": "2025-01-01"})


def test_revoking_a_license_lists_its_dependents(ctx: Clearance) -> None:
    w = studio_world(ctx)
    written, affected = revoke(ctx, KINDS["license"], w["license"], "licensor terminated", "test")
    assert affected == {"assets": [w["a1"]], "dataset_versions": [w["v1"]], "models": [w["m1"]], "released_clips": []}
    flags = get_record(ctx, KINDS["dataset_version"], w["v1"])["revocation_flags"]
    assert flags[0]["id"] == w["license"] and flags[0]["reason"] == "licensor terminated"
    assert written.record["revoked_at"] and written.record["revocation_reason"] == "licensor terminated"
    with pytest.raises(Conflict):
        revoke(ctx, KINDS["license"], w["license"], "again", "test")


def test_revoking_a_consent_lists_its_dependents(ctx: Clearance) -> None:
    w = studio_world(ctx)
    _, affected = revoke(ctx, KINDS["consent"], w["consent"], "performer withdrew", "test")
    assert affected == {"assets": [w["a2"]], "dataset_versions": [w["v2"]], "models": [w["m2"]], "released_clips": []}
    assert replay.verify(ctx).ok


def test_redaction_removes_personal_data_and_the_log_still_verifies(ctx: Clearance) -> None:
    w = studio_world(ctx)
    performer = get_record(ctx, KINDS["party"], w["performer"])
    redact_entry(ctx, performer["log_index"], "GDPR erasure request #12", "test")
    after = get_record(ctx, KINDS["party"], w["performer"])
    assert after["contact_email"] is None and after["name"] == "Ann Performer" and after["redacted"]
    entry = views.entries(ctx, performer["log_index"], 1)[0]
    assert entry["payload"] is None and entry["redacted"]
    report = replay.verify(ctx)
    assert report.ok, report.findings
    with pytest.raises(Conflict, match="already redacted"):
        redact_entry(ctx, performer["log_index"], "again", "test")


def test_legal_hold_blocks_redaction_until_released(ctx: Clearance) -> None:
    w = studio_world(ctx)
    performer = get_record(ctx, KINDS["party"], w["performer"])
    hold = create_record(ctx, KINDS["legal_hold"], {
        "matter": "Doe v. Studio", "record_kind": "party", "record_id": w["performer"],
        "placed_by": "General Counsel", "placed_on": "2026-01-05"}, "test").record
    with pytest.raises(Conflict, match="Doe v. Studio"):
        redact_entry(ctx, performer["log_index"], "erasure", "test")
    assert get_record(ctx, KINDS["party"], w["performer"])["contact_email"] == "ann@example.com"
    release_hold(ctx, hold["id"], "matter settled", "test")
    redact_entry(ctx, performer["log_index"], "erasure", "test")
    assert replay.verify(ctx).ok


def test_non_personal_entries_cannot_be_redacted(ctx: Clearance) -> None:
    w = studio_world(ctx)
    lic = get_record(ctx, KINDS["license"], w["license"])
    with pytest.raises(Conflict, match="no personal data"):
        redact_entry(ctx, lic["log_index"], "why not", "test")


def test_a_created_record_is_answered_exactly_as_it_is_read_back(ctx: Clearance,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The write answers from the row its insert returned (dates, JSON lists, enums, defaults): it must
    match what a later read gives, for every kind in a small world."""
    import tests.ledger.records.builders as builders

    answers: list[dict[str, object]] = []
    original = builders.add

    def recording_add(ctx: Clearance, record_kind: str, **data: object) -> dict[str, object]:
        answers.append(original(ctx, record_kind, **data))
        return answers[-1]

    monkeypatch.setattr(builders, "add", recording_add)
    builders.studio_world(ctx)
    assert {answer["record_type"] for answer in answers} >= {"party", "license", "consent", "asset", "dataset",
                                                              "dataset_version", "model"}
    for answer in answers:
        assert answer == get_record(ctx, KINDS[str(answer["record_type"])], str(answer["id"]))
