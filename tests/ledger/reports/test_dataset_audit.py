"""What a dataset audit finds, computed from the records of a small studio."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger.context import Clearance
from ledger.errors import NotFound
from ledger.reports import dataset_audit
from ledger.reports.dataset_audit import NO_LICENSE, AssetRow, AuditRequest, run_audit

from .conftest import SOON, TODAY, World

pytestmark = pytest.mark.dated  # the world's terms end relative to the clock's today (tests/dates.py)


def _audit(ctx: Clearance, world: World) -> tuple[dict[str, AssetRow], dataset_audit.Totals]:
    return _audit_on(ctx, world, TODAY)


def test_each_asset_has_its_status_reasons_and_grants(ctx: Clearance, world: World) -> None:
    rows, totals = _audit(ctx, world)
    assert totals.assets == len(rows) == 8
    assert {a for a, r in rows.items() if r.status == "cleared"} == {*world.licensed, world.with_consent}
    assert rows[world.opted_out].policy_ids == ["opt-out.training-mining"]
    assert rows[world.unlicensed].policy_ids == ["license.required"]
    assert "license.revoked" in rows[world.revoked_license_asset].policy_ids
    assert rows[world.without_consent].policy_ids == ["ab2602.consent-required"]
    assert all(r.reasons and r.reasons[0].startswith("[") for r in rows.values() if r.status != "cleared")
    assert f"consent {world.consent}" in " ".join(rows[world.with_consent].grants)
    assert rows[world.with_consent].grants[0] == f"license {world.expiring_license}"
    assert totals.by_status == {"cleared": 4, "block": 4}
    assert totals.by_policy["license.required"] == 2  # the unlicensed asset and the one whose license was revoked


def test_license_coverage_by_licensor_and_opt_outs_by_source(ctx: Clearance, world: World) -> None:
    _, totals = _audit(ctx, world)
    assert totals.licensors[world.archive] == {"assets": 5, "cleared": 3, "name": "Harbor Archive"}
    assert totals.licensors[world.stock]["assets"] == 2 and totals.licensors[world.stock]["cleared"] == 1
    assert totals.licensors[NO_LICENSE]["assets"] == 1
    assert totals.opt_outs == {"cawg.training-mining": {"assets": 1, "excluded": 1, "still_cleared": 0}}


def test_people_expiries_and_revocations(ctx: Clearance, world: World) -> None:
    _, totals = _audit(ctx, world)
    people = {entry["name"]: entry for entry in totals.people.values()}
    assert people["Maya Cole"]["grants"] == {f"consent {world.consent}": 1}
    assert people["Maya Cole"]["lapsing"] == [f"consent {world.consent}"]
    assert people["Jon Reyes"]["missing"] == 1 and people["Jon Reyes"]["grants"] == {}
    expiring = {(e["kind"], e["id"]): e for e in totals.expiring}
    assert expiring[("license", world.expiring_license)]["ends_on"] == SOON.isoformat()
    assert expiring[("consent", world.consent)]["days_left"] == 30
    assert ("license", world.licensed[0]) not in expiring
    [revocation] = totals.revocations
    assert (revocation["kind"], revocation["id"]) == ("license", world.revoked_license)
    assert revocation["assets"] == 1 and revocation["not_cleared"] == 1
    assert revocation["models"] == [world.model] and revocation["reason"] == "licensor withdrew"


def test_after_the_consent_ends_the_person_has_no_grant(ctx: Clearance, world: World) -> None:
    rows, totals = _audit_on(ctx, world, SOON + timedelta(days=1))
    maya = next(e for e in totals.people.values() if e["name"] == "Maya Cole")
    assert maya["missing"] == 1 and maya["grants"] == {}
    assert rows[world.with_consent].status == "block"
    assert totals.expiring == []  # nothing relied on ends within 90 days of that date any more


def test_unknown_version_or_model_is_named(ctx: Clearance, world: World) -> None:
    with ctx.db.reader() as session, pytest.raises(NotFound, match="nope"):
        run_audit(ctx.policy_engine, session, AuditRequest("nope"), lambda row: None)
    with ctx.db.reader() as session, pytest.raises(NotFound, match="no model"):
        run_audit(ctx.policy_engine, session, AuditRequest(world.version, "missing-model"), lambda row: None)


def _audit_on(ctx: Clearance, world: World, day: date) -> tuple[dict[str, AssetRow], dataset_audit.Totals]:
    rows: dict[str, AssetRow] = {}
    with ctx.db.reader() as session:
        totals = run_audit(ctx.policy_engine, session, AuditRequest(world.version, world.model, ("US",), day),
                           lambda row: rows.setdefault(row.asset_id, row))
    return rows, totals


def test_shared_decisions_give_the_rows_of_deciding_each_asset(ctx: Clearance, world: World) -> None:
    from ledger.records.kinds import KINDS
    from ledger.records.service import create_record

    from ledger.records import models as m

    with ctx.db.reader() as session:
        jon = session.get(m.Asset, world.without_consent).depicted[0]["party_id"]  # type: ignore[union-attr]
        dataset = session.get(m.DatasetVersion, world.version).dataset_id  # type: ignore[union-attr]
    # another asset like one already there (same license, same person), under another title
    twin = create_record(ctx, KINDS["asset"], {
        "role": "training_asset", "title": "Jon again", "media_type": "image/png", "sha256": "e" * 64,
        "acquisition_method": "licensed", "license_id": _license_of(ctx, world.without_consent),
        "depicted": [{"party_id": jon}]}, "t").record["id"]
    version = create_record(ctx, KINDS["dataset_version"], {
        "dataset_id": dataset, "version": "2", "asset_ids": [*world.licensed, world.opted_out, world.unlicensed,
                                                          world.without_consent, twin, world.with_consent]}, "t")
    runs = []
    for share in (True, False):
        rows: list[AssetRow] = []
        with ctx.db.reader() as session:
            totals = run_audit(ctx.policy_engine, session, AuditRequest(version.record["id"], world.model),
                               rows.append, share_decisions=share)
        runs.append((rows, totals.by_policy, totals.people, totals.licensors))
    assert runs[0] == runs[1]
    about_assets = [(row.asset_id, reason.split(" ")[2].rstrip(":")) for row in runs[0][0] for reason in row.reasons
                    if reason.split(" ")[1] == "asset"]
    assert about_assets and all(own == named for own, named in about_assets)  # each row names its own asset


def _license_of(ctx: Clearance, asset_id: str) -> str | None:
    from ledger.records import models as m

    with ctx.db.reader() as session:
        return session.get(m.Asset, asset_id).license_id  # type: ignore[union-attr]
