"""Changing a grant's terms: amendments (new terms on the row, history kept, refusals that name the field,
replay agrees) and consents that supersede earlier ones."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ledger.api.app import create_app
from ledger.auth.keys import create_key
from ledger.checks.facts import person_facts
from ledger.context import Clearance
from ledger.errors import ConfigurationError, Conflict, ValidationFailed
from ledger.audit import replay
from ledger.log import merkle, store
from ledger.log.note import open_checkpoint
from ledger.records import models as m
from ledger.records.amendments import amend
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, get_record, revoke
from ledger.setup import initialise
from tests.ledger.records.builders import studio_world
from tests.dates import TODAY
from tests.ledger.upgrading import drop_columns

DOCUMENT = "12" * 32
NEW_PROJECT = {"project": "Harbor Lights (2027)", "uses": ["generate", "release"], "media": ["theatrical"],
               "territories": ["US"]}


def _log_size(ctx: Clearance) -> int:
    with ctx.db.reader() as session:
        return store.tree_size(session)


def test_amending_a_consent_changes_its_terms_and_keeps_the_history(ctx: Clearance) -> None:
    w = studio_world(ctx)
    written, affected = amend(ctx, KINDS["consent"], w["consent"], {"intended_uses": [NEW_PROJECT]},
                              "rider signed for a new project", "legal", DOCUMENT, date(2026, 3, 1))
    record = written.record
    assert record["intended_uses"][0]["project"] == "Harbor Lights (2027)"
    [item] = record["amendments"]
    assert item["changed"] == {"intended_uses": {"from": [], "to": record["intended_uses"]}}
    assert (item["reason"], item["by"], item["document_sha256"], item["effective_on"]) == \
        ("rider signed for a new project", "legal", DOCUMENT, "2026-03-01")
    assert item["log_index"] == written.receipt.index
    # What relied on the consent is listed, as for a revocation.
    assert affected == {"assets": [w["a2"]], "dataset_versions": [w["v2"]], "models": [w["m2"]],
                        "released_clips": []}
    # The receipt proves the amendment against a signed checkpoint.
    checkpoint = open_checkpoint(written.receipt.checkpoint, ctx.log_key.verifier)
    with ctx.db.reader() as session:
        leaf = store.get_entry(session, written.receipt.index).leaf
        merkle.verify_inclusion(written.receipt.index, checkpoint.size, merkle.leaf_hash(leaf),
                                written.receipt.inclusion_proof, checkpoint.root)
        # Checks see the new terms: the consent now grants the new project.
        facts = person_facts(session, w["performer"]).consents
    assert [sorted(f.projects) for f in facts] == [["Harbor Lights (2027)"]]
    # A second amendment appends to the history; replaying the log rebuilds the same row.
    amend(ctx, KINDS["consent"], w["consent"], {"covers_voice": True}, "voice added", "legal")
    history = get_record(ctx, KINDS["consent"], w["consent"])["amendments"]
    assert [list(h["changed"]) for h in history] == [["intended_uses"], ["covers_voice"]]
    report = replay.verify(ctx)
    assert report.ok, report.findings


def test_amending_a_license_moves_the_assets_it_covers(ctx: Clearance) -> None:
    w = studio_world(ctx)
    amend(ctx, KINDS["license"], w["license"], {"asset_ids": [w["a3"]], "territories": ["US", "GB"]},
          "scope renegotiated", "legal", DOCUMENT)
    with ctx.db.reader() as session:
        covered = session.exec(select(m.LicenseAsset.asset_id).where(m.LicenseAsset.license_id == w["license"])).all()
    assert covered == [w["a3"]]
    # Revoking it now reaches the newly covered asset (and the one that names the license itself).
    _, affected = revoke(ctx, KINDS["license"], w["license"], "terminated", "legal")
    assert affected["assets"] == sorted([w["a1"], w["a3"]])
    assert replay.verify(ctx).ok


@pytest.mark.parametrize("kind, changes, field", [
    ("consent", {"performer_id": "someone-else"}, "changes.performer_id"),
    ("license", {"licensee_id": "someone-else"}, "changes.licensee_id"),
    ("consent", {"shoe_size": 9}, "changes.shoe_size"),
    ("consent", {"id": "new-id"}, "changes.id"),
    ("consent", {}, "changes"),
    ("consent", {"replica_type": "hologram"}, "changes.replica_type"),
    ("consent", {"intended_uses": [{**NEW_PROJECT, "territories": ["Atlantis"]}]}, "changes.intended_uses"),
    ("consent", {"representation": "counsel"}, "counsel_name"),
    ("license", {"ends_on": "2020-01-01"}, "ends_on"),
    ("license", {"asset_ids": ["ghost"]}, "asset_ids"),
    ("license", {"territories": ["WORLD"]}, "changes"),
])
def test_bad_amendments_are_refused_naming_the_field_and_write_nothing(
        ctx: Clearance, kind: str, changes: dict, field: str) -> None:
    w = studio_world(ctx)
    record_id = w[kind]
    before, size = get_record(ctx, KINDS[kind], record_id), _log_size(ctx)
    with pytest.raises(ValidationFailed) as caught:
        amend(ctx, KINDS[kind], record_id, changes, "because", "legal")
    assert field in caught.value.diagnostics()
    assert get_record(ctx, KINDS[kind], record_id) == before and _log_size(ctx) == size


@pytest.mark.dated
def test_amendment_request_is_checked_before_anything_is_read(sqlite_ctx: Clearance) -> None:
    w = studio_world(sqlite_ctx)
    tomorrow = TODAY + timedelta(days=1)
    cases = [("reason", dict(reason=" ")), ("document_sha256", dict(document_sha256="not-a-hash")),
             ("effective_on", dict(effective_on=tomorrow))]
    for field, bad in cases:
        arguments = {"reason": "because", "document_sha256": None, "effective_on": None, **bad}
        with pytest.raises(ValidationFailed) as caught:
            amend(sqlite_ctx, KINDS["consent"], w["consent"], {"covers_voice": True}, arguments["reason"], "legal",
                  arguments["document_sha256"], arguments["effective_on"])
        assert [p.field for p in caught.value.problems] == [field]
    with pytest.raises(Conflict, match="cannot be amended"):
        amend(sqlite_ctx, KINDS["party"], w["performer"], {"name": "New Name"}, "because", "legal")


def test_revoked_or_held_grants_cannot_be_amended(ctx: Clearance) -> None:
    w = studio_world(ctx)
    revoke(ctx, KINDS["license"], w["license"], "terminated", "legal")
    with pytest.raises(Conflict, match="revoked"):
        amend(ctx, KINDS["license"], w["license"], {"territories": ["US"]}, "too late", "legal")
    create_record(ctx, KINDS["legal_hold"], {"matter": "Doe v. Studio", "record_kind": "consent",
                                             "record_id": w["consent"], "placed_by": "General Counsel",
                                             "placed_on": "2026-01-05"}, "legal")
    with pytest.raises(Conflict, match="Doe v. Studio"):
        amend(ctx, KINDS["consent"], w["consent"], {"covers_voice": True}, "during the hold", "legal")
    assert get_record(ctx, KINDS["consent"], w["consent"])["amendments"] == []


def test_an_edited_amendment_history_is_caught_by_log_verify(sqlite_ctx: Clearance) -> None:
    w = studio_world(sqlite_ctx)
    amend(sqlite_ctx, KINDS["consent"], w["consent"], {"covers_voice": True}, "voice added", "legal")
    with sqlite_ctx.db.write_engine.connect() as conn:
        conn.exec_driver_sql("UPDATE performer_consents SET amendments = '[]'")
        conn.commit()
    report = replay.verify(sqlite_ctx)
    assert not report.ok
    assert any(w["consent"] in f.where and "amendments" in f.problem for f in report.findings), report.findings


def test_a_database_from_before_amendments_is_upgraded_by_init(ctx: Clearance) -> None:
    w = studio_world(ctx)
    drop_columns(ctx, {table: ["amendments"] for table in ("licenses", "performer_consents", "estate_permissions")})
    with pytest.raises(ConfigurationError, match="clearance init") as caught:
        ctx.check_ready()
    assert "performer_consents.amendments" in str(caught.value)
    result = initialise(ctx)
    assert sorted(result.upgraded) == ["estate_permissions.amendments", "licenses.amendments",
                                       "performer_consents.amendments"]
    ctx.check_ready()
    assert get_record(ctx, KINDS["consent"], w["consent"])["amendments"] == []
    amend(ctx, KINDS["consent"], w["consent"], {"covers_voice": True}, "voice added", "legal")
    assert replay.verify(ctx).ok


def test_amend_over_http_checks_the_role_and_names_the_field(sqlite_ctx: Clearance) -> None:
    w = studio_world(sqlite_ctx)
    client = TestClient(create_app(sqlite_ctx))
    headers = {role: {"Authorization": f"Bearer {create_key(sqlite_ctx, role)[0]}"}
               for role in ("legal", "auditor", "generator")}
    url = f"/v1/consents/{w['consent']}/amend"
    body = {"changes": {"intended_uses": [NEW_PROJECT]}, "reason": "rider", "document_sha256": DOCUMENT}
    for role in ("auditor", "generator"):
        assert client.post(url, json=body, headers=headers[role]).status_code == 403
    bad = client.post(url, json={**body, "changes": {"performer_id": "x"}}, headers=headers["legal"])
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "changes.performer_id" in bad.text
    response = client.post(url, json=body, headers=headers["legal"])
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["record"]["amendments"][0]["document_sha256"] == DOCUMENT
    assert answer["dependents"]["assets"] == [w["a2"]]
    assert answer["log"]["index"] == answer["record"]["amendments"][0]["log_index"]
    assert all(len(base64.b64decode(h)) == 32 for h in answer["log"]["inclusion_proof"])
    missing = client.post("/v1/consents/nope/amend", json=body, headers=headers["legal"])
    assert missing.status_code == 404 and "nope" in missing.text


def test_a_superseded_consent_no_longer_grants_and_is_superseded_once(ctx: Clearance) -> None:
    w = studio_world(ctx)
    base = get_record(ctx, KINDS["consent"], w["consent"])
    terms = {k: base[k] for k in ("performer_id", "executed_on", "replica_type", "replaces_in_person_work",
                                  "representation", "union_name", "union_agreement")}
    newer = create_record(ctx, KINDS["consent"], {**terms, "id": "c2", "contract_ref": "C-2",
                                                  "intended_uses": [NEW_PROJECT], "supersedes_id": w["consent"]},
                          "legal").record
    with ctx.db.reader() as session:
        assert [f.id for f in person_facts(session, w["performer"]).consents] == [newer["id"]]
    other = create_record(ctx, KINDS["party"], {"kind": "person", "name": "Bo"}, "legal").record["id"]
    refusals = [({**terms, "contract_ref": "C-3", "supersedes_id": w["consent"]}, "already superseded by c2"),
                ({**terms, "performer_id": other, "contract_ref": "C-4", "supersedes_id": "c2"}, "of performer"),
                ({**terms, "id": "c5", "contract_ref": "C-5", "supersedes_id": "c5"}, "no consent with id")]
    for data, message in refusals:
        with pytest.raises(ValidationFailed) as caught:
            create_record(ctx, KINDS["consent"], data, "legal")
        assert caught.value.problems[0].field == "supersedes_id" and message in caught.value.problems[0].message
    # The superseding consent can still be amended: it does not count as superseding twice.
    amend(ctx, KINDS["consent"], "c2", {"covers_voice": True}, "voice added", "legal")
    with pytest.raises(ValidationFailed, match="itself"):
        amend(ctx, KINDS["consent"], "c2", {"supersedes_id": "c2"}, "loop", "legal")
