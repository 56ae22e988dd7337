"""Rights records: what the law makes a studio prove (see shared/DOMAIN.md).

Each record type has a ``*Fields`` class, which validates input at the edges
(API bodies, CLI, imports), and a table class that adds the columns only events
set: the id, the creating log index, and revocation or release state. SQLModel
table classes do not validate on construction, which is why input always goes
through the ``*Fields`` class first.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator
from sqlalchemy import JSON, BigInteger
from sqlmodel import Field, SQLModel

from ledger.records.enums import (
    OPT_OUT_VOCABULARY, AB1836Exception, AcquisitionMethod, Aspect, AssetRole, GrantorKind, Medium, ModelRelationship,
    ModelUse, OptOutSource, PartyKind, ReplicaType, Representation, Role, TitleSource, UnionAgreementVersion, Use)
from ledger.json_limits import MAX_EXACT_INTEGER, unrepresentable
from ledger.records.types import DecimalText, UTCDateTime
from ledger import clock

TERRITORY = re.compile(r"^(WORLD|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")
SHA256 = r"^[0-9a-f]{64}$"


def _money(**kw: Any) -> Any:
    return Field(default=None, sa_type=DecimalText, ge=0, **kw)


def _json_list(**kw: Any) -> Any:
    return Field(default_factory=list, sa_type=JSON, **kw)


def _check_territories(values: list[str]) -> list[str]:
    for value in values:
        if not TERRITORY.match(value):
            raise ValueError(f"{value!r} is not an ISO 3166 code (e.g. 'US', 'US-CA') or 'WORLD'")
    return values


def _check_term(start: date | None, end: date | None, start_name: str, end_name: str) -> None:
    if start and end and end < start:
        raise ValueError(f"{end_name} ({end}) is before {start_name} ({start})")


def _is_boolean(annotation: Any) -> bool:
    """Whether a field is declared ``bool`` or ``bool | None``."""
    return annotation is bool or (get_origin(annotation) in (Union, UnionType)
                                  and bool in get_args(annotation)
                                  and all(a in (bool, type(None)) for a in get_args(annotation)))


def _strict_boolean(model: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """JSON ``true`` or ``false`` only for a boolean field: 0, 1, "no" and "yes" are refused, not read as
    booleans (text from the CLI and CSV is converted by :func:`booleans_from_text` first)."""
    field = model.model_fields.get(info.field_name or "")
    if field is not None and value is not None and not isinstance(value, bool) and _is_boolean(field.annotation):
        raise ValueError(f"must be true or false, not {type(value).__name__} {value!r}"[:200])
    return value


TEXT_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
"""How text (a CLI ``FIELD=VALUE``, a CSV cell) writes a boolean."""


def booleans_from_text(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the text values of ``model``'s boolean fields read as booleans (``true``/``false``,
    ``yes``/``no``, ``1``/``0``); anything else is left for validation to refuse by name."""
    converted = dict(data)
    for name, value in data.items():
        field = model.model_fields.get(name)
        if isinstance(value, str) and field is not None and _is_boolean(field.annotation):
            converted[name] = TEXT_BOOLEANS.get(value.strip().lower(), value)
    return converted


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _booleans(cls, value: Any, info: ValidationInfo) -> Any:
        return _strict_boolean(cls, value, info)


class UseDetermination(_Strict):
    """A legal reviewer's determination about one intended use (Labor Code 927(a)(2)).

    ``specific``: the description of the intended use is reasonably specific;
    ``consistent_with_fundamental_character``: the use is consistent with the contract and the
    fundamental character of the photography or soundtrack as recorded or performed.
    """

    specific: bool = False
    consistent_with_fundamental_character: bool = False
    reviewer: str = Field(min_length=1)
    determined_on: date


class BlanketDetermination(UseDetermination):
    """A legal reviewer's determination that a use under a blanket grant, for one project, is consistent
    with the contract and the fundamental character of the performance (``specific`` cannot apply)."""

    project: str = Field(min_length=1)

    @model_validator(mode="after")
    def _not_specific(self) -> BlanketDetermination:
        if self.specific:
            raise ValueError("a blanket grant has no specific description; record only "
                             "consistent_with_fundamental_character for it")
        return self


