"""The registry of record kinds: one entry drives the API routes, CLI commands,
imports, projection and verification of that kind, so none of them is written
per kind by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlmodel import SQLModel

from ledger.errors import NotFound
from ledger.records import models as m
from ledger.records.personal_data import personal_fields

Reference = tuple[str, str, str]
"""(field path, referenced kind, referenced id)."""


FieldsT = TypeVar("FieldsT", bound=SQLModel)
TableT = TypeVar("TableT", bound=SQLModel)


@dataclass(frozen=True)
class RecordKind(Generic[FieldsT, TableT]):
    """One kind of record: its validated fields (``FieldsT``) and the table row they project into (``TableT``)."""

    name: str
    plural: str
    fields: type[FieldsT]
    table: type[TableT]
    id_prefix: str
    summary: str
    references: dict[str, str] = field(default_factory=dict)
    """Scalar or list fields holding ids of another kind."""
    extra_references: Callable[[FieldsT], list[Reference]] | None = None
    links: Callable[[str, FieldsT], list[SQLModel]] | None = None
    """Index rows derived from the record (for dependency queries)."""
    personal_fields: frozenset[str] = frozenset()
    revocable: bool = False
    amendable: bool = False
    """Grants (licenses, consents, estate permissions) change by a logged amendment."""
    parties_fixed: frozenset[str] = frozenset()
    """Fields an amendment may not change: they say who grants to whom (another party needs a new record)."""

    def references_of(self, record: FieldsT) -> list[Reference]:
        found: list[Reference] = []
        for name, kind in self.references.items():
            value = getattr(record, name)
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    found.append((name, kind, item))
        if self.extra_references:
            found.extend(self.extra_references(record))
        return found


def _asset_people_refs(asset: m.AssetFields) -> list[Reference]:
    refs: list[Reference] = []
    for i, person in enumerate(asset.depicted):
        refs.append((f"depicted[{i}].party_id", "party", person.party_id))
        if person.consent_id:
            refs.append((f"depicted[{i}].consent_id", "consent", person.consent_id))
        if person.estate_permission_id:
            refs.append((f"depicted[{i}].estate_permission_id", "estate_permission", person.estate_permission_id))
    return refs


def _asset_links(asset_id: str, asset: m.AssetFields) -> list[SQLModel]:
    return [m.AssetPerson(asset_id=asset_id, party_id=p.party_id, consent_id=p.consent_id,
                          estate_permission_id=p.estate_permission_id)
            for p in asset.depicted]


def _license_links(license_id: str, license_: m.LicenseFields) -> list[SQLModel]:
    return [m.LicenseAsset(license_id=license_id, asset_id=a) for a in dict.fromkeys(license_.asset_ids)]


def _version_links(version_id: str, version: m.DatasetVersionFields) -> list[SQLModel]:
    return [m.DatasetVersionAsset(dataset_version_id=version_id, asset_id=a) for a in dict.fromkeys(version.asset_ids)]


def _model_links(model_id: str, model: m.AiModelFields) -> list[SQLModel]:
    links: list[SQLModel] = [m.ModelTraining(model_id=model_id, dataset_version_id=d)
                             for d in dict.fromkeys(model.dataset_version_ids)]
    return links + [m.ModelLineage(model_id=model_id, parent_id=p.model_id, relationship=p.relationship.value)
                    for p in model.parents]


def _model_parent_refs(model: m.AiModelFields) -> list[Reference]:
    return [(f"parents[{i}].model_id", "model", p.model_id) for i, p in enumerate(model.parents)]


def _heir_refs(permission: m.EstatePermissionFields) -> list[Reference]:
    return [(f"heirs[{i}].party_id", "party", h.party_id) for i, h in enumerate(permission.heirs)]


def _legal_hold_refs(hold: m.LegalHoldFields) -> list[Reference]:
    kind = hold.record_kind
    if kind not in KINDS:
        return [("record_kind", "?", kind)]
    return [("record_id", kind, hold.record_id)]


PARTY = RecordKind("party", "parties", m.PartyFields, m.Party, "pty",
                   "People, organisations and estates",
                   personal_fields=personal_fields("party"))
LICENSE = RecordKind("license", "licenses", m.LicenseFields, m.License, "lic",
                     "Licenses for training assets and reference works",
                     references={"licensor_id": "party", "licensee_id": "party", "asset_ids": "asset"}, revocable=True,
                     amendable=True, parties_fixed=frozenset({"licensor_id", "licensee_id"}), links=_license_links)
ASSET = RecordKind("asset", "assets", m.AssetFields, m.Asset, "ast",
                   "Training assets, reference works and likeness references",
                   references={"rights_holder_id": "party", "license_id": "license"},
                   extra_references=_asset_people_refs, links=_asset_links)
CONSENT = RecordKind("consent", "consents", m.PerformerConsentFields, m.PerformerConsent, "cns",
                     "Performer consents for digital replicas (AB 2602)",
                     references={"performer_id": "party", "supersedes_id": "consent"}, revocable=True,
                     amendable=True, parties_fixed=frozenset({"performer_id"}))
ESTATE_PERMISSION = RecordKind("estate_permission", "estate-permissions", m.EstatePermissionFields, m.EstatePermission,
                               "est", "Estate permissions for deceased personalities (AB 1836)",
                               references={"decedent_id": "party", "grantor_id": "party"},
                               extra_references=_heir_refs, revocable=True,
                               amendable=True, parties_fixed=frozenset({"decedent_id", "grantor_id"}))
OPT_OUT = RecordKind("opt_out", "opt-outs", m.OptOutSignalFields, m.OptOutSignal, "opt",
                     "Training and data-mining opt-out signals read from assets",
                     references={"asset_id": "asset"})
DATASET = RecordKind("dataset", "datasets", m.DatasetFields, m.Dataset, "dst", "Datasets",
                     references={"owner_id": "party"})
DATASET_VERSION = RecordKind("dataset_version", "dataset-versions", m.DatasetVersionFields, m.DatasetVersion, "dsv",
                             "Frozen dataset versions and their assets",
                             references={"dataset_id": "dataset", "asset_ids": "asset"}, links=_version_links)
MODEL = RecordKind("model", "models", m.AiModelFields, m.AiModel, "mdl",
                   "Models and the dataset versions they were trained on",
                   references={"dataset_version_ids": "dataset_version", "developer_id": "party"},
                   extra_references=_model_parent_refs, links=_model_links)
MODEL_LICENSE = RecordKind("model_license", "model-licenses", m.ModelLicenseFields, m.ModelLicense, "mlc",
                           "Licenses of a model to another party (templates for their fine-tunes)",
                           references={"licensor_id": "party", "licensee_id": "party", "model_id": "model"},
                           revocable=True, amendable=True,
                           parties_fixed=frozenset({"licensor_id", "licensee_id", "model_id"}))
LEGAL_HOLD = RecordKind("legal_hold", "legal-holds", m.LegalHoldFields, m.LegalHold, "hld",
                        "Legal holds: records that may not be redacted or changed",
                        extra_references=_legal_hold_refs)


KINDS: dict[str, RecordKind[Any, Any]] = {k.name: k for k in (
    PARTY, LICENSE, ASSET, CONSENT, ESTATE_PERMISSION, OPT_OUT, DATASET, DATASET_VERSION, MODEL, MODEL_LICENSE, LEGAL_HOLD)}

LINK_TABLES: list[type[SQLModel]] = [m.AssetPerson, m.DatasetVersionAsset, m.ModelTraining, m.LicenseAsset,
                                     m.ModelLineage]


def kind_named(name: str) -> RecordKind[Any, Any]:
    normalised = name.replace("-", "_")
    for kind in KINDS.values():
        if normalised in (kind.name, kind.plural.replace("-", "_")):
            return kind
    raise NotFound(f"unknown record kind {name!r}; known kinds: {', '.join(KINDS)}")
