"""The typed facts the ledger hands to the policy engine.

These models carry what the records say, not what the law concludes: whether a
consent is enforceable, whether a death is recent enough to matter, which
opt-out values block training, all of that is decided in the ``.cedar`` files.
The models only check shape (types, dates, a SHA-256 looking like one) so that
a malformed record fails here, naming its field, rather than inside Cedar.

Scopes are explicit and fail closed: a grant covers a medium only if
``any_media`` is true or the medium is listed, and a territory only if
``worldwide`` is true or the territory is listed. Leaving them out covers
nothing.

Vocabulary (plain strings, so legal teams can extend it in the policies):

* uses: ``train``, ``fine_tune``, ``generate``, ``distribute``, ``commercial``,
  ``advertising``, ``replica`` ... whatever the studio's licenses name.
* media: ``film``, ``tv``, ``streaming``, ``social``, ``advertising`` ...
* territories: ISO 3166 codes (``US``, ``FR``) or the studio's own regions.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator, model_validator

Action = Literal["train", "generate", "release", "create_replica", "offer_model"]
"""The Cedar actions a request can ask about."""

Representation = Literal["counsel", "union", "none"]
Channel = Literal["exact", "perceptual", "semantic", "identity", "voice"]
Strength = Literal["strong", "grey"]
AssetKind = Literal["training", "reference", "likeness_reference"]

Names = Annotated[frozenset[str], PlainSerializer(sorted, return_type=list[str])]
"""A set of names that serialises as a sorted list, so dumps are deterministic (for digests)."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_IPTC_VOCAB = "http://ns.useplus.org/ldf/vocab/"
CONSTRAINED_VALUES = frozenset({"constrained", "DMI-ALLOWED-WITHCONSTRAINTS", "DMI-PROHIBITED-SEECONSTRAINT"})


class _Facts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GrantScope(_Facts):
    """What a license, consent or estate permission permits, and for how long.

    ``ends_on`` is the last day covered; ``None`` means no end date.
    """

    id: str = Field(min_length=1)
    uses: Names = frozenset()
    any_media: bool = False
    media: Names = frozenset()
    worldwide: bool = False
    territories: Names = frozenset()
    starts_on: date
    ends_on: date | None = None
    revoked: bool = False
    revoked_on: date | None = None
    """The revocation's effective date: uses from that day on are not covered. ``revoked`` without a
    date is taken as revoked since before any use (fail closed)."""

    @model_validator(mode="after")
    def _term_in_order(self) -> GrantScope:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError(f"ends_on {self.ends_on} is before starts_on {self.starts_on}")
        if self.revoked_on is not None and not self.revoked:
            raise ValueError("revoked_on is set but revoked is false")
        return self


class LicenseFacts(GrantScope):
    """A license for one or more assets, as verified at its source."""