class IntendedUse(_Strict):
    """One structured use a performer consented to (AB 2602: a reasonably specific description).

    ``determination`` is the legal reviewer's finding on it; without one the policies treat the
    description as not reasonably specific.
    """

    project: str = Field(min_length=1)
    uses: list[Use] = Field(default_factory=list)
    media: list[Medium] = Field(min_length=1)
    territories: list[str] = Field(min_length=1)
    term_start: date | None = None
    term_end: date | None = None
    scenes_or_roles: list[str] = Field(default_factory=list)
    determination: UseDetermination | None = None

    _territories = field_validator("territories")(classmethod(lambda cls, v: _check_territories(v)))

    @model_validator(mode="after")
    def _term(self) -> IntendedUse:
        _check_term(self.term_start, self.term_end, "term_start", "term_end")
        return self


class DepictedPerson(_Strict):
    """A person seen or heard in an asset, and the record that makes the use lawful."""

    party_id: str
    consent_id: str | None = None
    estate_permission_id: str | None = None


class StrikePeriod(_Strict):
    """A strike by the union against the producer (SAG-AFTRA: no replica use across a strike)."""

    starts_on: date
    ends_on: date | None = None
    union: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _term(self) -> StrikePeriod:
        _check_term(self.starts_on, self.ends_on, "starts_on", "ends_on")
        return self


class ToolAuthorization(_Strict):
    """Tennessee's ELVIS Act: the individual's (after death, the rights holder's) authorisation of a model whose
    primary purpose is producing their voice or likeness (Tenn. Code Ann. 47-25-1105(a)(3))."""

    authorized_by: str = Field(min_length=1, description="party id of the individual, or of the rights holder")
    authorized_on: date
    covers: list[Aspect] = Field(min_length=1)
    distribution_permitted: bool = False
    document_sha256: str | None = Field(default=None, schema_extra={'pattern': SHA256})
    revoked_on: date | None = None

    @model_validator(mode="after")
    def _term(self) -> ToolAuthorization:
        _check_term(self.authorized_on, self.revoked_on, "authorized_on", "revoked_on")
        return self


class HeirShare(_Strict):
    party_id: str
    share: Decimal = Field(gt=0, le=1)


class _RecordFields(SQLModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)  # type: ignore[assignment]  # SQLModel types model_config as its own SQLModelConfig

    @field_validator("*", mode="before")
    @classmethod
    def _booleans(cls, value: Any, info: ValidationInfo) -> Any:
        return _strict_boolean(cls, value, info)

    external_id: str | None = Field(
        default=None, min_length=1, max_length=200, unique=True, index=True,
        description="the studio's own key for this record, unique per kind; `clearance import` skips a row "
                    "whose external_id is already on record, so a fixed file can be imported again whole")


# ---------------------------------------------------------------- parties

