"""Closed vocabularies of the rights records. Values are what the API and files use."""

from __future__ import annotations

from enum import StrEnum


class PartyKind(StrEnum):
    person = "person"
    organisation = "organisation"
    estate = "estate"


class AssetRole(StrEnum):
    training_asset = "training_asset"
    reference_work = "reference_work"
    likeness_reference = "likeness_reference"


class TitleSource(StrEnum):
    """Where an asset's title came from: prompt screening reads only what a person entered or confirmed."""

    entered = "entered"
    confirmed = "confirmed"
    derived = "derived"


class AcquisitionMethod(StrEnum):
    own_production = "own_production"
    licensed = "licensed"
    purchased = "purchased"
    commissioned = "commissioned"
    public_domain = "public_domain"
    crawled = "crawled"
    user_submitted = "user_submitted"
    synthetic = "synthetic"


class Use(StrEnum):
    """What a license, consent or permission allows the studio to do."""

    train = "train"
    fine_tune = "fine_tune"
    generate = "generate"
    generate_derivatives = "generate_derivatives"
    create_replica = "create_replica"
    release = "release"
    distribute = "distribute"
    commercial = "commercial"
    distribute_model = "distribute_model"
    """On a training asset's license: models trained on it may be offered to third parties."""


class ModelRelationship(StrEnum):
    """How a model derives from a parent model (``ledger.records.lineage``)."""

    fine_tuned_from = "fine_tuned_from"
    distilled_from = "distilled_from"
    merged_from = "merged_from"
    adapter_on = "adapter_on"


class ModelUse(StrEnum):
    """What a model license lets its licensee do with the model."""

    fine_tune = "fine_tune"
    generate = "generate"
    release = "release"
    commercial = "commercial"
    sublicense = "sublicense"


class Medium(StrEnum):
    any = "any"
    theatrical = "theatrical"
    television = "television"
    streaming = "streaming"
    home_video = "home_video"
    advertising = "advertising"
    social_media = "social_media"
    games = "games"
    audio = "audio"
    print = "print"
    merchandise = "merchandise"
    """On or in products, merchandise or goods (posters, toys, apparel): Civil Code 3344.1(a)(1)."""
    internal = "internal"


class ReplicaType(StrEnum):
    employment_based = "employment_based"
    independently_created = "independently_created"
    background = "background"


class Representation(StrEnum):
    none = "none"
    counsel = "counsel"
    union = "union"


class GrantorKind(StrEnum):
    transferee = "transferee"
    estate = "estate"
    heirs = "heirs"


class UnionAgreementVersion(StrEnum):
    """The collective bargaining agreement a consent's union prong relies on (policies/sag_aftra.cedar)."""

    sag_aftra_tv_2023 = "sag_aftra_tv_2023"
    """SAG-AFTRA TV/Theatrical agreement ratified in 2023."""
    sag_aftra_tv_2026 = "sag_aftra_tv_2026"
    """SAG-AFTRA TV/Theatrical agreement ratified in 2026."""
    other = "other"


class Aspect(StrEnum):
    """What of a person a tool produces or an authorisation covers."""

    voice = "voice"
    likeness = "likeness"


class AB1836Exception(StrEnum):
    """Civil Code 3344.1 exceptions, one value per statutory ground."""

    news = "news"
    public_affairs = "public_affairs"
    sports = "sports"
    comment = "comment"
    criticism = "criticism"
    scholarship = "scholarship"
    satire = "satire"
    parody = "parody"
    documentary = "documentary"
    historical = "historical"
    biographical = "biographical"
    fleeting_or_incidental = "fleeting_or_incidental"
    advertising_for_exempt_work = "advertising_for_exempt_work"


class OptOutSource(StrEnum):
    cawg_training_mining = "cawg.training-mining"
    c2pa_training_mining = "c2pa.training-mining"
    iptc_data_mining = "iptc:plus:DataMining"
    tdmrep = "tdmrep"
    robots_txt = "robots.txt"
    ai_txt = "ai.txt"


OPT_OUT_VOCABULARY: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # source -> (entries it can carry, values an entry can take)
    "cawg.training-mining": (
        frozenset({"cawg.ai_training", "cawg.ai_generative_training", "cawg.ai_inference", "cawg.data_mining"}),
        frozenset({"allowed", "notAllowed", "constrained"})),
    "c2pa.training-mining": (
        frozenset({"c2pa.ai_training", "c2pa.ai_generative_training", "c2pa.ai_inference", "c2pa.data_mining"}),
        frozenset({"allowed", "notAllowed", "constrained"})),
    "iptc:plus:DataMining": (
        frozenset({"plus:DataMining"}),
        frozenset({"DMI-UNSPECIFIED", "DMI-ALLOWED", "DMI-ALLOWED-WITHCONSTRAINTS", "DMI-PROHIBITED",
                   "DMI-PROHIBITED-AIMLTRAINING", "DMI-PROHIBITED-GENAIMLTRAINING",
                   "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "DMI-PROHIBITED-SEECONSTRAINT"})),
    "tdmrep": (frozenset({"tdm-reservation"}), frozenset({"0", "1"})),
    "robots.txt": (frozenset({"robots"}), frozenset({"allow", "disallow"})),
    "ai.txt": (frozenset({"ai.txt"}), frozenset({"allow", "disallow"})),
}


class Role(StrEnum):
    admin = "admin"
    registrar = "registrar"
    generator = "generator"
    legal = "legal"
    auditor = "auditor"
    resolver = "resolver"  # the C2PA Soft Binding Resolution API only (/sbr/v1)