class ConsentFacts(GrantScope):
    """A performer's consent to digital replicas of their voice or likeness (AB 2602, union terms).

    Two steps, kept apart: the scope *as granted*, then enforceability under
    Labor Code 927. Scope: ``projects``, uses, media, territories and term of
    one structured intended use, or ``blanket`` for a grant recorded explicitly
    as covering everything (its text kept on the record). Enforceability:

    * ``performance_fixed_on``: when the person's own performance was fixed
      (``None`` when the record does not say). It never decides whether Labor
      Code 927(a) reaches a use: the statute dates the replica's *new*
      performance (:attr:`RequestContext.new_performance_on`).
    * ``specific_use_description``: a legal reviewer determined this intended
      use reasonably specific (the policies also require that it names the
      project, the uses and the media, not "any").
    * ``consistent_with_fundamental_character``: a legal reviewer determined
      the use consistent with the contract and the fundamental character of the
      performance as recorded; ``consistent_for_projects`` holds the projects
      such a determination was recorded for under a blanket grant.
    * ``determined_by`` / ``determined_on``: who made the determination, when.
    * ``counsel_signed_terms_sha256``: the writing the performer signed or
      initialled when represented by counsel (absent: not signed).
    * ``covers_voice`` / ``covers_likeness``: what the consent is for.
    * New York (GOL 5-302): ``executed_on`` / ``modified_on`` date the contract;
      ``replica_terms_separately_signed`` (counsel prong) and
      ``union_represents_proposed_work`` (union prong).
    """

    projects: Names = frozenset()
    blanket: bool = False
    performance_fixed_on: date | None
    replaces_in_person_work: bool = True
    specific_use_description: bool = False
    consistent_with_fundamental_character: bool = False
    consistent_for_projects: Names = frozenset()
    determined_by: str | None = None
    determined_on: date | None = None
    representation: Representation = "none"
    counsel_signed_terms_sha256: str | None = None
    union_agreement_covers_replicas: bool = False
    union_represents_proposed_work: bool = False
    replica_terms_separately_signed: bool = False
    governing_law: str | None = None
    """ISO 3166 code of the law governing the contract (``US-NY``); ``None``: not recorded."""
    executed_on: date | None = None
    modified_on: date | None = None
    """The latest amendment of the contract in force on the use date (N.Y. GOL 5-302 reaches contracts
    entered into or modified on or after 2025-01-01); ``None``: never amended."""
    survives_death: bool = True
    covers_voice: bool = False
    covers_likeness: bool = True
    replica_type: str = "employment_based"
    """``employment_based`` (made with the performer's participation: a scan), ``independently_created``
    or ``background``."""
    # SAG-AFTRA TV/Theatrical terms, read where the consent relies on the union prong.
    union_agreement_version: str | None = None
    """Which agreement the union prong relies on (``sag_aftra_tv_2023``, ``sag_aftra_tv_2026``, ``other``);
    ``None``: not recorded."""
    synthetic_performer_use: bool = False
    """The replica's features go into a synthetic performer (not a replica of the performer as such)."""
    union_notified_on: date | None = None
    """When the union was given notice (and an opportunity to bargain) of the synthetic-performer use."""
    scan_business_reason: bool = False
    """The producer's business reason for the scan is recorded (its words stay on the record)."""
    no_use_during_strike: bool | None = None
    """The consent (or the agreement it relies on) bars replica use during a strike; ``None``: not recorded."""
    strike_started_on: date | None = None
    strike_ended_on: date | None = None
    """The latest strike recorded on the consent that began on or before the use date, and its end
    (``None``: still on); both ``None`` when no strike began by then."""

    @field_validator("counsel_signed_terms_sha256")
    @classmethod
    def _hex_sha256(cls, value: str | None) -> str | None:
        if value is not None and not _SHA256.fullmatch(value):
            raise ValueError("expected 64 lowercase hex digits (SHA-256 of the signed terms)")
        return value


class EstatePermissionFacts(GrantScope):
    """Permission from a deceased personality's rights holder (AB 1836), or a recorded exception.

    For a permission, ``consent_on`` is the date the rights holder consented.
    For an exception, ``exception`` names it (``news``, ``public_affairs``,
    ``sports``, ``comment``, ``criticism``, ``scholarship``, ``satire``,
    ``parody``, ``documentary``, ``historical``, ``biographical``,
    ``fleeting_or_incidental``, ``advertising_for_exempt_work``),
    ``legal_reviewer`` who signed it off and ``consent_on`` the sign-off date
    (both ``None`` when nobody has signed it off yet). ``works`` are the works
    it names; ``covers_voice`` / ``covers_likeness`` what it is for.
    """

    works: Names = frozenset()
    consent_on: date | None
    exception: str | None = None
    legal_reviewer: str | None = None
    covers_voice: bool = False
    covers_likeness: bool = True