class PartyFields(_RecordFields):
    kind: PartyKind
    name: str = Field(min_length=1, max_length=300)
    aliases: list[str] = _json_list()
    born_on: date | None = None
    died_on: date | None = None
    domicile: str | None = None
    domicile_at_death: str | None = Field(
        default=None, description="ISO 3166 code (US-NY, US-CA, FR) of the person's domicile when they died: "
        "which state's post-mortem right applies (N.Y. Civ. Rights Law 50-f reaches people domiciled in New York)")
    elvis_use_established_through: date | None = Field(
        default=None, description="Tennessee (ELVIS Act, Tenn. Code Ann. 47-25-1104(b)): the rights holder's "
        "commercial use of the decedent's name, voice or likeness is established, without a lapse of two years "
        "since the tenth anniversary of the death, through this date")
    elvis_nonuse_from: date | None = Field(default=None, description="Tennessee: start of a recorded period in "
                                           "which the holder did not use the voice or likeness commercially")
    elvis_nonuse_to: date | None = Field(default=None, description="Tennessee: end of that period (none: continuing)")
    union_affiliation: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    postal_address: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> PartyFields:
        if self.died_on and self.died_on > clock.today():
            raise ValueError("died_on is in the future")
        if self.domicile_at_death is not None:
            if not self.died_on:
                raise ValueError("domicile_at_death needs died_on")
            if self.domicile_at_death == "WORLD" or not TERRITORY.match(self.domicile_at_death):
                raise ValueError(f"domicile_at_death {self.domicile_at_death!r} is not an ISO 3166 code "
                                 "(e.g. 'US-NY', 'FR')")
        _check_term(self.born_on, self.died_on, "born_on", "died_on")
        elvis = [f for f in ("elvis_use_established_through", "elvis_nonuse_from", "elvis_nonuse_to")
                 if getattr(self, f) is not None]
        if elvis and not self.died_on:
            raise ValueError(f"{elvis[0]} needs died_on: it records use of the right after death")
        if self.elvis_nonuse_to is not None and self.elvis_nonuse_from is None:
            raise ValueError("elvis_nonuse_to needs elvis_nonuse_from")
        _check_term(self.elvis_nonuse_from, self.elvis_nonuse_to, "elvis_nonuse_from", "elvis_nonuse_to")
        for name in elvis:
            _check_term(self.died_on, getattr(self, name), "died_on", name)
        return self


class Party(PartyFields, table=True):
    __tablename__ = "parties"
    id: str = Field(primary_key=True)
    log_index: int
    redacted: bool = False


# ---------------------------------------------------------------- licenses

class LicenseFields(_RecordFields):
    licensor_id: str
    licensee_id: str
    asset_ids: list[str] = _json_list(description="assets this license covers (besides those naming it)")
    chain_of_title: list[str] = _json_list()
    governing_law: str | None = None
    permitted_uses: list[Use] = Field(sa_type=JSON, min_length=1)
    media: list[Medium] = Field(sa_type=JSON, min_length=1)
    territories: list[str] = Field(sa_type=JSON, min_length=1)
    starts_on: date
    ends_on: date | None = None
    exclusive: bool = False
    attribution: str | None = None
    consideration: Decimal | None = _money()
    currency: str | None = Field(default=None, schema_extra={'pattern': r"^[A-Z]{3}$"})
    source_document_sha256: str | None = Field(default=None, schema_extra={'pattern': SHA256})
    source_uri: str | None = None
    verified_at_source: bool = False
    reviewer: str | None = None
    reviewed_on: date | None = None

    _territories = field_validator("territories")(classmethod(lambda cls, v: _check_territories(v)))

    @model_validator(mode="after")
    def _term(self) -> LicenseFields:
        _check_term(self.starts_on, self.ends_on, "starts_on", "ends_on")
        return self


class Revocable(SQLModel):
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_on: date | None = None
    revocation_reason: str | None = None
    revoked_by: str | None = None


class Amendable(SQLModel):
    """Amendment history, oldest first (see ``ledger.records.amendments``).

    Each item names the log entry of the ``record.amended`` event, when and by whom,
    why, the hash of the signed amendment document, its effective date, and for each
    changed field its value before and after.
    """

    amendments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class License(LicenseFields, Revocable, Amendable, table=True):
    __tablename__ = "licenses"
    id: str = Field(primary_key=True)
    log_index: int


class LicenseAsset(SQLModel, table=True):
    """Index of ``License.asset_ids``."""

    __tablename__ = "license_assets"
    license_id: str = Field(primary_key=True, foreign_key="licenses.id")
    asset_id: str = Field(primary_key=True, index=True)


# ---------------------------------------------------------------- assets

