"""The demo studio's rights records, with fixed ids so the demo can run again."""

from __future__ import annotations

from datetime import date
from typing import Any

NORTHLIGHT = "demo-northlight"
HARBOR = "demo-harbor-archive"
MAYA = "demo-maya-cole"
JON = "demo-jon-reyes"
LILLIAN = "demo-lillian-hart"
LILLIAN_ESTATE = "demo-hart-estate"
VICTOR = "demo-victor-crane"
ROSA = "demo-rosa-imai"
ROSA_CONSENT = "demo-consent-rosa"
LICENSE = "demo-license-harbor"

RIDGEWAY = "demo-ridgeway-films"
JUNE = "demo-june-alder"  # died in 2023, domiciled in New York: Civil Rights Law 50-f protects her

WORKS = [  # (id, title, seed): licensed from the Harbor Film Archive
    ("demo-work-harbor-dusk", "Harbor at Dusk (1998 feature, reel 3)", 11),
    ("demo-work-lighthouse", "The Lighthouse Keeper (2004 short)", 23),
]
UNLICENSED_WORK = ("demo-work-night-market", "Night Market (2011 feature)", 37)
PROJECT = "Tidewater (2026 series)"
SERVICE = "northlight-genai"
MODEL = "demo-model-nl-video"


def parties() -> list[dict[str, Any]]:
    return [
        {"id": NORTHLIGHT, "kind": "organisation", "name": "Northlight Pictures", "domicile": "US-CA"},
        {"id": HARBOR, "kind": "organisation", "name": "Harbor Film Archive", "domicile": "US-NY"},
        {"id": MAYA, "kind": "person", "name": "Maya Cole", "aliases": ["M. Cole"],
         "union_affiliation": "SAG-AFTRA", "contact_email": "maya.cole@agency.example"},
        {"id": JON, "kind": "person", "name": "Jon Reyes", "contact_phone": "+1 555 0100"},
        {"id": LILLIAN, "kind": "person", "name": "Lillian Hart", "born_on": "1921-04-02", "died_on": "1990-06-15"},
        {"id": LILLIAN_ESTATE, "kind": "estate", "name": "Estate of Lillian Hart", "domicile": "US-CA"},
        {"id": VICTOR, "kind": "person", "name": "Victor Crane", "born_on": "1930-01-09", "died_on": "1985-11-30"},
        {"id": ROSA, "kind": "person", "name": "Rosa Imai", "union_affiliation": "SAG-AFTRA"},
        {"id": RIDGEWAY, "kind": "organisation", "name": "Ridgeway Films", "domicile": "US-CA"},
        {"id": JUNE, "kind": "person", "name": "June Alder", "born_on": "1948-07-30", "died_on": "2023-04-02",
         "domicile_at_death": "US-NY", "union_affiliation": "SAG-AFTRA"},
    ]


def license_record() -> dict[str, Any]:
    return {"id": LICENSE, "licensor_id": HARBOR, "licensee_id": NORTHLIGHT, "governing_law": "California",
            "permitted_uses": ["train", "fine_tune", "generate", "release", "commercial", "distribute_model"],
            "media": ["streaming", "theatrical"], "territories": ["WORLD"], "starts_on": "2024-01-01",
            "ends_on": "2030-12-31", "consideration": "250000.00", "currency": "USD",
            "source_document_sha256": "1" * 64, "verified_at_source": True, "reviewer": "R. Alvarez (counsel)",
            "reviewed_on": "2024-01-05"}


