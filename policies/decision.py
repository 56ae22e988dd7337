"""What the engine returns: verdicts, reasons and per-subject findings."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Verdict(StrEnum):
    """Outcome of a decision, ordered by severity: pass < review < block."""

    PASS = "pass"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @classmethod
    def worst(cls, verdicts: list[Verdict]) -> Verdict:
        """The most severe verdict; ``pass`` for an empty list."""
        return max(verdicts, key=lambda v: v.severity, default=cls.PASS)


_SEVERITY = {Verdict.PASS: 0, Verdict.REVIEW: 1, Verdict.BLOCK: 2}

SubjectKind = Literal["asset", "person", "clip", "model"]
GrantKind = Literal["license", "consent", "estate_permission", "model_license"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PolicyInfo(_Out):
    """One policy as loaded: its id, sentence, verdict and where it lives."""

    id: str
    sentence: str
    verdict: Verdict
    effect: Literal["permit", "forbid"]
    file: str
    line: int
    clause: str | None = None
    """The statute, contract term or rule the policy encodes (its ``@clause``)."""
    facts: tuple[str, ...] = ()
    """The request paths whose values decide it (its ``@facts``), e.g. ``context.new_performance_ymd``."""
    jurisdiction: str | None = None
    """Whose law the policy applies (its ``@jurisdiction``): ``US-CA``, ``US-NY``, ``US``, ``contract``..."""


class DecidingFact(_Out):
    """One fact a policy read, with its value in this request (``None``: not recorded)."""

    name: str
    value: str | int | bool | None


class GrantRef(_Out):
    """A license, consent or estate permission a use relied on (or tried to)."""

    kind: GrantKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class Touch(_Out):
    """Why a subject is part of the request (see the schema for the kinds)."""

    kind: str
    channel: str = "none"
    strength: str = "none"
    aspect: str = "likeness"
    """For people: ``likeness`` or ``voice``, what of them the use takes."""


class Reason(_Out):
    """A policy that determined an outcome, with what it was applied to.

    ``policy_id`` and ``sentence`` come from the policy's annotations.
    ``subject_*`` is empty for the permit behind a ``pass`` decision; ``grant``
    is the grant the request relied on when the policy fired, if any.
    """

    policy_id: str
    sentence: str
    verdict: Verdict
    subject_kind: SubjectKind | None = None
    subject_id: str | None = None
    grant: GrantRef | None = None
    clause: str | None = None
    jurisdiction: str | None = None
    """Whose law the clause is (the policy's ``@jurisdiction``)."""
    facts: tuple[DecidingFact, ...] = ()
    """The facts the policy read, with their values for this subject and grant."""

    def describe(self) -> str:
        """One line for reports: ``[policy] subject (grant): sentence``."""
        parts = [f"[{self.policy_id}]"]
        if self.subject_kind:
            parts.append(f"{self.subject_kind} {self.subject_id}")
        if self.grant:
            parts.append(f"({self.grant})")
        line = " ".join(parts) + f": {self.sentence}"
        if self.facts:
            line += " Facts: " + "; ".join(f"{f.name}={'not recorded' if f.value is None else f.value}"
                                          for f in self.facts) + "."
        return line


class CandidateOutcome(_Out):
    """The outcome of relying on one grant (or on none) for one touch."""

    grant: GrantRef | None
    verdict: Verdict
    reasons: list[Reason]


class Finding(_Out):
    """The outcome for one subject touched one way.

    ``verdict`` is the best outcome among the candidates: a use may rely on any
    one grant on record. ``relied_on`` is the grant that achieved it (``None``
    when no grant was needed or none helped). ``reasons`` explain the verdict
    (see the engine's module docstring); ``candidates`` shows every grant tried.
    """

    subject_kind: SubjectKind
    subject_id: str
    touch: Touch
    verdict: Verdict
    relied_on: GrantRef | None
    reasons: list[Reason]
    candidates: list[CandidateOutcome]


class Decision(_Out):
    """The answer to one request.

    ``reasons`` are the determining ones: for ``review``/``block`` the policies
    behind every finding at the decision's verdict; for ``pass`` the permit
    policies that allowed it. ``findings`` lists every subject, including
    those that passed.
    """

    action: str
    verdict: Verdict
    reasons: list[Reason]
    findings: list[Finding]
    policy_set_hash: str

    @property
    def determining_policy_ids(self) -> list[str]:
        """Distinct policy ids among ``reasons``, in order of first appearance."""
        return list(dict.fromkeys(r.policy_id for r in self.reasons))

    @property
    def sentences(self) -> list[str]:
        """Distinct sentences among ``reasons``, in order of first appearance."""
        return list(dict.fromkeys(r.sentence for r in self.reasons))


class AssetClearance(_Out):
    """Whether one training asset may be used to train, for dataset audits."""

    asset_id: str
    decision: Decision

    @property
    def cleared(self) -> bool:
        return self.decision.verdict is Verdict.PASS
