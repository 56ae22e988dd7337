"""The check's decision: pure, no I/O.

Everything the decision reads is gathered beforehand (:mod:`ledger.checks.gather`)
into a :class:`Gathered`; :func:`decide` turns it, with the policy engine, into the
``check.decided`` payload. Nothing here touches the database, the media store or
the clock, so it is tested with plain values and a fake matcher's output.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ledger.checks.models import Clip
from ledger.checks.obligations import obligations
from ledger.checks.screening import PromptFindings
from ledger.log.events import canonical
from policies import (
    AssetFacts, Decision, MatchFacts, ModelFacts, PersonFacts, PolicyEngine, PolicyRequest, RequestContext, Verdict)


@dataclass(frozen=True)
class Gathered:
    """The inputs of one decision: the clip's request, classified matches, prompt findings and record facts."""

    clip: Clip
    owners: list[dict[str, Any]]
    """One entry per matched owner (``ledger.checks.strength.classify``)."""
    channels: dict[str, Any]
    """Which channels ran and which were unavailable, with details."""
    prompt: PromptFindings
    assets: list[AssetFacts]
    people: list[PersonFacts]
    licensed_models: list[str] = field(default_factory=list)
    """Models held by another party the clip was made with, under a model license (model lineage)."""
    fine_tuned_bases: list[str] = field(default_factory=list)
    """Models held by another party that the clip's model derives from."""
    models: list[ModelFacts] = field(default_factory=list)
    clip_models: list[str] = field(default_factory=list)
    """The clip's model when it is a tool dedicated to one person (Tennessee's ELVIS Act), among ``models``."""
    offers: list[PolicyRequest] = field(default_factory=list)
    """``offer_model`` for the training data of each model held by another party, and ``train`` for that of
    the maker's own models in the lineage (a fine-tune inherits its base's obligations), in the clip's scope."""
    parent_check_id: str | None = None
    """The check of the clip this one is an edit of."""


def asset_ids(clip: Clip, owners: list[dict[str, Any]], prompt: PromptFindings) -> list[str]:
    """The works a decision is about: given as references, matched, or named in the prompt (in that order)."""
    return list(dict.fromkeys([*clip.reference_asset_ids,
                               *(o["subject_id"] for o in owners if o["subject"] == "asset"),
                               *(w["id"] for w in prompt.works)]))


def people_ids(clip: Clip, owners: list[dict[str, Any]], prompt: PromptFindings,
               assets: list[AssetFacts]) -> list[str]:
    """The people a decision is about: declared, matched, named in the prompt, or depicted in those works."""
    return list(dict.fromkeys([*clip.declared_people, *(clip.declared_voices or []),
                               *(o["subject_id"] for o in owners if o["subject"] == "person"),
                               *(p["id"] for p in prompt.people),
                               *(p for a in assets for p in a.people_depicted)]))


def policy_request(gathered: Gathered) -> PolicyRequest:
    clip, prompt = gathered.clip, gathered.prompt
    context = RequestContext(
        action="release", model_id=clip.model_id, service_id=clip.service, project=clip.project,
        uses=frozenset(clip.uses), media=frozenset(x for x in clip.media if x != "any"),
        territories=frozenset(clip.territories), use_date=clip.release_date, clip_id=clip.id,
        reference_inputs=list(clip.reference_asset_ids), declared_people=list(clip.declared_people),
        declared_voices=list(clip.declared_voices or []),
        prompt_people=[p["id"] for p in prompt.people], prompt_works=[w["id"] for w in prompt.works],
        licensed_models=gathered.licensed_models, fine_tuned_bases=gathered.fine_tuned_bases,
        clip_models=gathered.clip_models)
    matches = [MatchFacts(subject=o["subject"], subject_id=o["subject_id"], channel=o["channel"], score=o["score"],
                          strength=o["strength"], threshold=o["threshold"], query_time_s=o["query_time_s"],
                          matched_time_s=o["matched_time_s"]) for o in gathered.owners]
    return PolicyRequest(context=context, assets=gathered.assets, people=gathered.people, matches=matches,
                         models=gathered.models)


def _combined(decisions: list[Decision]) -> tuple[Verdict, list[dict[str, Any]]]:
    """The worst verdict of the clip's decision and its lineage offers, with the reasons at that verdict."""
    verdict = Verdict.worst([d.verdict for d in decisions])
    if verdict is Verdict.PASS:
        return verdict, [r.model_dump(mode="json") for r in decisions[0].reasons]
    reasons = dict.fromkeys(r for d in decisions if d.verdict is verdict for r in d.reasons)
    return verdict, [r.model_dump(mode="json") for r in reasons]


def decide(gathered: Gathered, engine: PolicyEngine) -> dict[str, Any]:
    """The ``check.decided`` payload: verdict, reasons, matches, channels and what it relied on."""
    request = policy_request(gathered)
    decisions = [engine.decide(request), *(engine.decide(offer) for offer in gathered.offers)]
    verdict, reasons = _combined(decisions)
    relied_on = sorted({f"{f.relied_on.kind}:{f.relied_on.id.split('#')[0]}"
                        for d in decisions for f in d.findings if f.relied_on})
    inputs: Any = request.model_dump(mode="json")
    if gathered.offers:
        inputs = [inputs, *(offer.model_dump(mode="json") for offer in gathered.offers)]
    payload = {"clip_id": gathered.clip.id, "verdict": verdict.value, "reasons": reasons,
               "matches": gathered.owners, "channels": gathered.channels,
               "prompt_findings": gathered.prompt.as_json(), "relied_on": relied_on,
               "policy_set_hash": decisions[0].policy_set_hash,
               "inputs_sha256": hashlib.sha256(canonical(inputs)).hexdigest()}
    if gathered.parent_check_id:
        payload["parent_check_id"] = gathered.parent_check_id
    required = obligations(gathered.clip)
    if required:  # only when there are some, so earlier entries keep their shape
        payload["obligations"] = required
    return payload
