"""The registry of record kinds: one entry drives the API routes, CLI commands,
imports, projection and verification of that kind, so none of them is written
per kind by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlmodel import SQLModel

from ledger.records.catalog import CATALOG, KindInfo, info_named
from ledger.records import models as m
from ledger.records.personal_data import personal_fields

Reference = tuple[str, str, str]
"""(field path, referenced kind, referenced id)."""


FieldsT = TypeVar("FieldsT", bound=SQLModel)
TableT = TypeVar("TableT", bound=SQLModel)


@dataclass(frozen=True)
class RecordKind(Generic[FieldsT, TableT]):
    """One kind of record: its validated fields (``FieldsT``) and the table row they project into (``TableT``)."""

    info: KindInfo
    fields: type[FieldsT]
    table: type[TableT]
    references: dict[str, str] = field(default_factory=dict)
    """Scalar or list fields holding ids of another kind."""
    extra_references: Callable[[FieldsT], list[Reference]] | None = None
    links: Callable[[str, FieldsT], list[SQLModel]] | None = None
    """Index rows derived from the record (for dependency queries)."""
    personal_fields: frozenset[str] = frozenset()
    parties_fixed: frozenset[str] = frozenset()
    """Fields an amendment may not change: they say who grants to whom (another party needs a new record)."""

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def plural(self) -> str:
        return self.info.plural

    @property
    def id_prefix(self) -> str:
        return self.info.id_prefix

    @property
    def summary(self) -> str:
        return self.info.summary

    @property
    def revocable(self) -> bool:
        return self.info.revocable

    @property
    def amendable(self) -> bool:
        """Grants (licenses, consents, estate permissions) change by a logged amendment."""
        return self.info.amendable

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
    refs: list[Reference] = [(f"parents[{i}].model_id", "model", p.model_id) for i, p in enumerate(model.parents)]
    if model.dedicated_person_id:
        refs.append(("dedicated_person_id", "party", model.dedicated_person_id))
    if model.elvis_authorization is not None:
        refs.append(("elvis_authorization.authorized_by", "party", model.elvis_authorization.authorized_by))
    return refs


def _heir_refs(permission: m.EstatePermissionFields) -> list[Reference]:
    return [(f"heirs[{i}].party_id", "party", h.party_id) for i, h in enumerate(permission.heirs)]


HOLDABLE_OUTPUTS = ("clip", "check")
"""Generated outputs a legal hold may name besides the record kinds: clips and their checks."""


def _legal_hold_refs(hold: m.LegalHoldFields) -> list[Reference]:
    kind = hold.record_kind
    if kind not in KINDS and kind not in HOLDABLE_OUTPUTS:
        return [("record_kind", "?", kind)]
    return [("record_id", kind, hold.record_id)]


PARTY = RecordKind(CATALOG["party"], m.PartyFields, m.Party,
                   personal_fields=personal_fields("party"))
LICENSE = RecordKind(CATALOG["license"], m.LicenseFields, m.License,
                     references={"licensor_id": "party", "licensee_id": "party", "asset_ids": "asset"},
                     parties_fixed=frozenset({"licensor_id", "licensee_id"}), links=_license_links)
ASSET = RecordKind(CATALOG["asset"], m.AssetFields, m.Asset,
                   references={"rights_holder_id": "party", "license_id": "license"},
                   extra_references=_asset_people_refs, links=_asset_links)
CONSENT = RecordKind(CATALOG["consent"], m.PerformerConsentFields, m.PerformerConsent,
                     references={"performer_id": "party", "supersedes_id": "consent"},
                     parties_fixed=frozenset({"performer_id"}))
ESTATE_PERMISSION = RecordKind(CATALOG["estate_permission"], m.EstatePermissionFields, m.EstatePermission,
                               references={"decedent_id": "party", "grantor_id": "party"},
                               extra_references=_heir_refs, parties_fixed=frozenset({"decedent_id", "grantor_id"}))
OPT_OUT = RecordKind(CATALOG["opt_out"], m.OptOutSignalFields, m.OptOutSignal,
                     references={"asset_id": "asset"})
DATASET = RecordKind(CATALOG["dataset"], m.DatasetFields, m.Dataset,
                     references={"owner_id": "party"})
DATASET_VERSION = RecordKind(CATALOG["dataset_version"], m.DatasetVersionFields, m.DatasetVersion,
                             references={"dataset_id": "dataset", "asset_ids": "asset"}, links=_version_links)
MODEL = RecordKind(CATALOG["model"], m.AiModelFields, m.AiModel,
                   references={"dataset_version_ids": "dataset_version", "developer_id": "party"},
                   extra_references=_model_parent_refs, links=_model_links)
MODEL_LICENSE = RecordKind(CATALOG["model_license"], m.ModelLicenseFields, m.ModelLicense,
                           references={"licensor_id": "party", "licensee_id": "party", "model_id": "model"},
                           parties_fixed=frozenset({"licensor_id", "licensee_id", "model_id"}))
LEGAL_HOLD = RecordKind(CATALOG["legal_hold"], m.LegalHoldFields, m.LegalHold,
                        extra_references=_legal_hold_refs)


KINDS: dict[str, RecordKind[Any, Any]] = {k.name: k for k in (
    PARTY, LICENSE, ASSET, CONSENT, ESTATE_PERMISSION, OPT_OUT, DATASET, DATASET_VERSION, MODEL, MODEL_LICENSE, LEGAL_HOLD)}

LINK_TABLES: list[type[SQLModel]] = [m.AssetPerson, m.DatasetVersionAsset, m.ModelTraining, m.LicenseAsset,
                                     m.ModelLineage]


def kind_named(name: str) -> RecordKind[Any, Any]:
    """A kind by its name or plural (``NotFound`` naming the known kinds otherwise)."""
    return KINDS[info_named(name).name]
