"""The assertions Clearance writes and reads: its release record and training-mining entries."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal, Mapping, TypeGuard

from ledger.errors import FieldProblem, ValidationFailed

CLEARANCE_LABEL = "dev.clearance.release"
CLEARANCE_SCHEMA_VERSION = 1
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
TRAINING_MINING_LABELS = ("cawg.training-mining", "c2pa.training-mining")

TrainingUse = Literal["allowed", "notAllowed", "constrained"]
_USES = ("allowed", "notAllowed", "constrained")


def _is_use(value: object) -> TypeGuard[TrainingUse]:
    """Whether ``value`` is one of the training-mining ``use`` values."""
    return value in _USES
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

#: Verdicts that permit signing: a check that passed, or a review a person approved.
SIGNABLE_VERDICTS = ("pass", "approved")


@dataclass(frozen=True)
class ClearanceRelease:
    """What the Clearance assertion records about the check that cleared a clip.

    ``verdict`` is ``"pass"`` (the check passed) or ``"approved"`` (a reviewer
    approved it; ``reviewer`` then names them). ``checkpoint`` is the signed-note
    text of the log checkpoint that includes ``log_index``. ``clip_sha256`` is the
    SHA-256 of the clip as submitted, before signing; :func:`sign_clip` fills it.
    """

    check_id: str
    verdict: str
    policy_set_hash: str
    log_index: int
    log_origin: str
    checkpoint: str
    reviewer: str | None = None
    clip_sha256: str | None = None
    review_log_index: int | None = None
    """The ``check.reviewed`` entry of an approval, included in ``checkpoint`` like ``log_index``."""

    def problems(self) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        for name in ("check_id", "policy_set_hash", "log_origin", "checkpoint"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                found.append(FieldProblem(name, "must be a non-empty string"))
        if not isinstance(self.log_index, int) or isinstance(self.log_index, bool) or self.log_index < 0:
            found.append(FieldProblem("log_index", "must be a non-negative integer"))
        if self.verdict == "approved" and not self.reviewer:
            found.append(FieldProblem("reviewer", "an approved review must name its reviewer"))
        if self.review_log_index is not None and (isinstance(self.review_log_index, bool)
                                                  or not isinstance(self.review_log_index, int)
                                                  or self.review_log_index <= self.log_index):
            found.append(FieldProblem("review_log_index", "must be an integer after log_index"))
        if self.clip_sha256 is not None and not _HEX64.match(self.clip_sha256):
            found.append(FieldProblem("clip_sha256", "must be 64 lowercase hex digits"))
        return found

    def as_assertion_data(self) -> dict[str, Any]:
        data = {"schema_version": CLEARANCE_SCHEMA_VERSION, **asdict(self)}
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_assertion_data(cls, data: Mapping[str, Any]) -> "ClearanceRelease":
        """Parse the assertion back; ValidationFailed names missing or mistyped fields."""
        kwargs: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        for name, kind, required in (("check_id", str, True), ("verdict", str, True),
                                     ("policy_set_hash", str, True), ("log_index", int, True),
                                     ("log_origin", str, True), ("checkpoint", str, True),
                                     ("reviewer", str, False), ("clip_sha256", str, False),
                                     ("review_log_index", int, False)):
            value = data.get(name)
            if value is None:
                if required:
                    problems.append(FieldProblem(name, "missing"))
                continue
            if not isinstance(value, kind) or isinstance(value, bool):
                problems.append(FieldProblem(name, f"expected {kind.__name__}"))
                continue
            kwargs[name] = value
        if problems:
            raise ValidationFailed(f"the {CLEARANCE_LABEL} assertion is malformed", problems=problems)
        return cls(**kwargs)


@dataclass(frozen=True)
class TrainingMiningEntry:
    """One entry of a training-and-data-mining assertion, e.g. ``cawg.ai_training: notAllowed``.

    ``effective_use`` is the normalised answer: ``constrained`` permits use only
    under ``constraint_info``; without it nobody can meet the constraint, so it
    reads as ``notAllowed``.
    """

    key: str
    use: TrainingUse
    constraint_info: str | None = None

    def __post_init__(self) -> None:
        if self.use not in _USES:
            raise ValidationFailed("invalid training-mining entry",
                                   problems=[FieldProblem(self.key, f"use must be one of {_USES}")])

    @property
    def effective_use(self) -> TrainingUse:
        """``use``, except that ``constrained`` without ``constraint_info`` reads as ``notAllowed``."""
        if self.use == "constrained" and not self.constraint_info:
            return "notAllowed"
        return self.use

    @property
    def opt_out(self) -> bool:
        """True for ``notAllowed`` and ``constrained``: an opt-out signal the policies honour."""
        return self.use != "allowed"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"use": self.use}
        if self.constraint_info:
            out["constraint_info"] = self.constraint_info
        return out


#: The usual "do not train" declaration for a generated clip.
NO_AI_TRAINING: tuple[TrainingMiningEntry, ...] = tuple(
    TrainingMiningEntry(key, "notAllowed")
    for key in ("cawg.ai_generative_training", "cawg.ai_inference", "cawg.ai_training",
                "cawg.data_mining"))


def parse_training_mining(data: Any) -> list[TrainingMiningEntry]:
    """Entries of a ``cawg.training-mining`` or legacy ``c2pa.training-mining`` assertion.

    An entry with an unknown ``use`` value is read conservatively as
    ``constrained`` without details (i.e. not permitted).
    """
    entries = data.get("entries") if isinstance(data, Mapping) else None
    if not isinstance(entries, Mapping):
        return []
    parsed: list[TrainingMiningEntry] = []
    for key, value in entries.items():
        raw_use = value.get("use") if isinstance(value, Mapping) else None
        info = value.get("constraint_info") if isinstance(value, Mapping) else None
        info = info if isinstance(info, str) and info.strip() else None
        use: TrainingUse
        if _is_use(raw_use):
            use = raw_use
        else:
            use, info = "constrained", None
        parsed.append(TrainingMiningEntry(str(key), use, info))
    return parsed