class PersonFacts(_Facts):
    """A registered person: performer, subject of a likeness, or deceased personality."""

    id: str = Field(min_length=1)
    name: str = ""
    deceased: bool = False
    died_on: date | None = None
    domicile_at_death: str | None = None
    """ISO 3166 code of the domicile at death (``US-NY``): which state's post-mortem right applies."""
    domicile: str | None = None
    """ISO 3166 code of a living person's domicile (``US-TN``): Tennessee's ELVIS Act protects its domiciliaries."""
    elvis_use_established_through: date | None = None
    """After death: the rights holder's commercial use of the voice or likeness is established, without a lapse
    of two years since the tenth anniversary of the death, through this date (Tenn. Code Ann. § 47-25-1104)."""
    elvis_nonuse_from: date | None = None
    elvis_nonuse_to: date | None = None
    """A recorded period of non-use for commercial purposes by the holder (``to`` ``None``: continuing)."""
    consents: list[ConsentFacts] = []
    estate_permissions: list[EstatePermissionFacts] = []

    @model_validator(mode="after")
    def _death_is_dated(self) -> PersonFacts:
        if self.deceased and self.died_on is None:
            raise ValueError("died_on is required when deceased is true")
        if self.died_on is not None and not self.deceased:
            raise ValueError("died_on is set but deceased is false")
        if self.domicile_at_death is not None and not self.deceased:
            raise ValueError("domicile_at_death is set but deceased is false")
        return self


class OptOutSignal(_Facts):
    """One training/mining signal read from an asset.

    ``entry`` is the signal's key as read: ``cawg.ai_training``,
    ``c2pa.ai_training`` (legacy label), ``plus:DataMining``,
    ``tdm-reservation``, ``robots``, ``ai.txt``. ``value`` is its value:
    ``allowed``, ``notAllowed``, ``constrained``, an IPTC code such as
    ``DMI-PROHIBITED-AIMLTRAINING`` (the full vocabulary URI is accepted and
    shortened), ``1``/``0``, or ``allow``/``disallow``. ``constraint`` is the
    details a constrained value carries (CAWG ``constraint_info``, the IPTC
    constraint), as read; ``None`` when there are none.
    """

    entry: str = Field(min_length=1)
    value: str = Field(min_length=1)
    constraint: str | None = None
    read_from: str = ""
    read_at: datetime | None = None

    @field_validator("value")
    @classmethod
    def _short_iptc_code(cls, value: str) -> str:
        return value.removeprefix(_IPTC_VOCAB).strip()

    @property
    def constrained(self) -> bool:
        """The value defers to a constraint (CAWG ``constrained``, IPTC ``...WITHCONSTRAINTS``/``...SEECONSTRAINT``)."""
        return self.value in CONSTRAINED_VALUES

    @property
    def token(self) -> str:
        """The ``entry=value`` string the opt-out policy matches against.

        A constrained value that carries details becomes ``entry=value+details``:
        the policies weigh the details instead of treating it as not allowed.
        """
        details = "+details" if self.constrained and self.constraint and self.constraint.strip() else ""
        return f"{self.entry}={self.value}{details}"

    def granted_uses(self) -> frozenset[str] | None:
        """The uses a constraint grants in the machine-readable form, else ``None``.

        The form is a JSON object ``{"allowed_uses": ["train", ...]}`` (optionally with other keys,
        which grant nothing). Anything else is prose for a person to read.
        """
        if not self.constrained or not self.constraint:
            return None
        try:
            parsed = json.loads(self.constraint)
        except ValueError:
            return None
        uses = parsed.get("allowed_uses") if isinstance(parsed, dict) else None
        if not isinstance(uses, list) or not all(isinstance(u, str) and u for u in uses):
            return None
        return frozenset(uses)


class AssetFacts(_Facts):
    """A registered work: a training asset, a reference work or a likeness reference."""

    id: str = Field(min_length=1)
    title: str = ""
    kind: AssetKind = "training"
    licenses: list[LicenseFacts] = []
    opt_outs: list[OptOutSignal] = []
    people_depicted: list[str] = []
    """Ids of people (given in the request's ``people``) who appear in the asset."""
    own_production: bool = False
    """The studio asking holds the rights itself (its own production): no license is needed from anyone."""


class MatchFacts(_Facts):
    """One similarity match from the fingerprint search, classified by the ledger.

    ``subject`` says whether the match is to a registered work (``asset``) or
    to an enrolled person's likeness (``person``); ``strength`` is the ledger's
    classification against its calibrated thresholds.
    """

    subject: Literal["asset", "person"]
    subject_id: str = Field(min_length=1)
    channel: Channel
    """``identity`` is a face, ``voice`` a voice; the others compare works."""
    score: float
    strength: Strength
    threshold: float | None = None
    query_time_s: float | None = None
    matched_time_s: float | None = None


