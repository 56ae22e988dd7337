"""A small studio whose training set has every case a dataset audit reports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pytest

from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record, revoke
from tests.dates import TODAY

SOON = TODAY + timedelta(days=30)


@dataclass(frozen=True)
class World:
    version: str
    model: str
    archive: str
    stock: str
    licensed: list[str]       # covered by the archive's license, cleared
    opted_out: str            # licensed but carries a CAWG opt-out
    unlicensed: str
    revoked_license_asset: str
    with_consent: str         # depicts Maya, whose consent ends in 30 days
    without_consent: str      # depicts Jon, who never consented
    consent: str
    expiring_license: str
    revoked_license: str


def _create(ctx: Clearance, kind: str, data: dict) -> str:
    return create_record(ctx, KINDS[kind], data, "test").record["id"]


def _asset(ctx: Clearance, title: str, **fields: object) -> str:
    data = {"role": "training_asset", "title": title, "media_type": "image/png",
            "sha256": hashlib.sha256(title.encode()).hexdigest(), "acquisition_method": "licensed", **fields}
    return _create(ctx, "asset", data)


def build_world(ctx: Clearance) -> World:
    studio = _create(ctx, "party", {"kind": "organisation", "name": "Northlight"})
    archive = _create(ctx, "party", {"kind": "organisation", "name": "Harbor Archive"})
    stock = _create(ctx, "party", {"kind": "organisation", "name": "Stock & Co <b>"})
    maya = _create(ctx, "party", {"kind": "person", "name": "Maya Cole"})
    jon = _create(ctx, "party", {"kind": "person", "name": "Jon Reyes"})
    train = {"licensee_id": studio, "permitted_uses": ["train"], "media": ["any"], "territories": ["WORLD"],
             "starts_on": "2024-01-01"}
    lic = _create(ctx, "license", {**train, "licensor_id": archive, "ends_on": (TODAY + timedelta(days=400)).isoformat()})
    expiring = _create(ctx, "license", {**train, "licensor_id": stock, "ends_on": SOON.isoformat()})
    doomed = _create(ctx, "license", {**train, "licensor_id": stock})
    licensed = [_asset(ctx, f"Harbor still {i}", license_id=lic) for i in range(3)]
    opted = _asset(ctx, "Harbor still opted out", license_id=lic)
    _create(ctx, "opt_out", {"asset_id": opted, "source": "cawg.training-mining", "entry": "cawg.ai_training", "value": "notAllowed",
                             "read_from": "c2pa manifest", "read_at": "2025-01-01T00:00:00Z"})
    unlicensed = _asset(ctx, "Night Market frame", acquisition_method="crawled",
                        source_uri="https://films.example.com/night-market.png")
    revoked_asset = _asset(ctx, "Stock skyline", license_id=doomed)
    _create(ctx, "model", {"name": "NL-Video", "version": "0.3", "developer_id": studio})
    consent = _create(ctx, "consent", {
        "performer_id": maya, "contract_ref": "NL-1", "executed_on": "2025-01-01", "replica_type": "employment_based",
        "replaces_in_person_work": False, "representation": "counsel", "counsel_name": "D. W.",
        "counsel_bar_number": "CA-1", "signed_terms_sha256": "2" * 64, "use_consistent_with_performance": True,
        "intended_uses": [{"project": "NL-Video", "uses": ["train"], "media": ["any"], "territories": ["WORLD"],
                           "term_start": "2025-01-01", "term_end": SOON.isoformat()}]})
    with_consent = _asset(ctx, "Maya on set", license_id=expiring,
                          depicted=[{"party_id": maya, "consent_id": consent}])
    without_consent = _asset(ctx, "Jon on set", license_id=lic, depicted=[{"party_id": jon}])
    dataset = _create(ctx, "dataset", {"name": "Library stills"})
    assets = [*licensed, opted, unlicensed, revoked_asset, with_consent, without_consent]
    version = _create(ctx, "dataset_version", {"dataset_id": dataset, "version": "1", "asset_ids": assets})
    ctx_model = create_record(ctx, KINDS["model"], {"id": "nl-video-1", "name": "NL-Video", "version": "1.0",
                                                     "developer_id": studio, "dataset_version_ids": [version]}, "test")
    revoke(ctx, KINDS["license"], doomed, "licensor withdrew", "test")
    return World(version=version, model=ctx_model.record["id"], archive=archive, stock=stock, licensed=licensed,
                 opted_out=opted, unlicensed=unlicensed, revoked_license_asset=revoked_asset,
                 with_consent=with_consent, without_consent=without_consent, consent=consent,
                 expiring_license=expiring, revoked_license=doomed)


@pytest.fixture
def world(ctx: Clearance) -> World:
    return build_world(ctx)