class AssetFields(_RecordFields):
    role: AssetRole
    title: str = Field(min_length=1, max_length=500)
    title_source: TitleSource | None = Field(
        default=None, description="entered or confirmed by a person, or derived (from a file name); "
        "prompt screening reads only titles a person entered or confirmed (none: entered)")
    media_type: str = Field(schema_extra={'pattern': r"^[a-z]+/[a-z0-9.+-]+$"})
    sha256: str = Field(schema_extra={'pattern': SHA256}, index=True)
    md5: str | None = Field(default=None, schema_extra={'pattern': r"^[0-9a-f]{32}$"})
    sha1: str | None = Field(default=None, schema_extra={'pattern': r"^[0-9a-f]{40}$"})
    # files pass 2 GiB; no further than canonical JSON carries an integer exactly
    size_bytes: int | None = Field(default=None, ge=0, le=MAX_EXACT_INTEGER, sa_type=BigInteger)
    source_uri: str | None = None
    acquisition_method: AcquisitionMethod
    acquired_on: date | None = None
    acquired_by: str | None = None
    rights_holder_id: str | None = None
    license_id: str | None = Field(default=None, index=True)
    depicted: list[DepictedPerson] = _json_list()
    rights_management_info: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    notes: str | None = None

    @field_validator("rights_management_info")
    @classmethod
    def _exact_json(cls, value: dict[str, Any]) -> dict[str, Any]:
        found = unrepresentable(value)
        if found is not None:
            raise ValueError(f"{found[0]}: {found[1]}")
        return value


class Asset(AssetFields, table=True):
    __tablename__ = "assets"
    id: str = Field(primary_key=True)
    log_index: int


class AssetPerson(SQLModel, table=True):
    """Index of ``Asset.depicted``: which asset depends on which consent or permission."""

    __tablename__ = "asset_people"
    asset_id: str = Field(primary_key=True, foreign_key="assets.id")
    party_id: str = Field(primary_key=True, index=True)
    consent_id: str | None = Field(default=None, index=True)
    estate_permission_id: str | None = Field(default=None, index=True)


# ---------------------------------------------------------------- performer consent (AB 2602)

class PerformerConsentFields(_RecordFields):
    performer_id: str
    contract_ref: str = Field(min_length=1)
    clause_ref: str | None = None
    executed_on: date
    performance_fixed_on: date | None = None
    replica_type: ReplicaType
    replaces_in_person_work: bool
    intended_uses: list[IntendedUse] = _json_list()
    intended_use_text: str | None = None
    blanket_grant: bool | None = Field(default=False, description="the contract grants replica use without "
                                       "limiting it to described uses; its words go in intended_use_text")
    blanket_determinations: list[BlanketDetermination] = _json_list()
    representation: Representation
    counsel_name: str | None = None
    counsel_bar_number: str | None = None
    signed_terms_sha256: str | None = Field(default=None, schema_extra={'pattern': SHA256})
    union_name: str | None = None
    union_agreement: str | None = None
    union_clause: str | None = None
    union_agreement_covers_replicas: bool = False
    union_represents_proposed_work: bool | None = Field(default=False, description="the union represents workers who "
                                                 "do the work the replica stands in for (N.Y. Gen. Oblig. Law 5-302)")
    governing_law: str | None = Field(default=None, description="ISO 3166 code of the law governing the "
                                      "contract (US-CA, US-NY): N.Y. Gen. Oblig. Law 5-302 judges New York contracts")
    replica_terms_separately_signed: bool | None = Field(default=False, description="the replica terms were separately "
                                                  "signed or initialled, or in a separate signed writing "
                                                  "(N.Y. Gen. Oblig. Law 5-302 counsel prong)")
    union_agreement_version: UnionAgreementVersion | None = Field(
        default=None, description="the SAG-AFTRA agreement the union prong relies on (sag_aftra_tv_2023, "
        "sag_aftra_tv_2026, other); none with representation 'union': review")
    synthetic_performer_use: bool | None = Field(default=False, description="the replica's features go into a "
                                                 "synthetic performer (SAG-AFTRA: notice to the union)")
    union_notified_on: date | None = Field(default=None, description="when the union was given notice of the "
                                           "synthetic-performer use and an opportunity to bargain")
    scan_business_reason: str | None = Field(default=None, max_length=2000, description="the producer's stated "
                                             "business reason for the scan (SAG-AFTRA 2026)")
    no_use_during_strike: bool | None = Field(default=None, description="the consent (or its agreement) bars "
                                              "replica use during a strike; none: not recorded")
    strike_periods: list[StrikePeriod] = _json_list(description="strikes by the union against the producer")
    use_consistent_with_performance: bool = Field(default=False, description="legacy, not relied on: record a "
                                                  "reviewer's determination per intended use instead")
    covers_voice: bool = False
    covers_likeness: bool = True
    digital_alteration_allowed: bool = False
    compensation: Decimal | None = _money()
    currency: str | None = Field(default=None, schema_extra={'pattern': r"^[A-Z]{3}$"})
    survives_death: bool = True
    document_sha256s: list[str] = _json_list()
    supersedes_id: str | None = None

    @model_validator(mode="after")
    def _representation(self) -> PerformerConsentFields:
        # Terms not signed or initialled are a fact to record (signed_terms_sha256 left empty); the
        # policies then find the counsel prong of Labor Code 927(a)(3) unmet.
        if self.governing_law is not None and (self.governing_law == "WORLD" or not TERRITORY.match(self.governing_law)):
            raise ValueError(f"governing_law {self.governing_law!r} is not an ISO 3166 code (e.g. 'US-CA', 'US-NY')")
        if self.representation == Representation.counsel:
            missing = [f for f in ("counsel_name", "counsel_bar_number") if not getattr(self, f)]
            if missing:
                raise ValueError(f"representation 'counsel' needs {', '.join(missing)}")
        if self.representation == Representation.union:
            missing = [f for f in ("union_name", "union_agreement") if not getattr(self, f)]
            if missing:
                raise ValueError(f"representation 'union' needs {', '.join(missing)}")
        if not (self.covers_voice or self.covers_likeness):
            raise ValueError("a consent must cover the voice, the likeness or both")
        if self.blanket_grant and self.intended_uses:
            raise ValueError("a blanket grant has no structured intended_uses; record one or the other")
        if self.blanket_grant and not (self.intended_use_text or "").strip():
            raise ValueError("a blanket grant needs its words in intended_use_text")
        if self.blanket_determinations and not self.blanket_grant:
            raise ValueError("blanket_determinations apply to a blanket grant; put a determination on each "
                             "intended use instead")
        return self


