"""Small builders for policy facts, so each test case states only what it varies."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from policies.decision import Decision, Verdict
from policies.engine import PolicyEngine
from policies.facts import (
    AssetFacts,
    ConsentFacts,
    EstatePermissionFacts,
    LicenseFacts,
    MatchFacts,
    ModelFacts,
    OptOutSignal,
    PersonFacts,
    PolicyRequest,
    RequestContext,
)

USE_DATE = date(2026, 6, 15)
YESTERDAY = USE_DATE - timedelta(days=1)
TOMORROW = USE_DATE + timedelta(days=1)
PROJECT = "feature-nightfall"
SIGNED_TERMS = "ab" * 32


def decided(engine: PolicyEngine, request: PolicyRequest, verdict: Verdict, label: object) -> tuple[Decision, str]:
    """The engine's decision on ``request``, asserted to be ``verdict``, with its reasons written out
    (``label`` names the case in the failure message)."""
    decision = engine.decide(request)
    explanation = "\n".join(r.describe() for r in decision.reasons)
    assert decision.verdict is verdict, f"{label}: got {decision.verdict}\n{explanation}"
    return decision, explanation


def years_before(years: int, day: date = USE_DATE) -> date:
    """The same calendar day ``years`` earlier (no leap-day dates are used here)."""
    return day.replace(year=day.year - years)


def license_(ident: str = "lic-1", **changes: Any) -> LicenseFacts:
    fields: dict[str, Any] = dict(id=ident, uses={"train", "generate", "distribute"}, media={"film"},
                                  territories={"US"}, starts_on=date(2024, 1, 1), ends_on=date(2027, 12, 31))
    return LicenseFacts(**(fields | changes))


def consent(ident: str = "con-1", **changes: Any) -> ConsentFacts:
    fields: dict[str, Any] = dict(id=ident, projects={PROJECT}, uses={"train", "generate", "distribute", "replica"},
                                  media={"film"}, territories={"US"}, starts_on=date(2024, 1, 1),
                                  ends_on=date(2027, 12, 31), performance_fixed_on=date(2025, 3, 1),
                                  specific_use_description=True, governing_law="US-CA")
    return ConsentFacts(**(fields | changes))


def estate(ident: str = "est-1", **changes: Any) -> EstatePermissionFacts:
    fields: dict[str, Any] = dict(id=ident, works={PROJECT}, uses={"generate", "distribute"}, media={"film"},
                                  territories={"US"}, starts_on=date(2024, 1, 1), ends_on=date(2027, 12, 31),
                                  consent_on=date(2025, 6, 1))
    return EstatePermissionFacts(**(fields | changes))


def asset(ident: str = "asset-1", **changes: Any) -> AssetFacts:
    return AssetFacts(**({"id": ident, "title": f"Work {ident}"} | changes))


def person(ident: str = "person-1", **changes: Any) -> PersonFacts:
    return PersonFacts(**({"id": ident, "name": f"Person {ident}"} | changes))


def dead(years_ago: int, ident: str = "person-1", **changes: Any) -> PersonFacts:
    return person(ident, deceased=True, died_on=years_before(years_ago), **changes)


def signal(entry: str, value: str) -> OptOutSignal:
    return OptOutSignal(entry=entry, value=value, read_from="test")


def match(subject: str, subject_id: str, strength: str, channel: str | None = None) -> MatchFacts:
    channel = channel or ("identity" if subject == "person" else "perceptual")
    return MatchFacts(subject=subject, subject_id=subject_id, channel=channel, score=0.9, strength=strength)


def release(assets: list[AssetFacts] = (), people: list[PersonFacts] = (), matches: list[MatchFacts] = (),
            models: list[ModelFacts] = (), **context: Any) -> PolicyRequest:
    """A release request from a generation service, for film in the US on USE_DATE."""
    fields: dict[str, Any] = dict(action="release", service_id="svc-1", model_id="model-1", project=PROJECT,
                                  uses={"distribute"}, media={"film"}, territories={"US"}, use_date=USE_DATE,
                                  clip_id="clip-1")
    return PolicyRequest(context=RequestContext(**(fields | context)), assets=list(assets),
                         people=list(people), matches=list(matches), models=list(models))


def train(assets: list[AssetFacts] = (), people: list[PersonFacts] = (), **context: Any) -> PolicyRequest:
    """A training request for model-1 in the US on USE_DATE."""
    fields: dict[str, Any] = dict(action="train", model_id="model-1", project="model-1", uses={"train"},
                                  territories={"US"}, use_date=USE_DATE)
    return PolicyRequest(context=RequestContext(**(fields | context)), assets=list(assets), people=list(people))


def replica(people: list[PersonFacts], **context: Any) -> PolicyRequest:
    fields: dict[str, Any] = dict(action="create_replica", service_id="svc-1", project=PROJECT,
                                  uses={"replica"}, media={"film"}, territories={"US"}, use_date=USE_DATE,
                                  replica_subjects=[p.id for p in people])
    return PolicyRequest(context=RequestContext(**(fields | context)), people=list(people))