def consents() -> list[dict[str, Any]]:
    return [
        {"id": "demo-consent-maya", "performer_id": MAYA, "contract_ref": "NL-2025-017", "clause_ref": "Sched. D §4",
         "executed_on": "2025-02-10", "governing_law": "US-CA", "performance_fixed_on": "2025-03-01", "replica_type": "employment_based",
         "replaces_in_person_work": True,
         "intended_uses": [{"project": "Tidewater (2026 series)", "uses": ["create_replica", "generate", "release"],
                            "media": ["streaming"], "territories": ["WORLD"], "term_start": "2025-03-01",
                            "term_end": "2028-03-01", "scenes_or_roles": ["Ep. 4 harbour chase (stunt double)"]}],
         "intended_use_text": "Digital double of Maya Cole for the harbour chase in Tidewater episode 4.",
         "representation": "counsel", "counsel_name": "Dana Whitfield", "counsel_bar_number": "CA-281734",
         "signed_terms_sha256": "2" * 64, "covers_likeness": True, "covers_voice": False,
         "compensation": "18500.00", "currency": "USD", "survives_death": False},
        {"id": "demo-consent-jon", "performer_id": JON, "contract_ref": "NL-2025-031",
         "executed_on": "2025-01-20", "governing_law": "US-CA", "performance_fixed_on": "2025-02-01", "replica_type": "employment_based",
         "replaces_in_person_work": True, "intended_use_text": "any and all uses in any media now known or "
         "hereafter devised", "representation": "none", "covers_likeness": True},
        # A blanket grant (no described uses) that AB 2602 would make unenforceable, were it not for the
        # union prong: her union's agreement expressly covers digital replicas.
        {"id": ROSA_CONSENT, "performer_id": ROSA, "contract_ref": "NL-2025-044", "clause_ref": "Rider 2",
         "executed_on": "2025-04-02", "governing_law": "US-CA", "union_represents_proposed_work": True,
         "performance_fixed_on": "2025-04-20", "replica_type": "employment_based",
         "replaces_in_person_work": True, "blanket_grant": True,
         "intended_use_text": "Producer may create and use a digital replica of Performer's likeness in any "
         "production, in any media, worldwide, in perpetuity.",
         "representation": "union", "union_name": "SAG-AFTRA", "union_agreement": "2023 TV/Theatrical",
         "union_agreement_version": "sag_aftra_tv_2023",
         "union_clause": "Digital Replicas (Art. 39)", "union_agreement_covers_replicas": True,
         "covers_likeness": True, "covers_voice": False, "compensation": "9500.00", "currency": "USD"},
    ]


def estate_permission() -> dict[str, Any]:
    return {"id": "demo-estate-hart", "decedent_id": LILLIAN, "died_on": "1990-06-15", "domicile": "US-CA",
            "grantor_id": LILLIAN_ESTATE, "grantor_kind": "estate", "chain_of_title_sha256s": ["3" * 64],
            "registration_number": "CA-SOS-DP-004512", "registration_date": "1991-02-01",
            "permitted_works": ["Tidewater (2026 series)"], "permitted_uses": ["create_replica", "generate", "release"],
            "media": ["streaming"], "territories": ["US", "CA", "GB"], "term_start": "2025-06-01",
            "term_end": "2027-06-01", "consent_date": "2025-05-20", "consideration": "120000.00", "currency": "USD"}


def dataset_records(asset_ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("dataset", {"id": "demo-dataset-library", "name": "Northlight library stills", "owner_id": NORTHLIGHT}),
        ("dataset_version", {"id": "demo-dataset-library-v1", "dataset_id": "demo-dataset-library", "version": "1.0",
                             "frozen_on": date(2025, 7, 1).isoformat(), "asset_ids": asset_ids}),
        ("model", {"id": "demo-model-nl-video", "name": "NL-Video", "version": "0.3", "trained_on": "2025-08-15",
                   "dataset_version_ids": ["demo-dataset-library-v1"], "developer_id": NORTHLIGHT}),
    ]


CREATOR = "demo-sol-ortega"
CREATOR_MODEL = "demo-model-sol-tune"


def creator_records() -> list[tuple[str, dict[str, Any]]]:
    """A creator licensed Northlight's model as a template and fine-tuned it on her own material."""
    return [
        ("party", {"id": CREATOR, "kind": "person", "name": "Sol Ortega", "domicile": "US-CA"}),
        ("model_license", {"id": "demo-model-license-sol", "licensor_id": NORTHLIGHT, "licensee_id": CREATOR,
                           "model_id": MODEL, "permitted_uses": ["fine_tune", "generate", "release"],
                           "media": ["streaming"], "territories": ["US"], "starts_on": "2026-01-01",
                           "ends_on": "2027-12-31"}),
        ("model", {"id": CREATOR_MODEL, "name": "NL-Video (Sol Ortega style)", "version": "1.0",
                   "trained_on": "2026-02-01", "developer_id": CREATOR,
                   "parents": [{"model_id": MODEL, "relationship": "fine_tuned_from"}]}),
    ]