class PerformerConsent(PerformerConsentFields, Revocable, Amendable, table=True):
    __tablename__ = "performer_consents"
    id: str = Field(primary_key=True)
    log_index: int


# ---------------------------------------------------------------- estate permission (AB 1836)

class EstatePermissionFields(_RecordFields):
    decedent_id: str
    died_on: date
    domicile: str | None = None
    rights_expire_on: date | None = Field(default=None, description="the last protected day: the 70th "
                                          "anniversary of the death (28 February for a death on 29 February)")
    grantor_id: str | None = Field(default=None, description="who grants the permission; none for an exception")
    grantor_kind: GrantorKind | None = None
    heirs: list[HeirShare] = _json_list()
    chain_of_title_sha256s: list[str] = _json_list()
    registration_number: str | None = None
    registration_date: date | None = None
    registry_searched_on: date | None = None
    ny_registration_number: str | None = Field(default=None, description="the successor's registration with the "
                                               "New York Secretary of State (N.Y. Civ. Rights Law 50-f)")
    ny_registration_date: date | None = None
    permitted_works: list[str] = _json_list()
    permitted_uses: list[Use] = _json_list()
    media: list[Medium] = _json_list()
    territories: list[str] = _json_list()
    term_start: date | None = None
    term_end: date | None = None
    consent_date: date | None = None
    consideration: Decimal | None = _money()
    currency: str | None = Field(default=None, schema_extra={'pattern': r"^[A-Z]{3}$"})
    exception: AB1836Exception | None = None
    exception_reviewer: str | None = None
    exception_reviewed_on: date | None = None
    covers_voice: bool | None = Field(default=False, description="the permission covers the decedent's voice")
    covers_likeness: bool | None = Field(default=True, description="the permission covers the decedent's likeness")

    _territories = field_validator("territories")(classmethod(lambda cls, v: _check_territories(v)))

    @model_validator(mode="after")
    def _rules(self) -> EstatePermissionFields:
        expiry = _add_years(self.died_on, 70)
        if self.rights_expire_on is None:
            self.rights_expire_on = expiry
        elif self.rights_expire_on != expiry:
            raise ValueError(f"rights_expire_on must be died_on + 70 years ({expiry})")
        # An exception is nobody's grant, and one not yet signed off is a fact to record: the policies
        # refuse to rely on it and say what is missing.
        if not self.exception:
            missing = [f for f in ("grantor_id", "grantor_kind", "consent_date") if not getattr(self, f)]
            if missing:
                raise ValueError(f"a permission (no exception recorded) needs {', '.join(missing)}")
            if not (self.registration_number or self.registry_searched_on):
                raise ValueError("give registration_number (with registration_date) or registry_searched_on")
        if self.grantor_kind == GrantorKind.heirs and not self.heirs:
            raise ValueError("grantor_kind 'heirs' needs the heirs and their shares")
        if self.heirs and sum(h.share for h in self.heirs) > 1:
            raise ValueError("heirs' shares add up to more than 1")
        if self.exception_reviewed_on and not self.exception_reviewer:
            raise ValueError("exception_reviewed_on needs exception_reviewer: who signed the exception off")
        if not self.covers_voice and self.covers_likeness is False:  # None: a record from before the field
            raise ValueError("an estate permission must cover the voice, the likeness or both")
        _check_term(self.term_start, self.term_end, "term_start", "term_end")
        return self


