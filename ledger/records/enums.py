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


class AB1836Exception(StrEnum):
    news_public_affairs_sports = "news_public_affairs_sports"
    comment_criticism_scholarship_satire_parody = "comment_criticism_scholarship_satire_parody"
    documentary_historical_biographical = "documentary_historical_biographical"
    fleeting_incidental = "fleeting_incidental"
    advertising_for_exempt_work = "advertising_for_exempt_work"


class OptOutSource(StrEnum):
    cawg_training_mining = "cawg.training-mining"
    c2pa_training_mining = "c2pa.training-mining"
    iptc_data_mining = "iptc:plus:DataMining"
    tdmrep = "tdmrep"
    robots_txt = "robots.txt"
    ai_txt = "ai.txt"


class OptOutEntry(StrEnum):
    ai_training = "cawg.ai_training"
    ai_generative_training = "cawg.ai_generative_training"
    ai_inference = "cawg.ai_inference"
    data_mining = "cawg.data_mining"
    tdm = "tdm"
    all = "all"


class OptOutValue(StrEnum):
    allowed = "allowed"
    not_allowed = "notAllowed"
    constrained = "constrained"


class Role(StrEnum):
    admin = "admin"
    registrar = "registrar"
    generator = "generator"
    legal = "legal"
    auditor = "auditor"
