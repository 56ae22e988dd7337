"""Apply the Cedar policies to typed facts and explain the outcome.

How Cedar's allow/deny becomes pass / review / block
----------------------------------------------------
The policy files hold one permit (``base.cleared-unless-forbidden``) and many
forbid policies. Every policy carries ``@verdict``: ``pass`` on the permit,
``review`` or ``block`` on each forbid. A rule lives entirely in its forbid
policy; Python only builds the requests and reads the annotations back.

1. Subjects. The request is cut into subjects: each asset, person or clip it
   touches, once per way it is touched (a reference input, a strong match on
   the perceptual channel, a face match, a person declared or named in the
   prompt, a training asset and each person it depicts...). The touch travels
   in ``context.touch``.
2. Candidates. A subject may rely on any one of its grants: an asset on one of
   its licenses, a person on one of their consents or estate permissions. The
   engine asks Cedar once per grant (the grant in ``context.license``,
   ``context.consent`` or ``context.estate_permission``) and once relying on
   none. All requests of a decision go to Cedar in one batch.
3. One Cedar answer -> one candidate verdict. Allow -> ``pass``. Deny -> the
   most severe ``@verdict`` among the forbid policies Cedar reports as
   satisfied. A policy that errors while evaluating, or a Deny that no
   forbid explains, gives ``block`` with a reason under the reserved id
   ``engine.policy-error`` / ``engine.not-permitted``: the engine fails closed.
4. Subject verdict = the best candidate verdict (a use needs only one grant
   that clears it). Its reasons come from the candidates at that verdict: the
   policies that fired for all of them if there are any (they hold whichever
   grant is chosen, e.g. an opt-out), else each candidate's own reasons, each
   naming the grant it was tried with (e.g. "no license" and "license L1
   expired").
5. Decision verdict = the worst subject verdict. Its reasons are the reasons
   of the subjects at that verdict; for ``pass``, the permit policies Cedar
   reported. The decision carries the policy-set hash.

A request Cedar refuses outright (its context or entities do not match the
schema) is a bug in this package and raises :class:`EvaluationError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import cedarpy

from policies.decision import (
    AssetClearance,
    CandidateOutcome,
    DecidingFact,
    Decision,
    Finding,
    GrantRef,
    PolicyInfo,
    Reason,
    Verdict,
)
from policies.entities import Subject, build_entities, cedar_request, subjects_of
from policies.errors import EvaluationError, FactsError
from policies.facts import PolicyRequest
from policies.loader import LoadedPolicies, load_directory

POLICY_ERROR_ID = "engine.policy-error"
NOT_PERMITTED_ID = "engine.not-permitted"
_CEDAR_ID = re.compile(r"`(policy\d+)`")


class PolicyEngine:
    """A loaded, validated policy set. Build one at start-up with :meth:`load`."""

    def __init__(self, loaded: LoadedPolicies) -> None:
        self._loaded = loaded

    @classmethod
    def load(cls, directory: Path | str | None = None) -> PolicyEngine:
        """Load and validate the schema and policies of ``directory`` (default: this package).

        Raises :class:`~policies.errors.PolicyLoadError` naming each file and line at fault.
        """
        return cls(load_directory(directory))

    @property
    def policy_set_hash(self) -> str:
        """SHA-256 (hex) over the schema and policy files; see :func:`policies.loader.policy_set_hash`."""
        return self._loaded.policy_set_hash

    @property
    def policies(self) -> list[PolicyInfo]:
        """Every policy with its id, sentence, verdict, file and line, in file order."""
        return list(self._loaded.policies.values())

    @property
    def directory(self) -> Path:
        return self._loaded.directory

    def policy(self, policy_id: str) -> PolicyInfo:
        """The policy with this ``@id``; ``KeyError`` if there is none."""
        return self._loaded.policies[policy_id]

    def decide(self, request: PolicyRequest) -> Decision:
        """Decide one request: every subject it touches, one verdict with reasons."""
        subjects = subjects_of(request)
        findings = self._evaluate(request, subjects)
        return self._decision(request.context.action, findings)

    def audit_training(self, request: PolicyRequest) -> list[AssetClearance]:
        """Evaluate ``train`` for each asset of a ``train`` request, for dataset audits.

        Each asset's decision covers the asset and the people it depicts. One
        Cedar batch serves the whole dataset version.
        """
        if request.context.action != "train":
            raise FactsError(f"audit_training needs action 'train', not {request.context.action!r}")
        subjects = subjects_of(request)
        findings = self._evaluate(request, subjects)
        by_asset: dict[str, list[Finding]] = {asset.id: [] for asset in request.assets}
        for subject, finding in zip(subjects, findings, strict=True):
            by_asset[subject.owner_asset or subject.id].append(finding)
        return [
            AssetClearance(asset_id=asset_id, decision=self._decision("train", asset_findings))
            for asset_id, asset_findings in by_asset.items()
        ]

    # -- evaluation ---------------------------------------------------------

    def _evaluate(self, request: PolicyRequest, subjects: list[Subject]) -> list[Finding]:
        plan: list[tuple[int, GrantRef | None]] = []
        cedar_requests = []
        for index, subject in enumerate(subjects):
            for grant in (None, *subject.grants):
                plan.append((index, grant))
                cedar_requests.append(cedar_request(request, subject, grant))
        if not cedar_requests:
            return []
        schema = self._loaded.schema
        built = build_entities(request)
        try:
            entities = cedarpy.Entities.from_json_str(json.dumps(built), schema=schema)
        except ValueError as exc:
            raise EvaluationError(f"the entities built from the facts do not fit the schema: {exc}") from exc
        results = cedarpy.is_authorized_batch(cedar_requests, self._loaded.policy_set, entities, schema=schema)
        reader = FactReader(built)
        outcomes: list[list[CandidateOutcome]] = [[] for _ in subjects]
        for (index, grant), cedar, result in zip(plan, cedar_requests, results, strict=True):
            outcomes[index].append(self._candidate(subjects[index], grant, result, reader.bind(cedar)))
        return [self._finding(subject, outs) for subject, outs in zip(subjects, outcomes, strict=True)]

    def _candidate(self, subject: Subject, grant: GrantRef | None, result: cedarpy.AuthzResult,
                   read: Callable[[tuple[str, ...]], tuple[DecidingFact, ...]]) -> CandidateOutcome:
        diagnostics = result.diagnostics
        if result.decision is cedarpy.Decision.NoDecision:
            raise EvaluationError(
                f"Cedar refused the request for {subject.kind} {subject.id}: {'; '.join(diagnostics.errors)}"
            )

        def reason(policy_id: str, sentence: str, verdict: Verdict, info: PolicyInfo | None = None) -> Reason:
            return Reason(policy_id=policy_id, sentence=sentence, verdict=verdict,
                          subject_kind=subject.kind, subject_id=subject.id, grant=grant,
                          clause=info.clause if info else None, facts=read(info.facts) if info else (),
                          jurisdiction=info.jurisdiction if info else None)

        cedar_ids = self._loaded.cedar_ids
        policies = [self._loaded.policies[cedar_ids[r]] for r in diagnostics.reasons]
        reasons = [reason(p.id, p.sentence, p.verdict, p) for p in policies]
        if diagnostics.errors:
            messages = [_CEDAR_ID.sub(lambda m: f"`{cedar_ids.get(m[1], m[1])}`", e) for e in diagnostics.errors]
            reasons.append(reason(
                POLICY_ERROR_ID,
                "A policy could not be evaluated, so the use is blocked until it is fixed: " + "; ".join(messages),
                Verdict.BLOCK,
            ))
        elif not result.allowed and not reasons:
            reasons.append(reason(NOT_PERMITTED_ID, "No policy permits this use.", Verdict.BLOCK))
        if result.allowed and not diagnostics.errors:
            return CandidateOutcome(grant=grant, verdict=Verdict.PASS, reasons=reasons)
        forbidding = [r for r in reasons if r.verdict is not Verdict.PASS]
        return CandidateOutcome(grant=grant, verdict=Verdict.worst([r.verdict for r in forbidding]),
                                reasons=forbidding)

    @staticmethod
    def _finding(subject: Subject, candidates: list[CandidateOutcome]) -> Finding:
        best = min((c.verdict for c in candidates), key=lambda v: v.severity)
        at_best = [c for c in candidates if c.verdict is best]
        relied_on = next((c.grant for c in at_best if c.grant is not None), None)
        if best is not Verdict.PASS:
            relied_on = None
        return Finding(
            subject_kind=subject.kind,
            subject_id=subject.id,
            touch=subject.touch,
            verdict=best,
            relied_on=relied_on,
            reasons=_finding_reasons(at_best),
            candidates=candidates,
        )

    def _decision(self, action: str, findings: list[Finding]) -> Decision:
        verdict = Verdict.worst([f.verdict for f in findings])
        determining = [f for f in findings if f.verdict is verdict]
        if verdict is Verdict.PASS:
            reasons = _unique(
                Reason(policy_id=r.policy_id, sentence=r.sentence, verdict=r.verdict, clause=r.clause,
                       jurisdiction=r.jurisdiction)
                for f in determining for r in f.reasons
            )
        else:
            reasons = _unique(r for f in determining for r in f.reasons)
        return Decision(action=action, verdict=verdict, reasons=reasons, findings=findings,
                        policy_set_hash=self.policy_set_hash)


def _finding_reasons(at_best: list[CandidateOutcome]) -> list[Reason]:
    """Reasons of the candidates that reached the subject's verdict.

    Policies that fired for every one of them hold whatever grant is relied on:
    they alone are reported, once, without a grant. Otherwise each candidate's
    own reasons are reported, naming its grant.
    """
    fired = [{r.policy_id for r in c.reasons} for c in at_best]
    common = set.intersection(*fired) if fired else set()
    if common:
        return _unique(r.model_copy(update={"grant": None})
                       for c in at_best for r in c.reasons if r.policy_id in common)
    return _unique(r for c in at_best for r in c.reasons)


def _unique(reasons: Iterable[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))


class FactReader:
    """Reads the values of ``@facts`` paths in one Cedar request, for the reasons that quote them.

    ``context.consent.x`` follows the grant reference to the consent entity; ``resource.x`` reads
    the resource. Dates (``*_ymd``) read as ISO dates, sets as comma-separated text; a path that
    is absent reads as ``None`` (not recorded).
    """

    def __init__(self, entities: list[dict[str, Any]]) -> None:
        self._attrs = {(e["uid"]["type"], e["uid"]["id"]): e["attrs"] for e in entities}

    def bind(self, cedar: dict[str, Any]) -> Callable[[tuple[str, ...]], tuple[DecidingFact, ...]]:
        def read(paths: tuple[str, ...]) -> tuple[DecidingFact, ...]:
            return tuple(DecidingFact(name=p, value=self._value(cedar, p)) for p in paths)
        return read

    def _value(self, cedar: dict[str, Any], path: str) -> str | int | bool | None:
        root, *steps = path.split(".")
        node: Any = cedar["context"] if root == "context" else {"__entity": cedar["resource"]}
        for step in steps:
            if isinstance(node, dict) and "__entity" in node:
                uid = node["__entity"]
                node = self._attrs.get((uid["type"], uid["id"]), {})
            if not isinstance(node, dict) or step not in node:
                return None
            node = node[step]
        if isinstance(node, dict):
            return json.dumps(node, sort_keys=True)
        if isinstance(node, list):
            return ", ".join(str(v) for v in node) if node else "(none)"
        if path.endswith("_ymd") and isinstance(node, int) and not isinstance(node, bool):
            return f"{node // 10000:04d}-{node // 100 % 100:02d}-{node % 100:02d}"
        if node is None or isinstance(node, (str, int, bool)):
            return node
        return str(node)  # Cedar has no other leaf kind (decimals, entities, records are dicts)
