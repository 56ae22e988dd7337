"""A small studio world of rights records, for tests that need records to refer to."""

from __future__ import annotations

from typing import Any

from ledger.context import Clearance
from ledger.records.kinds import KINDS
from ledger.records.service import create_record

SHA = "ab" * 32


def add(ctx: Clearance, record_kind: str, **data: Any) -> dict[str, Any]:
    return create_record(ctx, KINDS[record_kind], data, "test").record


def studio_world(ctx: Clearance) -> dict[str, str]:
    studio = add(ctx, "party", kind="organisation", name="Studio")["id"]
    performer = add(ctx, "party", kind="person", name="Ann Performer", contact_email="ann@example.com")["id"]
    lic = add(ctx, "license", licensor_id=studio, licensee_id=studio, permitted_uses=["train"], media=["any"],
              territories=["WORLD"], starts_on="2024-01-01")["id"]
    consent = add(ctx, "consent", performer_id=performer, contract_ref="C-1", executed_on="2025-01-02",
                  replica_type="employment_based", replaces_in_person_work=False, representation="union",
                  union_agreement_version="sag_aftra_tv_2023",
                  union_name="SAG-AFTRA", union_agreement="2023 TV/Theatrical")["id"]
    a1 = add(ctx, "asset", role="training_asset", title="Licensed", media_type="video/mp4", sha256=SHA,
             acquisition_method="licensed", license_id=lic)["id"]
    a2 = add(ctx, "asset", role="training_asset", title="Performer", media_type="video/mp4", sha256="cd" * 32,
             acquisition_method="own_production", depicted=[{"party_id": performer, "consent_id": consent}])["id"]
    a3 = add(ctx, "asset", role="training_asset", title="Unrelated", media_type="image/png", sha256="ef" * 32,
             acquisition_method="own_production")["id"]
    ds = add(ctx, "dataset", name="lib")["id"]
    v1 = add(ctx, "dataset_version", dataset_id=ds, version="1", asset_ids=[a1, a3])["id"]
    v2 = add(ctx, "dataset_version", dataset_id=ds, version="2", asset_ids=[a2, a3])["id"]
    m1 = add(ctx, "model", name="M", version="1", dataset_version_ids=[v1])["id"]
    m2 = add(ctx, "model", name="M", version="2", dataset_version_ids=[v2])["id"]
    return dict(studio=studio, performer=performer, license=lic, consent=consent, a1=a1, a2=a2, a3=a3,
                v1=v1, v2=v2, m1=m1, m2=m2)


def lineage_world(ctx: Clearance, training_uses: list[str]) -> dict[str, Any]:
    """A studio base model, a studio fine-tune and a creator's fine-tune of that (three generations)."""
    studio = add(ctx, "party", kind="organisation", name="Studio")["id"]
    creator = add(ctx, "party", kind="organisation", name="Creator")["id"]
    performer = add(ctx, "party", kind="person", name="Pat Performer")["id"]
    lic = add(ctx, "license", licensor_id=studio, licensee_id=studio, permitted_uses=training_uses, media=["any"],
              territories=["WORLD"], starts_on="2024-01-01")["id"]
    consent = add(ctx, "consent", performer_id=performer, contract_ref="C-1", executed_on="2025-01-02",
                  replica_type="employment_based", replaces_in_person_work=False, representation="union",
                  union_agreement_version="sag_aftra_tv_2023",
                  union_name="SAG-AFTRA", union_agreement="2023 TV/Theatrical")["id"]
    a1 = add(ctx, "asset", role="training_asset", title="Footage", media_type="video/mp4", sha256="a1" * 32,
             acquisition_method="licensed", license_id=lic,
             depicted=[{"party_id": performer, "consent_id": consent}])["id"]
    ds = add(ctx, "dataset", name="studio library")["id"]
    v1 = add(ctx, "dataset_version", dataset_id=ds, version="1", asset_ids=[a1])["id"]
    base = add(ctx, "model", name="Base", version="1", dataset_version_ids=[v1], developer_id=studio,
               checkpoint_sha256="b0" * 32)["id"]
    tuned = add(ctx, "model", name="Studio style", version="1", developer_id=studio,
                parents=[{"model_id": base, "relationship": "fine_tuned_from", "checkpoint_sha256": "b0" * 32}])["id"]
    return dict(studio=studio, creator=creator, performer=performer, license=lic, consent=consent, asset=a1,
                version=v1, base=base, tuned=tuned)