class ModelLicenseFacts(GrantScope):
    """A license of a model to the party using it (uses: fine_tune, generate, release, commercial, sublicense)."""


class ModelFacts(_Facts):
    """A model: one held by another party with the licenses it granted to the party using it, the clip's own
    model, or a model being offered; and, for Tennessee's ELVIS Act, whether it is a tool dedicated to one
    person's voice or likeness and what authorises it."""

    id: str = Field(min_length=1)
    name: str = ""
    licenses: list[ModelLicenseFacts] = []
    dedicated_to: str | None = None
    """The one person whose voice or likeness producing is the model's primary purpose or function."""
    dedicated_aspects: Names = frozenset()
    """``voice`` and/or ``likeness``: what of that person the model produces."""
    dedicated_domicile: str | None = None
    """That person's domicile (living) or domicile at death, as recorded."""
    tool_authorized_on: date | None = None
    tool_authorization_covers: Names = frozenset()
    tool_distribution_permitted: bool = False
    tool_authorization_revoked_on: date | None = None
    """The ELVIS authorisation recorded on the model: its date, the aspects it covers, whether it permits
    making the tool available to others, and when it was revoked (``None``: not revoked)."""


class RequestContext(_Facts):
    """What is being asked: who, which action, for which use, where and when.

    The principal is ``service_id`` when given, else ``model_id``; ``train``
    needs ``model_id``. ``use_date`` is the date of the use: the training run,
    the generation, or the planned release date. ``project`` is the project or
    work the use is for (for training, the model or training project consents
    and permissions name). ``generated_on`` is when the clip (the replica's new
    performance) was generated, when known; Labor Code 927(a) dates scope by it.
    """

    action: Action
    model_id: str | None = None
    service_id: str | None = None
    project: str = Field(min_length=1)
    uses: Names = Field(min_length=1)
    media: Names = frozenset()
    territories: Names = Field(min_length=1)
    use_date: date
    generated_on: date | None = None
    clip_id: str | None = None
    reference_inputs: list[str] = []
    declared_people: list[str] = []
    declared_voices: list[str] = []
    """People whose voice the clip uses (declared by the service), judged like declared likenesses."""
    prompt_people: list[str] = []
    prompt_works: list[str] = []
    replica_subjects: list[str] = []
    licensed_models: list[str] = []
    """Models held by another party that the clip was generated with, under a model license."""
    fine_tuned_bases: list[str] = []
    """Models held by another party that the clip's model was fine-tuned (distilled, merged...) from."""
    clip_models: list[str] = []
    """The model that generated the clip, when it is a tool dedicated to one person (among ``models``)."""

    @property
    def new_performance_on(self) -> date:
        """When the replica's new performance is fixed: the generation date, else at the latest the use date."""
        return self.generated_on or self.use_date

    @model_validator(mode="after")
    def _principal_fits_action(self) -> RequestContext:
        if self.model_id is None and self.service_id is None:
            raise ValueError("give model_id or service_id: the principal making the request")
        if self.action == "train" and self.model_id is None:
            raise ValueError("action 'train' needs model_id: the model being trained")
        if self.action == "create_replica" and not self.replica_subjects:
            raise ValueError("action 'create_replica' needs replica_subjects: whose replica is made")
        if self.generated_on is not None and self.generated_on > self.use_date:
            raise ValueError(f"generated_on {self.generated_on} is after use_date {self.use_date}: "
                             "a clip is generated before it is used")
        return self


class PolicyRequest(_Facts):
    """Everything one decision needs: the request and the records it touches.

    ``assets`` and ``people`` hold every record the request or the matches
    name (reference inputs, matched works, people declared, detected or named
    in the prompt, people depicted in training assets).
    """

    context: RequestContext
    assets: list[AssetFacts] = []
    people: list[PersonFacts] = []
    matches: list[MatchFacts] = []
    models: list[ModelFacts] = []
