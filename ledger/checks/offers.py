"""Offering a model to a third party: a model license is decided by the policies before it is recorded.

Creating (or amending) a ``model_license`` asks the Cedar policies ``offer_model`` for every
training asset of the model's lineage, in the license's media and territories and on its start
date. The decision is logged as ``model_offer.decided`` (projected into ``model_offers``) whether
it allows the offer or not; a refusal names the licenses and assets at fault and records nothing
else. :data:`record_rules` is how :mod:`ledger.records` reaches this without importing it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from ledger.checks.lineage_facts import offer_request
from ledger.errors import ClearanceError, Conflict
from ledger.log.events import Event, canonical
from ledger.records import models as m
from ledger.records.lineage import ancestors
from ledger import clock
from policies import Reason

if TYPE_CHECKING:
    from ledger.context import Clearance


@dataclass(frozen=True)
class RuleOutcome:
    """Events to log with the record (or instead of it), and the error to raise when it is refused."""

    events: list[Event] = field(default_factory=list)
    refusal: ClearanceError | None = None


RecordRule = Callable[["Clearance", Session, str, Any, str], RuleOutcome]
"""(ctx, session, record id, the record's validated fields, actor) -> outcome."""


def decide_offer(ctx: Clearance, session: Session, license_id: str, fields: m.ModelLicenseFields,
                 actor: str) -> RuleOutcome:
    """Decide whether the model may be licensed in this scope; the decision event, and a refusal if any."""
    # the offer is made now: a training license revoked before today no longer permits it, even for a
    # model license whose term started earlier (revocations take effect on their date)
    request = offer_request(session, fields.model_id, fields.media, fields.territories,
                            max(clock.today(), fields.starts_on))
    decision = ctx.policy_engine.decide(request)
    verdict = decision.verdict.value
    payload = {
        "model_id": fields.model_id, "model_license_id": license_id, "licensor_id": fields.licensor_id,
        "licensee_id": fields.licensee_id, "verdict": verdict,
        "reasons": [r.model_dump(mode="json") for r in decision.reasons],
        "relied_on": sorted({f"{f.relied_on.kind}:{f.relied_on.id}" for f in decision.findings if f.relied_on}),
        "lineage": ancestors(session, fields.model_id), "assets": [a.id for a in request.assets],
        "policy_set_hash": decision.policy_set_hash,
        "inputs_sha256": hashlib.sha256(canonical(request.model_dump(mode="json"))).hexdigest(),
    }
    offer_id = f"mof_{uuid.uuid4().hex[:20]}"
    event = Event("model_offer.decided", payload, "model_offer", offer_id, actor)
    if verdict == "pass":
        return RuleOutcome([event])
    refusal = Conflict(
        f"model {fields.model_id} may not be offered to {fields.licensee_id}: "
        f"{'; '.join(_at_fault(decision.reasons)) or 'the policies refuse it'}",
        extra={"offer_id": offer_id, "verdict": verdict, "reasons": [r.describe() for r in decision.reasons],
               "clauses": [{"policy_id": r.policy_id, "jurisdiction": r.jurisdiction, "clause": r.clause}
                           for r in dict.fromkeys(decision.reasons)]})
    return RuleOutcome([event], refusal)


def _at_fault(reasons: list[Reason]) -> list[str]:
    """Each asset and the license it was tried with, with the policies that refused it (the
    "relying on no license" candidate is left out when a license was tried)."""
    with_grant = {r.subject_id for r in reasons if r.grant}
    found: dict[str, list[str]] = {}
    for r in reasons:
        if r.subject_kind and (r.grant or r.subject_id not in with_grant):
            key = f"{r.subject_kind} {r.subject_id}" + (f" under {r.grant}" if r.grant else " (no license)")
            found.setdefault(key, []).append(r.policy_id)
    return [f"{key}: {', '.join(dict.fromkeys(ids))}" for key, ids in sorted(found.items())]


def record_rules() -> dict[str, RecordRule]:
    return {"model_license": decide_offer}