def _add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 28 February for 29 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class EstatePermission(EstatePermissionFields, Revocable, Amendable, table=True):
    __tablename__ = "estate_permissions"
    id: str = Field(primary_key=True)
    log_index: int


# ---------------------------------------------------------------- opt-out signals

class OptOutSignalFields(_RecordFields):
    asset_id: str = Field(index=True)
    source: OptOutSource
    entry: str
    value: str
    constraint_details: str | None = None
    read_from: str = Field(min_length=1)
    read_at: datetime = Field(sa_type=UTCDateTime)

    @model_validator(mode="after")
    def _vocabulary(self) -> OptOutSignalFields:
        entries, values = OPT_OUT_VOCABULARY[self.source.value]
        if self.entry not in entries:
            raise ValueError(f"entry {self.entry!r} is not one of {sorted(entries)} for source {self.source.value}")
        if self.value not in values:
            raise ValueError(f"value {self.value!r} is not one of {sorted(values)} for source {self.source.value}")
        return self


class OptOutSignal(OptOutSignalFields, table=True):
    __tablename__ = "opt_out_signals"
    id: str = Field(primary_key=True)
    log_index: int


# ---------------------------------------------------------------- datasets and models

class DatasetFields(_RecordFields):
    name: str = Field(min_length=1)
    description: str | None = None
    owner_id: str | None = None


class Dataset(DatasetFields, table=True):
    __tablename__ = "datasets"
    id: str = Field(primary_key=True)
    log_index: int


class DatasetVersionFields(_RecordFields):
    dataset_id: str
    version: str = Field(min_length=1)
    frozen_on: date | None = None
    asset_ids: list[str] = _json_list()
    notes: str | None = None


class DatasetVersion(DatasetVersionFields, table=True):
    __tablename__ = "dataset_versions"
    id: str = Field(primary_key=True)
    log_index: int
    revocation_flags: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    """Revoked licenses and consents its assets relied on (set by ``dataset_version.flagged``)."""


class DatasetVersionAsset(SQLModel, table=True):
    __tablename__ = "dataset_version_assets"
    dataset_version_id: str = Field(primary_key=True, foreign_key="dataset_versions.id")
    asset_id: str = Field(primary_key=True, index=True)


class ModelParent(_Strict):
    """A model this one derives from, how, and the parent checkpoint it started from."""

    model_id: str = Field(min_length=1)
    relationship: ModelRelationship
    checkpoint_sha256: str | None = Field(default=None, schema_extra={'pattern': SHA256})


