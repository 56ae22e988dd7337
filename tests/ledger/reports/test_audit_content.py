"""Issue 25, wrong content: each finding a legal team reported, on a studio with every kind of asset."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record
from ledger.reports.bom import cyclonedx_json
from ledger.reports.dataset_audit import OWN_PRODUCTION, AssetRow, AuditRequest, Totals, run_audit
from ledger.reports.training_summary import build_summary

DAY = date(2026, 3, 2)


@dataclass(frozen=True)
class Studio:
    version: str
    model: str
    robots_allowed: str
    opted_out: str
    own: str
    rosa_asset: str
    victor_asset: str
    crawled: str
    ending_license: str


def _create(ctx: Clearance, kind: str, data: dict) -> str:
    return create_record(ctx, KINDS[kind], data, "test").record["id"]


def _asset(ctx: Clearance, title: str, **fields: object) -> str:
    data = {"role": "training_asset", "title": title, "media_type": "image/png",
            "sha256": hashlib.sha256(title.encode()).hexdigest(), "acquisition_method": "licensed", **fields}
    return _create(ctx, "asset", data)


def _signal(ctx: Clearance, asset: str, source: str, entry: str, value: str) -> None:
    _create(ctx, "opt_out", {"asset_id": asset, "source": source, "entry": entry, "value": value,
                             "read_from": "https://example.com/robots.txt", "read_at": "2026-01-01T00:00:00Z"})


def build_studio(ctx: Clearance) -> Studio:
    studio = _create(ctx, "party", {"kind": "organisation", "name": "Northlight"})
    archive = _create(ctx, "party", {"kind": "organisation", "name": "Harbor Archive"})
    ridgeway = _create(ctx, "party", {"kind": "organisation", "name": "Ridgeway Films"})
    rosa = _create(ctx, "party", {"kind": "person", "name": "Rosa Imai"})
    victor = _create(ctx, "party", {"kind": "person", "name": "Victor Crane", "died_on": "1985-11-30"})
    train = {"licensee_id": studio, "permitted_uses": ["train"], "media": ["any"], "territories": ["WORLD"],
             "starts_on": "2024-01-01", "licensor_id": archive}
    lic = _create(ctx, "license", {**train, "ends_on": "2030-12-31"})
    ending = _create(ctx, "license", {**train, "ends_on": (DAY + timedelta(days=40)).isoformat()})
    robots_allowed = _asset(ctx, "Harbor at dawn", license_id=lic)
    _signal(ctx, robots_allowed, "robots.txt", "robots", "allow")
    opted_out = _asset(ctx, "Harbor at dusk", license_id=ending)
    _signal(ctx, opted_out, "cawg.training-mining", "cawg.ai_training", "notAllowed")
    own = _asset(ctx, "Our backlot, take 4", acquisition_method="own_production", rights_holder_id=studio)
    _create(ctx, "consent", {
        "performer_id": rosa, "contract_ref": "NL-44", "executed_on": "2025-01-01", "replica_type": "employment_based",
        "replaces_in_person_work": False, "representation": "counsel", "counsel_name": "D. W.",
        "counsel_bar_number": "CA-1", "signed_terms_sha256": "2" * 64,
        "intended_uses": [{"project": "Tidewater", "uses": ["train"], "media": ["any"], "territories": ["WORLD"],
                           "term_start": "2025-01-01", "term_end": "2029-01-01"}]})
    rosa_asset = _asset(ctx, "Rosa on set", license_id=lic, depicted=[{"party_id": rosa}])
    victor_asset = _asset(ctx, "Victor Crane, 1979 interview", license_id=lic, depicted=[{"party_id": victor}])
    crawled = _asset(ctx, "Night Market (2011 feature)", acquisition_method="crawled", rights_holder_id=ridgeway)
    dataset = _create(ctx, "dataset", {"name": "Library stills", "owner_id": studio})
    assets = [robots_allowed, opted_out, own, rosa_asset, victor_asset, crawled]
    version = _create(ctx, "dataset_version", {"dataset_id": dataset, "version": "1", "asset_ids": assets})
    model = _create(ctx, "model", {"id": "nl-video", "name": "NL-Video", "version": "1.0", "developer_id": studio,
                                   "dataset_version_ids": [version]})
    return Studio(version, model, robots_allowed, opted_out, own, rosa_asset, victor_asset, crawled, ending)


@pytest.fixture
def studio(ctx: Clearance) -> Studio:
    return build_studio(ctx)


def _audit(ctx: Clearance, studio: Studio, project: str | None = None) -> tuple[dict[str, AssetRow], Totals]:
    rows: dict[str, AssetRow] = {}
    with ctx.db.reader() as session:
        totals = run_audit(ctx.policy_engine, session, AuditRequest(studio.version, studio.model, ("US",), DAY, project),
                           lambda row: rows.setdefault(row.asset_id, row))
    return rows, totals


def test_a_robots_txt_allow_is_not_an_opt_out(ctx: Clearance, studio: Studio) -> None:
    rows, totals = _audit(ctx, studio)
    assert rows[studio.robots_allowed].status == "cleared"
    assert totals.opt_outs == {"cawg.training-mining": {"assets": 1, "excluded": 1, "still_cleared": 0}}
    assert totals.signals_allowing == {"robots.txt": 1}
    with ctx.db.reader() as session:
        summary = build_summary(ctx.policy_engine, session, studio.model, None, DAY)
        bom = json.loads(cyclonedx_json(ctx.policy_engine, session, studio.model, ("US",), DAY))
    assert summary["sections"]["3.1"]["opt_out_sources_honoured"]["value"] == ["cawg.training-mining"]
    assert summary["sections"]["3.1"]["assets_with_opt_out"]["value"] == {"cawg.training-mining": 1}
    props = {p["name"]: p["value"] for p in bom["components"][0]["properties"]}
    assert props["clearance:opt_out_assets"] == "1"


def test_a_license_ending_within_90_days_is_listed_even_if_its_works_are_blocked(ctx: Clearance,
                                                                                  studio: Studio) -> None:
    rows, totals = _audit(ctx, studio)
    assert rows[studio.opted_out].status == "block"
    [ending] = [e for e in totals.expiring if e["kind"] == "license"]
    assert (ending["id"], ending["days_left"], ending["assets"]) == (studio.ending_license, 40, 1)


def test_own_production_needs_no_license_and_says_so(ctx: Clearance, studio: Studio) -> None:
    rows, totals = _audit(ctx, studio)
    assert rows[studio.own].status == "cleared" and "own production" in rows[studio.own].why
    assert totals.licensors[OWN_PRODUCTION]["assets"] == 1 and totals.own_production == 1
    assert totals.without_license == 1  # the crawled feature, not the studio's own footage
    assert rows[studio.crawled].why == "no license on file"
    assert dict(rows[studio.own].details)["licenses"] == "none needed (own production)"


def test_a_performer_with_a_consent_on_file_is_not_missing(ctx: Clearance, studio: Studio) -> None:
    rows, totals = _audit(ctx, studio)
    people = {e["name"]: e for e in totals.people.values()}
    assert people["Rosa Imai"]["state"] == "not sufficient" and people["Rosa Imai"]["on_file"]
    assert "does not name this project" in people["Rosa Imai"]["why"]
    assert people["Victor Crane"]["state"] == "missing" and people["Victor Crane"]["deceased"]
    assert "Rosa Imai: consent" in rows[studio.rosa_asset].why


def test_the_project_is_the_one_the_audit_is_told(ctx: Clearance, studio: Studio) -> None:
    _, unstated = _audit(ctx, studio)
    assert unstated.project_stated is False
    rows, stated = _audit(ctx, studio, project="Tidewater")
    assert (stated.project, stated.project_stated) == ("Tidewater", True)
    assert rows[studio.rosa_asset].status == "cleared"


def test_fixes_group_the_problems_and_name_who_can_fix_them(ctx: Clearance, studio: Studio) -> None:
    _, totals = _audit(ctx, studio)
    fixes = {problem.fix(count) for problem, count in totals.problems.items()}
    assert "Get a license from Ridgeway Films for 1 work." in fixes
    assert "Drop 1 opted-out work from the dataset version (the rights holders said no)." in fixes
    assert any(f.startswith("Record the estate's permission for Victor Crane") for f in fixes)


def test_the_eu_summary_asks_for_sources_it_does_not_have(ctx: Clearance, studio: Studio) -> None:
    with ctx.db.reader() as session:
        summary = build_summary(ctx.policy_engine, session, studio.model, None, DAY)
    crawled = summary["sections"]["2.3"]
    assert crawled["top_domains"]["value"] is None and "source" in crawled["top_domains"]["to_complete"]
    assert "2.3.top_domains" in summary["unfilled"]
    assert summary["sections"]["1.3"]["latest_acquisition_date"]["value"] is None


def test_the_bom_text_follows_the_audit_figures(ctx: Clearance, studio: Studio) -> None:
    with ctx.db.reader() as session:
        bom = json.loads(cyclonedx_json(ctx.policy_engine, session, studio.model, ("US",), DAY))
    [component] = bom["components"]
    props = {p["name"]: p["value"] for p in component["properties"]}
    cleared = int(props["clearance:cleared_for_training"])
    assert props["clearance:cleared_for_training_territories"] == "US"
    assert props["clearance:cleared_on"] == DAY.isoformat()
    classification = component["data"][0]["classification"]
    assert classification != "licensed training data" and f"{cleared} of 6" in classification
    [consideration] = bom["metadata"]["component"]["modelCard"]["considerations"]["ethicalConsiderations"]
    strategy = consideration["mitigationStrategy"]
    assert f"{6 - cleared} of 6" in strategy and "not cleared" in strategy and "every asset is evaluated" not in strategy


def test_the_training_audit_table_agrees_that_own_production_needs_no_license(ctx: Clearance, studio: Studio) -> None:
    from ledger.checks.training import audit_training

    report = audit_training(ctx, studio.version, studio.model, ["US"], use_date=DAY)
    not_cleared = {r["asset_id"] for r in report["not_cleared"]}
    assert studio.own not in not_cleared and studio.crawled in not_cleared