class AiModelFields(_RecordFields):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    checkpoint_sha256: str | None = Field(default=None, schema_extra={'pattern': SHA256})
    dataset_version_ids: list[str] = _json_list()
    trained_on: date | None = None
    developer_id: str | None = None
    parents: list[ModelParent] = _json_list(description="models this one was fine-tuned, distilled or merged from, "
                                            "or is an adapter on")
    dedicated_person_id: str | None = Field(default=None, description="the one person whose voice or likeness "
                                            "producing is the model's primary purpose or function (a voice model of "
                                            "one performer): a tool under Tennessee's ELVIS Act")
    dedicated_aspects: list[Aspect] = _json_list(description="voice and/or likeness: what of that person it produces")
    elvis_authorization: ToolAuthorization | None = Field(
        default=None, sa_type=JSON, description="that person's (after death, the rights holder's) authorisation "
        "of the tool: authorized_by, authorized_on, covers, distribution_permitted, document_sha256, revoked_on")

    @model_validator(mode="after")
    def _parents_once(self) -> AiModelFields:
        ids = [p.model_id for p in self.parents]
        if len(ids) != len(set(ids)):
            raise ValueError("a parent model is listed twice")
        if self.dedicated_person_id is None and (self.dedicated_aspects or self.elvis_authorization is not None):
            raise ValueError("dedicated_aspects and elvis_authorization need dedicated_person_id")
        if self.dedicated_person_id is not None and not self.dedicated_aspects:
            raise ValueError("a model dedicated to a person needs dedicated_aspects (voice, likeness or both)")
        return self


class AiModel(AiModelFields, table=True):
    __tablename__ = "ai_models"
    id: str = Field(primary_key=True)
    log_index: int


class ModelTraining(SQLModel, table=True):
    __tablename__ = "model_training"
    model_id: str = Field(primary_key=True, foreign_key="ai_models.id")
    dataset_version_id: str = Field(primary_key=True, index=True)


class ModelLineage(SQLModel, table=True):
    """Index of ``AiModel.parents``: which model derives from which (for descendants)."""

    __tablename__ = "model_lineage"
    model_id: str = Field(primary_key=True, foreign_key="ai_models.id")
    parent_id: str = Field(primary_key=True, index=True)
    relationship: str


# ---------------------------------------------------------------- model licenses

class ModelLicenseFields(_RecordFields):
    """A model licensed by whoever holds it to another party (a template for a creator's fine-tune)."""

    licensor_id: str
    licensee_id: str
    model_id: str = Field(index=True)
    permitted_uses: list[ModelUse] = Field(sa_type=JSON, min_length=1)
    media: list[Medium] = Field(sa_type=JSON, min_length=1)
    territories: list[str] = Field(sa_type=JSON, min_length=1)
    starts_on: date
    ends_on: date | None = None
    consideration: Decimal | None = _money()
    currency: str | None = Field(default=None, schema_extra={'pattern': r"^[A-Z]{3}$"})
    source_document_sha256: str | None = Field(default=None, schema_extra={'pattern': SHA256})

    _territories = field_validator("territories")(classmethod(lambda cls, v: _check_territories(v)))

    @model_validator(mode="after")
    def _term(self) -> ModelLicenseFields:
        _check_term(self.starts_on, self.ends_on, "starts_on", "ends_on")
        return self


class ModelLicense(ModelLicenseFields, Revocable, Amendable, table=True):
    __tablename__ = "model_licenses"
    id: str = Field(primary_key=True)
    log_index: int


# ---------------------------------------------------------------- legal holds

class LegalHoldFields(_RecordFields):
    matter: str = Field(min_length=1)
    record_kind: str
    record_id: str
    placed_by: str = Field(min_length=1)
    placed_on: date
    reason: str | None = None


class LegalHold(LegalHoldFields, table=True):
    __tablename__ = "legal_holds"
    id: str = Field(primary_key=True)
    log_index: int
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    release_reason: str | None = None


# ---------------------------------------------------------------- API keys

class ApiKey(SQLModel, table=True):
    """A caller's key. Only a SHA-256 of the secret part is kept."""

    __tablename__ = "api_keys"
    id: str = Field(primary_key=True)
    role: Role
    label: str | None = None
    secret_sha256: str
    log_index: int
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
